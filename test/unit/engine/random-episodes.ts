import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { EntityId } from '../../../src/core/entity-id.js';
import type { OrchestratorAction } from '../../../src/history/orchestrator-action.js';
import type { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { seededRandom } from '../../support/seeded-random.js';
import { TwinExecution } from './twin-execution.js';

// Orchestrators that between them use every feature a cached execution must keep right: chains with retries and
// failures, fan-out over activities and sub-orchestrations, races whose losers complete later, events raised before
// and after the wait (with timeouts), timers, entity calls and critical sections (one ending inside its section, one
// leaving a lock request behind), continue-as-new with preserved events, custom status, payload limits, newGuid,
// currentUtcDateTime, isReplaying and the logger. Results are numbers (the simulator's), failures TaskFailedErrors.

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const soon = (ctx: OrchestrationContext<unknown>, ms: number): Date => new Date(ctx.currentUtcDateTime.getTime() + ms);
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

class ChainWithRetries {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    let total = ctx.input;
    for (let i = 0; i < 6; i++) {
      ctx.log.info('step', i, ctx.currentUtcDateTime.toISOString(), ctx.isReplaying);
      const input = { i, guid: ctx.newGuid() };
      try {
        total += num(await ctx.callActivity('Add', input, i % 2 === 0 ? { retry: { firstRetryIntervalInMilliseconds: 1_000, maxNumberOfAttempts: 2 } } : undefined));
      } catch (error) {
        ctx.log.warn('failed', message(error));
        total -= 1;
      }
      try {
        // Over the payload limit now and then: refused where it is set.
        ctx.setCustomStatus(total % 5 === 0 ? 'x'.repeat(400) : { i, total });
      } catch (error) {
        ctx.log.error('status refused', message(error));
      }
    }
    return total;
  }
}

class FanOutFanIn {
  async run(ctx: OrchestrationContext<number>): Promise<unknown> {
    const wave = [0, 1, 2, 3].map((i) => (i % 2 === 0 ? ctx.callActivity('Work', i) : ctx.callSubOrchestrator('Child', i)));
    let sum = 0;
    try {
      sum = (await ctx.whenAll(wave)).map(num).reduce((a, b) => a + b, 0);
    } catch (error) {
      ctx.log.warn('wave failed', message(error));
    }
    ctx.setCustomStatus({ sum, at: ctx.currentUtcDateTime.toISOString() });
    const second = [ctx.callActivity('Work', sum), ctx.callActivity('Work', -sum), ctx.createTimer(soon(ctx, 5_000))];
    const first = await ctx.whenAny(second).then((value) => ({ value }), (error: unknown) => ({ error: message(error) }));
    return { sum, first, done: second.map((task) => task.isCompleted) };
  }
}

class Racer {
  async run(ctx: OrchestrationContext<number>): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const slow = ctx.callActivity('Slow', i);
      const go = ctx.waitForExternalEvent('go');
      try {
        // `await` unwraps the winner (and throws its failure): which one won is read from the tasks.
        await ctx.whenAny([slow, ctx.createTimer(soon(ctx, 10_000)), go]);
      } catch {
        seen.push('slow failed');
      }
      seen.push(slow.isCompleted ? 'slow' : go.isCompleted ? `go ${String(go.result)}` : 'timer');
      try {
        seen.push(`approved ${String(await ctx.waitForExternalEvent('approve', { timeoutMs: 30_000 }))}`);
      } catch (error) {
        seen.push(message(error).slice(0, 9));
      }
      ctx.log.debug('round', i, seen.at(-1));
    }
    return seen;
  }
}

class EventCounter {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    let count = ctx.input;
    for (let i = 0; i < 3; i++) {
      count += num(await ctx.waitForExternalEvent('item')) + 1;
      ctx.setCustomStatus(count);
    }
    if (count < 400) ctx.continueAsNew(count, { preserveUnprocessedEvents: true });
    return count;
  }
}

const a = new EntityId('Account', 'a');
const b = new EntityId('Account', 'b');
const audit = new EntityId('Audit', 'log');

class Banker {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    let moved = 0;
    for (let round = 0; round < 3; round++) {
      const lock = await ctx.lockEntities(b, a);
      try {
        const balance = num(await ctx.callEntity(a, 'get'));
        await ctx.whenAll([ctx.callEntity(a, 'add', -balance), ctx.callEntity(b, 'add', balance)]);
        moved += balance;
      } catch (error) {
        ctx.log.warn('transfer failed', message(error));
      }
      // The last round ends the execution inside its critical section: the locks are released at the end.
      if (round < 2) lock.release();
      ctx.signalEntity(audit, 'record', { round, moved });
    }
    return moved;
  }
}

class LockOrGiveUp {
  async run(ctx: OrchestrationContext<number>): Promise<string> {
    const request = ctx.lockEntities(a);
    await ctx.whenAny([request, ctx.createTimer(soon(ctx, 2_000))]);
    if (!request.isCompleted) return 'gave up (the pending request is released)';
    const lock = await request;
    const balance = await ctx.callEntity(a, 'get');
    lock.release();
    // A request made in the last episode and never sent: dropped.
    void ctx.lockEntities(b);
    return `balance ${String(balance)}`;
  }
}

class GeneratorStyle {
  *run(ctx: OrchestrationContext<number>): Generator<unknown, number, unknown> {
    let total = ctx.input;
    for (let i = 0; i < 4; i++) {
      try {
        total += num(yield ctx.callActivity('Add', i));
      } catch {
        total -= 10;
      }
      yield ctx.createTimer(soon(ctx, 1_000));
      const first = (yield ctx.whenAny([ctx.waitForExternalEvent('go'), ctx.callActivity('Add', -i)])) as { result: unknown };
      total += num(first.result);
    }
    if (total < 0) throw new Error(`ended below zero (${total})`);
    return total;
  }
}

