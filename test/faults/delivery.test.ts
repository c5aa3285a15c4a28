// Scenarios 4 and 5: duplicate and out-of-order delivery, and an activity outliving its job lock.
// - Completions delivered three times, all of them before their scheduling commit: one recorded completion each, no
//   non-determinism.
// - Activity jobs really delivered twice: while a worker runs them, their locks are dropped (as a lock expiry would),
//   and a second worker runs them too, at the same time — one job, and seven jobs of a fan-out batch of eight, whose
//   duplicate results arrive while the orchestration still runs. Each ran twice (ledger), each is recorded once.
// - An activity whose worker freezes past the job lock (no heartbeat can renew it) runs again on another worker:
//   at most two executions, one recorded completion. With the heartbeat running, a slow activity runs once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ObjectId } from 'mongodb';
import { MongoInstanceStore } from '../../src/adapters/mongodb/mongo-instance-store.js';
import { encodePayload } from '../../src/core/codec.js';
import { JobName } from '../../src/adapters/agenda/job-name.js';
import { CollectionSuffix } from '../../src/adapters/mongodb/collection-suffix.js';
import { HistoryEventType } from '../../src/history/history-event.js';
import { waitFor } from '../support/test-db.js';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';
import type { FaultWorker } from './support/fault-worker-process.js';

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

/** A row of the fixture's activity ledger: one per activity run. */
interface LedgerRow {
  pid: number;
  activity: string;
  key: string;
}

const ledgerRuns = (key: string): Promise<number> => cluster.db.collection('ledger').countDocuments({ key });

interface ActivityJobDoc {
  _id: ObjectId;
  lockedAt: Date | null;
  lastModifiedBy: string | null;
  data: { sequence: number; deliveries: number };
}

const jobs = () => cluster.db.collection<ActivityJobDoc>(`Faults.${CollectionSuffix.Jobs}`);

/** The activity jobs of `instanceId` that a worker holds (locked, not finished). */
const runningJobs = (instanceId: string): Promise<ActivityJobDoc[]> =>
  jobs().find({ name: JobName.Activity, 'data.instanceId': instanceId, lockedAt: { $ne: null } }).toArray();

/** The worker process a job's `lastModifiedBy` (`durably:<taskHub>:<host>:<pid>:<nonce>`) names. */
const workerOf = (lastModifiedBy: string | null): FaultWorker | undefined =>
  cluster.workers.find((w) => lastModifiedBy?.split(':')[3] === String(w.pid));

/**
 * Delivers running activity jobs of `instanceId` a second time while their first runs go on: waits until one worker
 * holds `count` of them, freezes it, drops the locks of those `again` selects (what a lock expiry does) and waits until
 * another worker's Agenda has locked every one of them. Returns both workers, the first still frozen: the caller thaws
 * it once the second runs are far enough, and its runs carry on.
 */
async function deliverAgain(instanceId: string, count: number, again: (job: ActivityJobDoc) => boolean = () => true): Promise<{ first: FaultWorker; second: FaultWorker }> {
  let held: ActivityJobDoc[] = [];
  expect(await waitFor(async () => (held = await runningJobs(instanceId)).length === count, 30_000, 20)).toBe(true);
  expect(new Set(held.map((j) => j.lastModifiedBy)).size).toBe(1);
  expect(held.map((j) => j.data.deliveries)).toEqual(held.map(() => 1));
  const holder = held[0]!.lastModifiedBy;
  const first = workerOf(holder);
  if (first === undefined) throw new Error(`no worker holds the jobs of '${instanceId}' (${holder})`);
  first.freeze();
  try {
    // A lock renewal the worker sent just before it froze lands first; the reset must come after it.
    await new Promise((r) => setTimeout(r, 300));
    const ids = held.filter(again).map((j) => j._id);
    expect(ids.length).toBeGreaterThan(0);
    await jobs().updateMany({ _id: { $in: ids } }, { $set: { lockedAt: null } });
    let taken: ActivityJobDoc[] = [];
    const takenOver = async (): Promise<boolean> => {
      taken = await jobs().find({ _id: { $in: ids } }).toArray();
      return taken.length === ids.length && taken.every((j) => j.lockedAt !== null && j.lastModifiedBy !== holder);
    };
    expect(await waitFor(takenOver, 30_000, 20)).toBe(true);
    expect(new Set(taken.map((j) => j.lastModifiedBy)).size).toBe(1);
    const second = workerOf(taken[0]!.lastModifiedBy);
    if (second === undefined || second === first) throw new Error(`the jobs of '${instanceId}' were not taken over by another worker`);
    return { first, second };
  } catch (error) {
    first.thaw();
    throw error;
  }
}

