// AgendaWorkScheduler against the test server: what is the adapter's own — in-process starts and their latency, the
// job documents it keeps, its options, failing a job for good. What the port promises (jobs run once per key, shared by
// the workers of a task hub; cancel, purge, start/stop) is the work-scheduler contract (test/contract).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { JOB_KEY_INDEX_NAME, AgendaWorkScheduler } from '../../../src/adapters/agenda/agenda-work-scheduler.js';
import { DurableError } from '../../../src/core/durable-error.js';
import { JobWriteError } from '../../../src/core/errors/job-write-error.js';
import { FinishedJobName, JobName } from '../../../src/adapters/agenda/job-name.js';
import { openTestDb, waitFor, type TestDb } from '../../support/test-db.js';
import {
  activityJob, deferred, newTaskHub, percentile, recordingHandlers, report, SchedulerPool, sleep, timerJob,
} from './scheduler-harness.js';

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

function setup(): SchedulerPool {
  pool = new SchedulerPool(t);
  return pool;
}

describe('AgendaWorkScheduler', () => {
  it('runs an activity promptly after scheduleActivity, in-process, without waiting for a poll', async () => {
    const p = setup();
    const hub = newTaskHub();
    const handlers = recordingHandlers();
    // The default poll period (500 ms): only the in-process notification can explain a faster start.
    const scheduler = p.create(hub, { processEveryMs: 500 });
    await scheduler.start(handlers);

    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const scheduledAt = Date.now();
      await scheduler.scheduleActivity(activityJob(`latency-${i}`));
      expect(await waitFor(() => handlers.activities.length === i + 1, 5_000, 1)).toBe(true);
      latencies.push(handlers.activities[i]!.at - scheduledAt);
    }
    const p50 = percentile(latencies, 50);
    report(`[agenda-scheduler] schedule -> handler start, in-process (ms): p50=${p50} p90=${percentile(latencies, 90)} max=${Math.max(...latencies)}`);
    expect(p50).toBeLessThan(2_000);
    expect(handlers.activities.map((r) => r.deliveries)).toEqual(latencies.map(() => 1));
  });

  it('passes the activity as scheduled and keeps the finished job as its record', async () => {
    const p = setup();
    const hub = newTaskHub();
    const handlers = recordingHandlers();
    const scheduler = p.create(hub);
    await scheduler.start(handlers);
    const job = { ...activityJob('shape'), input: undefined };
    await scheduler.scheduleActivity(job);
    expect(await waitFor(() => handlers.activities.length === 1, 5_000, 5)).toBe(true);
    expect(handlers.activities[0]).toMatchObject({ job, deliveries: 1 });

    const jobs = p.jobs(hub);
    // Once finished, the job is kept as the record of its key but renamed out of the due-job scans.
    expect(await waitFor(async () => (await jobs.findOne({}))?.name === FinishedJobName[JobName.Activity], 5_000, 10)).toBe(true);
    const stored = (await jobs.findOne({}))!;
    expect(stored.lastFinishedAt).toBeInstanceOf(Date);
    expect(stored.data).toMatchObject({ instanceId: 'shape', executionId: 'e1', sequence: 0, name: 'SayHello', key: 'shape\u0000e1\u00000', deliveries: 1 });
    expect(stored.nextRunAt).toBeNull();
    expect(stored.lockedAt ?? null).toBeNull();
    const keyIndex = (await jobs.listIndexes().toArray()).find((i) => i.name === JOB_KEY_INDEX_NAME);
    expect(keyIndex).toMatchObject({ key: { 'data.key': 1 }, unique: true });
  });

  it('fires a timer not before fireAt and close to it', async () => {
    const p = setup();
    const hub = newTaskHub();
    const handlers = recordingHandlers();
    const scheduler = p.create(hub, { processEveryMs: 500 });
    await scheduler.start(handlers);
    const fireAt = new Date(Date.now() + 1_200);
    const timer = timerJob(fireAt, 'timer-instance', 3);
    await scheduler.scheduleTimer(timer);
    await sleep(600);
    expect(handlers.timers).toEqual([]);
    expect(await waitFor(() => handlers.timers.length === 1, 5_000, 5)).toBe(true);
    const lateness = handlers.timers[0]!.at - fireAt.getTime();
    report(`[agenda-scheduler] timer lateness (ms): ${lateness}`);
    // setTimeout may round by a millisecond; anything earlier would be a real early fire.
    expect(lateness).toBeGreaterThanOrEqual(-2);
    expect(lateness).toBeLessThan(2_000);
    expect(handlers.timers[0]!.job).toEqual(timer);
  });

  it('keeps a far-future timer as a plain document: not locked, not held by any worker', async () => {
    const p = setup();
    const hub = newTaskHub();
    const handlers = recordingHandlers();
    const scheduler = p.create(hub);
    await scheduler.start(handlers);
    await scheduler.scheduleTimer(timerJob(new Date(Date.now() + 72 * 3_600_000), 'far'));
    await sleep(500); // five polls
    const stored = (await p.jobs(hub).findOne({}))!;
    expect(stored.lockedAt ?? null).toBeNull();
    expect(stored.nextRunAt).toBeInstanceOf(Date);
    expect(handlers.timers).toEqual([]);
  });

  it('runs a batch scheduled by a started worker in-process up to its concurrency, the rest picked up as slots free, each once', async () => {
    const p = setup();
    const hub = newTaskHub();
    let running = 0;
    let most = 0;
    // The first three wait until the test has looked at them.
    const looked = deferred();
    const handlers = recordingHandlers({
      onActivity: async (job) => {
        most = Math.max(most, ++running);
        if (job.sequence < 3) await looked.promise;
        await sleep(20);
        running--;
      },
    });
    const scheduler = p.create(hub, { concurrency: 3 });
    await scheduler.start(handlers);
    const jobs = Array.from({ length: 12 }, (_, i) => activityJob('batch', i));
    await scheduler.scheduleActivities(jobs);
    // The first three were inserted locked by this worker and started at once, without waiting for a poll.
    const locked = await p.jobs(hub).find({ lockedAt: { $ne: null } }).toArray();
    expect(locked.length).toBe(3);
    expect(handlers.activities.length).toBe(3);
    looked.resolve();
    // The same batch again (a re-dispatch) and one new job: only the new one is added.
    await scheduler.scheduleActivities([...jobs, activityJob('batch', 12)]);

    expect(await waitFor(() => handlers.activities.length === 13, 10_000, 10)).toBe(true);
    await sleep(300);
    expect(handlers.activities.map((r) => r.job.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(handlers.activities.every((r) => r.deliveries === 1)).toBe(true);
    // One bound for both paths.
    expect(most).toBeLessThanOrEqual(3);
    expect(await waitFor(async () => (await p.jobs(hub).countDocuments({ lastFinishedAt: { $ne: null }, lockedAt: null })) === 13, 5_000, 10)).toBe(true);
    expect(await p.jobs(hub).countDocuments({})).toBe(13);
  });

  it('cancelInstanceJobs deletes a job whose worker died (lock expired); purgeFinishedJobs reclaims finished ones', async () => {
    const p = setup();
    const hub = newTaskHub();
    const client = p.create(hub);
    await client.scheduleTimer(timerJob(new Date(Date.now() + 3_600_000), 'z', 1));
    const jobs = p.jobs(hub);
    const longAgo = new Date(Date.now() - 3_600_000);
    await jobs.insertMany([
      // Started by a worker that died an hour ago.
      { name: JobName.Activity, type: 'normal', priority: 0, nextRunAt: null, lastRunAt: longAgo, lockedAt: longAgo, data: { ...activityJob('z', 2), key: 'z\u0000e1\u00002', deliveries: 1 } },
      // Finished an hour ago.
      { name: JobName.Activity, type: 'normal', priority: 0, nextRunAt: null, lastRunAt: longAgo, lastFinishedAt: longAgo, lockedAt: null, data: { ...activityJob('z', 3), key: 'z\u0000e1\u00003', deliveries: 1 } },
    ]);
    expect(await client.cancelInstanceJobs('z')).toBe(2);
    expect(await jobs.countDocuments({})).toBe(1);

    // Purging a finished job gives its key back: scheduling it again runs it again.
    expect(await client.purgeFinishedJobs(new Date(Date.now() - 60_000))).toBe(1);
    expect(await jobs.countDocuments({})).toBe(0);
    const handlers = recordingHandlers();
    await p.create(hub).start(handlers);
    await client.scheduleActivity(activityJob('z', 3));
    expect(await waitFor(() => handlers.activities.length === 1, 5_000, 10)).toBe(true);
  });

  it('creates only the jobs collection: no agenda_logs collection', async () => {
    const p = setup();
    const hub = newTaskHub();
    await p.create(hub).scheduleActivity(activityJob('collections'));
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toContain(`${hub}.jobs`);
    expect(names.filter((n) => n.includes('agenda_logs'))).toEqual([]);
  });

  it('schedules from a client-only scheduler (never started); a worker elsewhere runs the jobs', async () => {
    const p = setup();
    const hub = newTaskHub();
    const client = p.create(hub, { processEveryMs: 500 });
    const handlers = recordingHandlers();
    const worker = p.create(hub, { processEveryMs: 500 });
    await worker.start(handlers);

    const scheduledAt = Date.now();
    await client.scheduleActivity(activityJob('from-client'));
    await client.scheduleTimer(timerJob(new Date(Date.now() + 200), 'from-client', 1));
    expect(await waitFor(() => handlers.activities.length === 1 && handlers.timers.length === 1, 5_000, 5)).toBe(true);
    // No notification crosses schedulers: the worker's poll (every 500 ms) found them.
    const pickup = handlers.activities[0]!.at - scheduledAt;
    report(`[agenda-scheduler] schedule -> handler start, other scheduler, processEvery 500 ms (ms): ${pickup}`);
    expect(pickup).toBeLessThan(2_000);
    await client.stop();
  });

  // A handler that throws anything else gives its job back (agenda-scheduler-isolation.test.ts).
  it('marks a job whose handler throws a DurableError as failed and never runs it again', async () => {
    const p = setup();
    const hub = newTaskHub();
    const handlers = recordingHandlers({ onActivity: () => Promise.reject(new DurableError('INTERNAL_ERROR', 'handler blew up')) });
    const scheduler = p.create(hub);
    await scheduler.start(handlers);
    await scheduler.scheduleActivity(activityJob('throws'));
    const jobs = p.jobs(hub);
    expect(await waitFor(async () => (await jobs.findOne({}))?.failedAt instanceof Date, 5_000, 10)).toBe(true);
    await sleep(800);
    expect(handlers.activities).toHaveLength(1);
    const stored = (await jobs.findOne({}))!;
    expect(stored.failReason).toBe('handler blew up');
    expect(stored.failCount).toBe(1);
    expect(stored.nextRunAt).toBeNull();
    expect(p.logs.some((line) => line.includes('handler blew up') && line.includes('will not be retried'))).toBe(true);
  });

  // A JobWriteError is a DurableError too, but it reports a job write that did not happen (a handler's own scheduling
  // may meet one): running again can cure it, so the job is given back, as for a storage error.
  it('gives back a job whose handler throws a JobWriteError: it runs again', async () => {
    const p = setup();
    let failures = 1;
    const handlers = recordingHandlers({
      onActivity: () => (failures-- > 0 ? Promise.reject(new JobWriteError('Plan executor error during findAndModify', 112)) : Promise.resolve()),
    });
    const scheduler = p.create(newTaskHub());
    await scheduler.start(handlers);
    await scheduler.scheduleActivity(activityJob('write-failed'));
    expect(await waitFor(() => handlers.activities.length === 2, 20_000, 10)).toBe(true);
    expect(handlers.activities.map((r) => r.deliveries)).toEqual([1, 1]);
    expect(p.logs.some((line) => line.includes('will not be retried'))).toBe(false);
  });

  it('fails, without calling the handler, an activity started more than maxDeliveries times', async () => {
    const p = setup();
    const hub = newTaskHub();
    const handlers = recordingHandlers();
    const scheduler = p.create(hub, { maxDeliveries: 3 });
    await scheduler.start(handlers);
    // A job three earlier workers started and lost (its lock long expired).
    await p.jobs(hub).insertOne({
      name: JobName.Activity, type: 'normal', priority: 0, nextRunAt: null,
      lastRunAt: new Date(Date.now() - 3_600_000), lockedAt: new Date(Date.now() - 3_600_000),
      data: { ...activityJob('poison'), key: 'poison\u0000e1\u00000', deliveries: 3 },
    });
    const jobs = p.jobs(hub);
    expect(await waitFor(async () => (await jobs.findOne({ 'data.instanceId': 'poison' }))?.failedAt instanceof Date, 5_000, 10)).toBe(true);
    expect(handlers.activities).toEqual([]);
    expect((await jobs.findOne({ 'data.instanceId': 'poison' }))!.failReason).toMatch(/started 4 times, more than maxDeliveries 3/);
  });

  it('shares an open database when given one, and leaves it open on stop()', async () => {
    const p = setup();
    const hub = newTaskHub();
    const handlers = recordingHandlers();
    const scheduler = p.create(hub, { db: t.db });
    await scheduler.start(handlers);
    await scheduler.scheduleActivity(activityJob('shared-db'));
    expect(await waitFor(() => handlers.activities.length === 1, 5_000, 5)).toBe(true);
    await scheduler.stop();
    expect(await p.jobs(hub).countDocuments({})).toBe(1);
  });

  it('rejects a db that is not dbName, and options out of range, with INVALID_OPTIONS', () => {
    const base = { mongoUri: t.mongo.uri, dbName: t.mongo.dbName, taskHub: 'x' };
    for (const options of [{ ...base, dbName: 'other', db: t.db }, { ...base, concurrency: 0 }, { ...base, stopGraceMs: -1 }, { ...base, lockLifetimeMs: 1.5 }]) {
      expect(() => new AgendaWorkScheduler(options)).toThrow(DurableError);
      expect(() => new AgendaWorkScheduler(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    }
  });

  it('rejects a timer whose fireAt is not a valid Date with INVALID_ARGUMENT', async () => {
    const scheduler = setup().create(newTaskHub());
    for (const fireAt of [new Date(Number.NaN), '2030-01-01' as unknown as Date]) {
      const error = await scheduler.scheduleTimer(timerJob(fireAt, 'bad-time')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DurableError);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});
