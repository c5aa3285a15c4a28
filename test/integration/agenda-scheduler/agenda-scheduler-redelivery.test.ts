// Deliveries: a job whose worker went away (its lock expired) is run again by another worker with deliveries 2; a
// long job whose worker lives keeps its lock and is not run twice. Short lock lifetimes in this suite only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { openTestDb, waitFor, type TestDb } from '../../support/test-db.js';
import { activityJob, newTaskHub, recordingHandlers, SchedulerPool, sleep } from './scheduler-harness.js';

const LOCK_LIFETIME_MS = 1_000;

let t: TestDb;
let pool: SchedulerPool;

beforeAll(async () => {
  t = await openTestDb();
});
afterEach(async () => {
  await pool?.stopAll();
});
afterAll(async () => {
  await t?.close();
});

describe('AgendaWorkScheduler deliveries', () => {
  it('runs a job again, with deliveries 2, once the lock of a worker that went away expired', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    // The first worker's handler never returns; its process "dies" by stopping with a short grace period, after which
    // nothing renews the lock (as if the process had crashed).
    const hang = new Promise<void>(() => undefined);
    const first = recordingHandlers({ onActivity: () => hang });
    const dying = pool.create(hub, { lockLifetimeMs: LOCK_LIFETIME_MS, stopGraceMs: 50 });
    await dying.start(first);
    await dying.scheduleActivity(activityJob('crashy'));
    expect(await waitFor(() => first.activities.length === 1, 5_000, 5)).toBe(true);
    const lockedAt = (await pool.jobs(hub).findOne({}))!.lockedAt as Date;
    await dying.stop();
    expect(pool.logs.some((line) => line.includes('still running after 50 ms'))).toBe(true);

    const second = recordingHandlers();
    const survivor = pool.create(hub, { lockLifetimeMs: LOCK_LIFETIME_MS });
    await survivor.start(second);
    expect(await waitFor(() => second.activities.length === 1, 10_000, 10)).toBe(true);

    expect(first.activities.map((r) => r.deliveries)).toEqual([1]);
    expect(second.activities.map((r) => r.deliveries)).toEqual([2]);
    expect(second.activities[0]!.job).toEqual(first.activities[0]!.job);
    // Not before the lock expired.
    expect(second.activities[0]!.at).toBeGreaterThanOrEqual(lockedAt.getTime() + LOCK_LIFETIME_MS);
    const jobs = pool.jobs(hub);
    expect(await waitFor(async () => (await jobs.findOne({}))?.lastFinishedAt instanceof Date, 5_000, 10)).toBe(true);
    expect((await jobs.findOne({}))!.data.deliveries).toBe(2);
  });

  it('renews the lock of a long job while its worker lives: another worker does not run it', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const slow = recordingHandlers({ onActivity: () => sleep(4 * LOCK_LIFETIME_MS) });
    const watcher = recordingHandlers();
    const worker = pool.create(hub, { lockLifetimeMs: LOCK_LIFETIME_MS });
    const other = pool.create(hub, { lockLifetimeMs: LOCK_LIFETIME_MS });
    await worker.start(slow);
    await worker.scheduleActivity(activityJob('long'));
    expect(await waitFor(() => slow.activities.length === 1, 5_000, 5)).toBe(true);
    await other.start(watcher);
    const jobs = pool.jobs(hub);
    expect(await waitFor(async () => (await jobs.findOne({}))?.lastFinishedAt instanceof Date, 10_000, 20)).toBe(true);
    await sleep(2 * LOCK_LIFETIME_MS);
    expect(slow.activities.map((r) => r.deliveries)).toEqual([1]);
    expect(watcher.activities).toEqual([]);
    const stored = (await jobs.findOne({}))!;
    expect(stored.failedAt ?? null).toBeNull();
    expect(stored.lockedAt ?? null).toBeNull();
  });
});