describe('faults: duplicate and out-of-order delivery', () => {
  it('records one completion each when every completion arrives three times, before its scheduling commit', async () => {
    const client = cluster.durably.client;
    const store = new MongoInstanceStore(cluster.db, { taskHub: 'Faults' });
    const id = 'dup';
    // No worker yet: the completions land before the orchestration has scheduled anything.
    await client.startNew('Chain', { instanceId: id, input: { id, v: 1 } });
    const { executionId } = (await store.getInstance(id))!;
    for (let copy = 0; copy < 3; copy++) {
      for (const [sequence, result] of [[0, 2], [1, 4], [2, 8]] as const) {
        await store.sendMessage(id, {
          type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: new Date(), taskScheduledId: sequence, result: encodePayload(result, 'result'),
        }, { dedupeKey: `redelivery-${copy}-${sequence}`, executionId, now: new Date() });
      }
    }
    const worker = cluster.spawn(FAST_FAILOVER);
    try {
      const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toEqual([2, 4, 8]);
      expect(status.failureDetails).toBeUndefined();
      expect(await cluster.historyProblems(id)).toEqual([]);
      const history = await client.getHistory(id);
      expect(history.filter((e) => e.type === HistoryEventType.TaskCompleted)).toHaveLength(3);
    } finally {
      await worker.kill('SIGKILL');
    }
  }, 60_000);
});

