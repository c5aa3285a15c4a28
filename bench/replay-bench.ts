import { performance } from 'node:perf_hooks';
import { executeOrchestration } from '../src/engine/execute-orchestration.js';
import type { OrchestrationContext } from '../src/engine/orchestration-context.js';
import type { OrchestrationExecutionRequest } from '../src/engine/orchestration-execution-request.js';
import type { HistoryEvent } from '../src/history/history-event.js';
import { HistoryBuilder } from '../src/testing/history-builder.js';
import { yieldToEventLoop } from '../src/testing/replay-history.js';

/**
 * `npm run bench` (after the engine bench): the replay engine alone, no I/O. Replays a chaining orchestration whose
 * whole history is recorded but its last result, at about 1k, 10k and 50k events, and prints the median time per
 * replay. A benchmark, not a test: numbers vary with the machine's load. Options: `--runs N` (default 7).
 */

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

class Chain {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < ctx.input; i++) total += await ctx.callActivity<number>('Step', i);
    return total;
  }
}

/** A chain of `steps` activities, one per episode: 4 events per step. The last result is the one new event. */
function chainHistory(steps: number): { pastEvents: HistoryEvent[]; newEvents: HistoryEvent[] } {
  const history = new HistoryBuilder({ name: 'Chain', input: steps }).taskScheduled('Step', 0).orchestratorCompleted();
  for (let i = 0; i < steps; i++) {
    history.advance(1_000).orchestratorStarted().taskCompleted(i, i);
    if (i < steps - 1) history.taskScheduled('Step', i + 1).orchestratorCompleted();
  }
  return history.split();
}

const resolveName: OrchestrationExecutionRequest['resolveName'] = (_kind, ref) => (typeof ref === 'string' ? ref : ref.name);

async function replayOnce(history: { pastEvents: HistoryEvent[]; newEvents: HistoryEvent[] }, steps: number): Promise<number> {
  const start = performance.now();
  const decision = await executeOrchestration({ ...history, orchestrator: new Chain(), resolveName, yieldToEventLoop });
  const elapsed = performance.now() - start;
  const expected = JSON.stringify((steps * (steps - 1)) / 2);
  if (decision.completion?.status !== 'Completed' || decision.completion.output !== expected) {
    throw new Error(`unexpected decision for ${steps} steps: ${JSON.stringify(decision.completion)}`);
  }
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

interface Result {
  readonly events: number;
  readonly ms: number;
  readonly usPerEvent: number;
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const steps of [250, 2_500, 12_500]) {
    const history = chainHistory(steps);
    const events = history.pastEvents.length + history.newEvents.length;
    await replayOnce(history, steps); // warm-up
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) times.push(await replayOnce(history, steps));
    const ms = median(times);
    results.push({ events, ms: Math.round(ms * 100) / 100, usPerEvent: Math.round((ms * 1000 / events) * 100) / 100 });
  }

  const base = results[0];
  process.stdout.write(`\nReplay engine: chaining orchestration, fully recorded history + its last result, median of ${RUNS} runs\n\n`);
  process.stdout.write(`${'events'.padStart(8)} ${'ms'.padStart(10)} ${'µs/event'.padStart(10)} ${'vs 1k'.padStart(8)}\n`);
  for (const r of results) {
    // µs/event relative to the smallest history: about 1.0 at every size means replay time grows linearly.
    const ratio = base === undefined ? 1 : r.usPerEvent / base.usPerEvent;
    process.stdout.write(`${String(r.events).padStart(8)} ${r.ms.toFixed(2).padStart(10)} ${r.usPerEvent.toFixed(2).padStart(10)} ${`${ratio.toFixed(2)}x`.padStart(8)}\n`);
  }
  process.stdout.write('\n(vs 1k: µs/event relative to the 1k history; close to 1.00x at every size means linear growth.)\n');
  process.stdout.write(`\n${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
