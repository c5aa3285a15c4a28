/**
 * `npm run bench:scale [-- --quick] [-- --reps N] [-- --workers 1,2,4] [-- --rate 20] [-- --json FILE]`: Durably
 * scaled out over worker processes on one embedded engine. The engine (persisted to a fresh dbPath) runs alone in a
 * child process; for each worker count, that many worker processes (the peer bench's app, default tuning) are started,
 * and this process — a client-only app — starts the work: a batch of 10-activity chains, a batch of 20-activity
 * fan-outs, and 5-activity chains at a steady rate for their latency. Worker counts are interleaved repetition by
 * repetition (the order rotates), so that a change in the machine's load falls on all of them. Reports throughput,
 * latency, how evenly the workers shared episodes and activities, and where the CPU went. Not part of `npm test`.
 * See docs/scaling.md.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Durably } from '../src/index.js';
import { loadAverage, machineLine, packageVersion, parseOptions } from './peers/bench-options.js';
import { createApp } from './peers/durably-host.js';
import { EngineProcess, killAllScaleSides, WorkerPool } from './scale-out/scale-cluster.js';
import { batchPhase, latencyPhase, phaseSizes, warmUp, type PhaseContext } from './scale-out/scale-phases.js';
import { balanceTable, cpuTable, opsTable, throughputTable, type ConfigOutcome } from './scale-out/scale-report.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const options = parseOptions();
const argValue = (name: string): string | undefined => {
  const i = options.argv.indexOf(name);
  return i >= 0 ? options.argv[i + 1] : undefined;
};
const workerCounts = (argValue('--workers') ?? '1,2,4').split(',').map(Number);
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--workers must list positive integers, e.g. 1,2,4');
const rate = Number(argValue('--rate') ?? 20);
if (!(rate > 0)) throw new Error('--rate must be a positive number of orchestrations per second');
const sizes = phaseSizes(options.quick, rate);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the engine and the workers …`);
    void killAllScaleSides().finally(() => process.exit(130));
  });
}

/** One repetition of one worker count: its own worker processes, warmed up, then the three phases. */
async function runConfiguration(client: Durably, engine: EngineProcess, workers: number, rep: number): Promise<ConfigOutcome> {
  const pool = await WorkerPool.start(workers, engine.detail.uri);
  try {
    const ctx: PhaseContext = { client, engine, workers: pool };
    await warmUp(ctx);
    const chain = await batchPhase(ctx, 'Chain', sizes.chains, sizes.chainLength);
    const fan = await batchPhase(ctx, 'FanOut', sizes.fans, sizes.fanWidth);
    const latency = await latencyPhase(ctx, sizes.latencyRate, sizes.latencySeconds, sizes.latencyLength);
    return { workers, rep, phases: { chain, fan, latency } };
  } finally {
    await pool.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  log(`bench:scale ${options.quick ? '(quick) ' : ''}— workers ${workerCounts.join(', ')}, ${options.reps} interleaved reps; load average ${loadBefore}`);
  const engine = await EngineProcess.start();
  const client = await createApp(engine.detail.uri, { start: false });
  const outcomes: ConfigOutcome[] = [];
  try {
    for (let rep = 0; rep < options.reps; rep++) {
      // Rotated each repetition, so that no worker count always runs first (on a fresher machine) or last.
      const order = workerCounts.map((_, i) => workerCounts[(i + rep) % workerCounts.length] as number);
      for (const workers of order) {
        const t0 = Date.now();
        const outcome = await runConfiguration(client, engine, workers, rep);
        outcomes.push(outcome);
        const p = outcome.phases;
        log(`rep ${rep + 1}/${options.reps}, ${workers} worker(s): chain ${(p.chain.activities * 1000 / p.chain.spanMs).toFixed(0)} act/s, fan ${(p.fan.activities * 1000 / p.fan.spanMs).toFixed(0)} act/s (${((Date.now() - t0) / 1000).toFixed(1)} s; load ${loadAverage()})`);
      }
    }
  } finally {
    await client.stop();
    await engine.stop();
  }
  const labels = { chain: `chain${sizes.chainLength}`, fan: `fan${sizes.fanWidth}`, latency: `chain${sizes.latencyLength} @ ${sizes.latencyRate}/s` };
  out(`### ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC — \`npm run bench:scale${options.argv.length > 0 ? ` -- ${options.argv.join(' ')}` : ''}\``);
  out();
  out(`${machineLine()}; Durably ${packageVersion('.')}, mongodb ${packageVersion('mongodb')}. Load average (1 / 5 / 15 min) ${loadBefore} at the start, ${loadAverage()} at the end.`);
  out(`Engine: embedded, dbPath, own process. Per repetition and worker count: ${sizes.chains} × chain of ${sizes.chainLength} and ${sizes.fans} × fan-out of ${sizes.fanWidth} started at once; ${labels.latency} for ${sizes.latencySeconds} s. ${options.reps} reps, worker counts interleaved.`);
  out();
  out('Throughput (first start → last completion commit; median (min–max) of reps) and latency (start → completion commit; p50/p99 pooled over every rep, the range of the reps\' own p50/p99 in parentheses):');
  out();
  for (const line of throughputTable(outcomes, labels)) out(line);
  out();
  out('Claim balance: each worker\'s share of the episodes and activities of a phase (median over reps (range)):');
  out();
  for (const line of balanceTable(outcomes)) out(line);
  out();
  out('Where the CPU went (cores = CPU s ÷ wall s of the phase; the client is this process):');
  out();
  for (const line of cpuTable(outcomes)) out(line);
  out();
  out('The engine\'s commands per activity, by `serverStatus().opcounters` section (`command` includes every findAndModify: the claims):');
  out();
  for (const line of opsTable(outcomes)) out(line);
  const file = options.json ?? path.join(tmpdir(), `durably-bench-scale-${startedAt.getTime()}.json`);
  writeFileSync(file, JSON.stringify({ startedAt, machine: machineLine(), loadBefore, loadAfter: loadAverage(), argv: options.argv, sizes, outcomes }, null, 2));
  log(`raw results: ${file}`);
}

main().catch(async (error: unknown) => {
  log(`bench:scale failed: ${(error as Error).stack ?? String(error)}`);
  await killAllScaleSides();
  process.exit(1);
});