describe('faults: activity jobs delivered twice', () => {
  it('runs one activity job on two workers at once and records one completion', async () => {
    const client = cluster.durably.client;
    // Locks long enough that only the test's reset hands the job to a second worker.
    const env = { ...FAST_FAILOVER, ACTIVITY_LOCK_MS: '60000', SLOW_MS: '4000' };
    const workers = [cluster.spawn(env), cluster.spawn(env)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const id = 'twice';
      await client.startNew('SlowOne', { instanceId: id, input: 21 });
      // The first run is in its Slow activity (it records itself, then sleeps).
      expect(await waitFor(async () => (await ledgerRuns(`${id}:0`)) === 1, 30_000, 20)).toBe(true);
      const { first, second } = await deliverAgain(id, 1);
      // The second run is in its Slow activity (past the check that skips work of a finished instance) before the
      // first one, sleeping in the same activity, can finish and complete the instance.
      expect(await waitFor(async () => (await ledgerRuns(`${id}:0`)) === 2, 30_000, 20)).toBe(true);
      first.thaw();
      const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(42);
      expect(status.failureDetails).toBeUndefined();
      // Both runs finish and report; the second result changes nothing.
      expect(await waitFor(async () => (await runningJobs(id)).length === 0, 30_000)).toBe(true);
      const runs = await cluster.db.collection<LedgerRow>('ledger').find({ key: `${id}:0` }).toArray();
      expect(runs.map((r) => r.pid).sort()).toEqual([first.pid, second.pid].sort());
      expect(await cluster.historyProblems(id)).toEqual([]);
      const history = await client.getHistory(id);
      expect(history.filter((e) => e.type === HistoryEventType.TaskScheduled)).toHaveLength(1);
      expect(history.filter((e) => e.type === HistoryEventType.TaskCompleted)).toHaveLength(1);
      expect((await client.getStatus(id))?.output).toBe(42);
      expect(workers.every((w) => w.alive())).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 120_000);

  it('runs the jobs of a fan-out batch on two workers at once and records one completion each', async () => {
    const client = cluster.durably.client;
    const n = 8; // Within one worker's activityConcurrency (10): the whole batch runs in the worker that schedules it.
    const id = 'twice-fan';
    const keys = Array.from({ length: n }, (_, i) => `${id}:${i}`);
    // Every job but the last is delivered twice; the last one, delivered once, holds the orchestration open until
    // both deliveries of the others have reported.
    const twice = keys.slice(0, -1);
    const last = keys.slice(-1);
    const ledger = 'ledger_batch';
    const env = { ...FAST_FAILOVER, ACTIVITY_LOCK_MS: '60000', LEDGER: ledger };
    const workers = [cluster.spawn(env), cluster.spawn(env)];
    // Work is instant. To hold the batch's runs while it is delivered again, and to release them in a chosen order,
    // each run's ledger write (the first thing Work does) is blocked: a unique index on (key, pid) with a placeholder
    // row in place for every key and worker turns the insert into a duplicate-key error, which the fixture retries
    // every 100 ms (for about 10 s). Deleting a placeholder lets that worker's run of that key go on.
    const rows = cluster.db.collection<LedgerRow & { placeholder?: true }>(ledger);
    await rows.createIndex({ key: 1, pid: 1 }, { unique: true, name: 'block_runs' });
    await rows.insertMany(keys.flatMap((key) => workers.map((w) => ({ key, pid: w.pid, activity: 'Work', placeholder: true as const }))));
    const release = (which: readonly string[], worker: FaultWorker): Promise<unknown> =>
      rows.deleteMany({ placeholder: true, key: { $in: [...which] }, pid: worker.pid });
    const ran = (which: readonly string[], pids: readonly number[]): Promise<number> =>
      rows.countDocuments({ placeholder: { $exists: false }, key: { $in: [...which] }, pid: { $in: [...pids] } });
    try {
      await Promise.all(workers.map((w) => w.ready));
      await client.startNew('FanOut', { instanceId: id, input: { id, n } });
      const { first, second } = await deliverAgain(id, n, (job) => job.data.sequence < n - 1);
      // The second deliveries run and report while the first ones are still under way (frozen, then blocked).
      await release(twice, second);
      expect(await waitFor(async () => (await ran(twice, [second.pid])) === twice.length, 30_000, 20)).toBe(true);
      // The first deliveries of the same jobs report too, while the orchestration still waits for the last job.
      await release(twice, first);
      first.thaw();
      expect(await waitFor(async () => (await ran(twice, [first.pid])) === twice.length, 30_000, 20)).toBe(true);
      expect((await client.getStatus(id))?.runtimeStatus).toBe('Running');
      await release(last, first);

      const status = await client.waitForCompletion(id, { timeoutMs: 60_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(n * (n - 1));
      expect(status.failureDetails).toBeUndefined();
      expect(await waitFor(async () => (await runningJobs(id)).length === 0, 30_000)).toBe(true);
      for (const key of twice) {
        const runs = await rows.find({ key, placeholder: { $exists: false } }).toArray();
        expect({ key, pids: runs.map((r) => r.pid).sort() }).toEqual({ key, pids: [first.pid, second.pid].sort() });
      }
      expect(await ran(last, [first.pid, second.pid])).toBe(1);
      expect(await cluster.historyProblems(id)).toEqual([]);
      const history = await client.getHistory(id);
      expect(history.filter((e) => e.type === HistoryEventType.TaskScheduled)).toHaveLength(n);
      const completed = history.flatMap((e) => (e.type === HistoryEventType.TaskCompleted ? [e.taskScheduledId] : []));
      expect(completed.sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect((await client.getStatus(id))?.output).toBe(n * (n - 1));
      expect(workers.every((w) => w.alive())).toBe(true);
    } finally {
      await rows.deleteMany({ placeholder: true }).catch(() => undefined);
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 120_000);
});

describe('faults: job lock expiry while an activity runs', () => {
  it('runs a slow activity once while its lock is renewed (lock 1 s, activity 3 s, two workers)', async () => {
    const client = cluster.durably.client;
    const env = { ...FAST_FAILOVER, ACTIVITY_LOCK_MS: '1000', SLOW_MS: '3000' };
    const workers = [cluster.spawn(env), cluster.spawn(env)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const ids = ['renewed-0', 'renewed-1', 'renewed-2'];
      for (const [i, id] of ids.entries()) await client.startNew('SlowOne', { instanceId: id, input: i });
      for (const [i, id] of ids.entries()) {
        const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
        expect(status.output).toBe(2 * i);
        expect(await cluster.historyProblems(id)).toEqual([]);
        expect(await ledgerRuns(`${id}:0`)).toBe(1);
      }
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 60_000);

  it('runs an activity at most twice when its worker freezes past the lock, and records it once', async () => {
    const client = cluster.durably.client;
    const env = { ...FAST_FAILOVER, ACTIVITY_LOCK_MS: '1000', SLOW_MS: '2000' };
    const frozen = cluster.spawn(env);
    await frozen.ready;
    const id = 'expired';
    await client.startNew('SlowOne', { instanceId: id, input: 21 });
    expect(await waitFor(async () => (await ledgerRuns(`${id}:0`)) === 1, 20_000, 20)).toBe(true);
    frozen.freeze();
    const rescuer = cluster.spawn(env);
    try {
      const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(42);
      frozen.thaw();
      // The frozen worker's run finishes too, and its result is absorbed.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(frozen.alive()).toBe(true);
      expect(await ledgerRuns(`${id}:0`)).toBe(2);
      expect(await cluster.historyProblems(id)).toEqual([]);
      expect((await client.getHistory(id)).filter((e) => e.type === HistoryEventType.TaskCompleted)).toHaveLength(1);
      expect((await client.getStatus(id))?.output).toBe(42);
    } finally {
      await Promise.all([frozen.kill('SIGKILL'), rescuer.kill('SIGKILL')]);
    }
  }, 60_000);
});