const ORCHESTRATORS: ReadonlyArray<{ readonly create: () => { run(ctx: never): unknown }; readonly name: string; readonly events: readonly string[] }> = [
  { create: () => new ChainWithRetries(), name: 'ChainWithRetries', events: ['noise'] },
  { create: () => new FanOutFanIn(), name: 'FanOutFanIn', events: ['noise'] },
  { create: () => new Racer(), name: 'Racer', events: ['go', 'approve', 'Go'] },
  { create: () => new EventCounter(), name: 'EventCounter', events: ['item', 'other'] },
  { create: () => new Banker(), name: 'Banker', events: [] },
  { create: () => new LockOrGiveUp(), name: 'LockOrGiveUp', events: [] },
  { create: () => new GeneratorStyle(), name: 'GeneratorStyle', events: ['go'] },
];

const ANSWERED = new Set(['ScheduleTask', 'CreateTimer', 'CreateSubOrchestration', 'CallEntity', 'LockEntities']);

/** Writes the answer to an action: a success or (for what can fail) a failure. */
function answer(h: HistoryBuilder, action: OrchestratorAction, ok: boolean, value: number): void {
  const failure = new Error(`failure of #${action.sequence}`);
  switch (action.type) {
    case 'ScheduleTask': if (ok) h.taskCompleted(action.sequence, value); else h.taskFailed(action.sequence, failure); return;
    case 'CreateSubOrchestration': if (ok) h.subOrchestrationCompleted(action.sequence, value); else h.subOrchestrationFailed(action.sequence, failure); return;
    case 'CallEntity': if (ok) h.entityOperationCompleted(action.sequence, value); else h.entityOperationFailed(action.sequence, failure); return;
    case 'CreateTimer': h.timerFired(action.sequence); return;
    case 'LockEntities': h.entityLockGranted(action.sequence); return;
    default: return;
  }
}

/**
 * Runs orchestrations through random episodes with a {@link TwinExecution} each (which checks the cached execution
 * against a fresh replay at every episode): each episode answers a random subset of the open actions in random
 * order (successes and failures), raises random events, and now and then repeats an answer, suspends or resumes,
 * terminates, or drops the cached execution. Deterministic for a seed.
 */
export async function randomRuns(options: { seed: number; runs: number; maxEpisodes: number }): Promise<{ episodes: number; seen: Record<string, number> }> {
  const random = seededRandom(options.seed);
  const chance = (p: number): boolean => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  let episodes = 0;
  // What the runs went through, so that a test can check the features were exercised.
  const seen: Record<string, number> = {};
  const count = (what: string): void => {
    seen[what] = (seen[what] ?? 0) + 1;
  };
  for (let run = 0; run < options.runs; run++) {
    const orchestrator = ORCHESTRATORS[run % ORCHESTRATORS.length] as (typeof ORCHESTRATORS)[number];
    const twin = new TwinExecution(orchestrator.create, { name: orchestrator.name, input: Math.floor(random() * 10), instanceId: `run-${run}` }, 300);
    const open: OrchestratorAction[] = [];
    const answered: OrchestratorAction[] = [];
    let suspended = false;
    for (let episode = 0; episode < options.maxEpisodes; episode++) {
      twin.label = `seed ${options.seed}, run ${run} (${orchestrator.name}), episode ${episode}`;
      episodes++;
      const outcome = await twin.tryStep();
      if ('error' in outcome) {
        // Both ways threw the same error (checked by the twin): the run is over.
        count(`threw ${outcome.error instanceof Error ? outcome.error.name : 'a non-error'}`);
        break;
      }
      const { decision } = outcome;
      for (const action of decision.actions) count(action.type);
      if (decision.suspended) count('suspended');
      if (decision.completion?.status === 'ContinuedAsNew' && decision.completion.carryoverEvents.length > 0) count('carryover');
      if (decision.completion !== undefined) {
        count(decision.completion.status);
        break;
      }
      open.push(...decision.actions.filter((action) => ANSWERED.has(action.type)));
      // The next episode's events, in random order.
      const writes: Array<(h: HistoryBuilder) => void> = [];
      for (let i = open.length - 1; i >= 0; i--) {
        if (!chance(0.45)) continue;
        const [action] = open.splice(i, 1) as [OrchestratorAction];
        const ok = chance(0.8);
        const value = Math.floor(random() * 50);
        writes.push((h) => answer(h, action, ok, value));
        answered.push(action);
      }
      for (const name of orchestrator.events) {
        const value = Math.floor(random() * 20);
        if (chance(0.3)) writes.push((h) => h.eventRaised(name, value));
      }
      if (answered.length > 0 && chance(0.1)) {
        const again = pick(answered);
        writes.push((h) => answer(h, again, true, 7));
      }
      if (!suspended && chance(0.08)) {
        suspended = true;
        writes.push((h) => h.executionSuspended());
      } else if (suspended && chance(0.4)) {
        suspended = false;
        writes.push((h) => h.executionResumed());
      }
      if (chance(0.01)) writes.push((h) => h.executionTerminated('random'));
      for (let i = writes.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [writes[i], writes[j]] = [writes[j] as (h: HistoryBuilder) => void, writes[i] as (h: HistoryBuilder) => void];
      }
      const h = twin.history.advance(1 + Math.floor(random() * 20_000)).orchestratorStarted();
      for (const write of writes) write(h);
      if (chance(0.05)) {
        count('restart');
        twin.restart();
      }
    }
  }
  return { episodes, seen };
}
