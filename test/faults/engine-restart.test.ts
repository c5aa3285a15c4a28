// Scenario 2: kill -9 the engine process itself (the embedded engine with a data directory) mid-run and restart it
// on the same port: the workers reconnect on their own, every acknowledged start, event and completion is there, and
// — with a CPU-bound process beside them (see cpu-hog.ts) — every instance in flight progresses within 30 s of the
// engine being back. A database restart is never the instances' fault: with a poison cap of 3 (default 5), repeated restarts
// fail nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hogProcesses } from './support/cpu-hog.js';
import { FAST_FAILOVER, FaultCluster, LEDGER, LONG } from './support/fault-cluster.js';
import type { FaultWorker } from './support/fault-worker-process.js';
import { startMixedWorkload, verifyWorkload, type Started } from './support/mixed-workload.js';

/** Rounds of the mixed workload in flight when the engine is killed in the heavier case. */
const HEAVY_ROUNDS = LONG ? 6 : 3;
/** Engine kills in a row in the repeated case. */
const RESTARTS = LONG ? 6 : 3;
/** The bound: every instance in flight progresses this soon after the database is back, machine busy or not. */
const PROGRESS_WITHIN_MS = 30_000;

let cluster: FaultCluster;

beforeAll(async () => {
  // A CPU-bound neighbour at least (more with `npm run test:faults -- --hog=N`): recovery must be prompt under load.
  cluster = await FaultCluster.start({ persistent: true, hog: hogProcesses(1) });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated']);

/** Where each instance stands: its history length, or -1 once it ended. Retried while the client reconnects. */
async function positions(ids: readonly string[]): Promise<Map<string, number>> {
  const client = cluster.durably.client;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = new Map<string, number>();
      for (const id of ids) {
        const status = await client.getStatus(id);
        result.set(id, status !== undefined && TERMINAL.has(status.runtimeStatus) ? -1 : (await client.getHistory(id)).length);
      }
      return result;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Prints what a stalled instance's documents and the workers' logs say about it, for the failure's diagnosis. */
async function describeStalled(ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const instance = await cluster.db.collection('Faults.instances').findOne({ _id: id as never }, { projection: { input: 0, output: 0 } });
    const jobs = await cluster.db.collection('Faults.jobs').find({ 'data.instanceId': id }, { projection: { 'data.input': 0 } }).toArray();
    const inbox = await cluster.db.collection('Faults.inbox').find({ instanceId: id }).toArray();
    const chunks = await cluster.db.collection('Faults.history').find({ instanceId: id }, { projection: { events: 0 } }).toArray();
    const history = await cluster.durably.client.getHistory(id);
    // Which of its activity calls ran to their end (the fixture records each run before it returns).
    const ran = await cluster.db.collection(LEDGER).find({ key: { $regex: `^${id.replace(/[^\w-]/g, '\\$&')}:` } }).toArray();
    console.log([
      `ledger: ${JSON.stringify(ran)}`,
      `stalled ${id}: ${JSON.stringify(instance)}`,
      `jobs not done: ${JSON.stringify(jobs.filter((j) => j.name !== 'durably.activity.done'))} (of ${jobs.length})`,
      `inbox: ${JSON.stringify(inbox)}`,
      `chunks: ${JSON.stringify(chunks)}`,
      `history ${history.length}: scheduled ${history.filter((e) => e.type === 'TaskScheduled').length}, completed ${history.filter((e) => e.type === 'TaskCompleted').length}`,
    ].join('\n'));
  }
  for (const w of cluster.workers) console.log([...w.output.slice(-30), ...w.output.filter((line) => ids.some((id) => line.includes(id)))].join('\n'));
}

/**
 * Waits until every instance of `started` that had not ended at `before` has progressed (its history grew, or it
 * ended), failing after {@link PROGRESS_WITHIN_MS}; returns the time the slowest one took, in ms.
 */
async function everyOneProgresses(started: readonly Started[], before: Map<string, number>, since: number): Promise<number> {
  let waiting = started.map((s) => s.id).filter((id) => before.get(id) !== -1);
  while (waiting.length > 0) {
    const now = await positions(waiting);
    waiting = waiting.filter((id) => {
      const position = now.get(id) ?? 0;
      return position !== -1 && position <= (before.get(id) ?? 0);
    });
    if (waiting.length === 0) break;
    if (Date.now() - since > PROGRESS_WITHIN_MS) {
      await describeStalled(waiting);
      expect({ stalledAfterRestart: waiting, withinMs: PROGRESS_WITHIN_MS }).toEqual({ stalledAfterRestart: [], withinMs: PROGRESS_WITHIN_MS });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - since;
}

describe('faults: engine process killed', () => {
  it('keeps every acknowledged write across a kill -9 of the engine; workers reconnect on their own', async () => {
    const workers: FaultWorker[] = [cluster.spawn(FAST_FAILOVER), cluster.spawn(FAST_FAILOVER)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      // A first batch runs to completion: its completions were acknowledged before the kill.
      const done = await startMixedWorkload(cluster, 'before', 1);
      await verifyWorkload(cluster, done);
      // A second batch is mid-run when the engine dies.
      const inFlight = await startMixedWorkload(cluster, 'during', 1);
      await new Promise((r) => setTimeout(r, 50));
      await cluster.restartEngine();
      // Acknowledged after the restart, through the same (reconnected) client.
      const after = await startMixedWorkload(cluster, 'after', 1);

      await verifyWorkload(cluster, [...done, ...inFlight, ...after]);
      // The same worker processes did it: nothing was restarted but the engine.
      expect(workers.filter((w) => !w.alive()).map((w) => w.output.join('\n'))).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 180_000);

  // Found by this scenario: a job Agenda had locked when the engine died failed for good on the connection error of
  // its first write, so its activity never ran and its instance never completed; and Agenda's unawaited unlock of a
  // job rejected unhandled, ending the worker. Jobs whose handler could not record an outcome are now given back.
  it(`keeps every acknowledged write across a kill -9 of the engine with ${HEAVY_ROUNDS} rounds in flight; each progresses within 30 s`, async () => {
    const workers: FaultWorker[] = [cluster.spawn(FAST_FAILOVER), cluster.spawn(FAST_FAILOVER)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const inFlight = await startMixedWorkload(cluster, 'heavy', HEAVY_ROUNDS);
      await new Promise((r) => setTimeout(r, 50));
      await cluster.restartEngine();
      const back = Date.now();
      // Positions are read once the engine is back; an instance that moved on before the kill still has to move again.
      const slowest = await everyOneProgresses(inFlight, await positions(inFlight.map((s) => s.id)), back);
      console.log(`[engine-restart] ${inFlight.length} instances in flight: the slowest progressed ${slowest} ms after the engine was back`);

      await verifyWorkload(cluster, inFlight);
      expect(workers.filter((w) => !w.alive()).map((w) => w.output.join('\n'))).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 300_000);

  it(`fails nothing across ${RESTARTS} engine restarts in a row with a poison cap of 3: storage faults are not poison`, async () => {
    // A cap of 3 trips on the fourth consecutive counted claim: before faults stopped counting, a restart or two
    // during an episode was enough to fail instances with PoisonEpisode. Under heavy load (2 hogs, load 13 on 2
    // cores) it still tripped once in 15 runs: a starved worker's lease ran out and the next claim read the count
    // before the owed uncount landed. A claim over the cap now fails the instance only if a lease period later it
    // still finds it over the cap.
    const env = { ...FAST_FAILOVER, MAX_EPISODE_ATTEMPTS: '3' };
    const workers: FaultWorker[] = [cluster.spawn(env), cluster.spawn(env)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const inFlight = await startMixedWorkload(cluster, 'again', 2);
      const started = Date.now();
      for (let i = 0; i < RESTARTS; i++) {
        await new Promise((r) => setTimeout(r, 300 + 200 * i));
        await cluster.restartEngine();
      }
      const slowest = await everyOneProgresses(inFlight, await positions(inFlight.map((s) => s.id)), Date.now());
      console.log(`[engine-restart] ${RESTARTS} restarts in ${Date.now() - started} ms: the slowest of ${inFlight.length} progressed ${slowest} ms after the last`);

      // verifyWorkload asserts Completed without failure details for each: no PoisonEpisode, no other failure.
      await verifyWorkload(cluster, inFlight);
      expect(workers.filter((w) => !w.alive()).map((w) => w.output.join('\n'))).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 300_000);
});
