// A handler that throws (it could not record an outcome: the database restarting, say) gives its job back to run
// again, uncounted. A start with `aloneFromDeliveries` deliveries (default 2: after one start that never ended) runs
// alone in its worker; earlier ones run beside the others.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { JobName } from '../../../src/adapters/agenda/job-name.js';
import type { ActivityJob, WorkHandlers } from '../../../src/ports/work-scheduler.js';
import { openTestDb, waitFor, type TestDb } from '../../support/test-db.js';
import { activityJob, deferred, newTaskHub, recordingHandlers, SchedulerPool, sleep } from './scheduler-harness.js';

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

describe('AgendaWorkScheduler: jobs given back, suspects alone', () => {
  it.each([
    ['run in-process by the worker that scheduled it', true],
    ['picked up from another scheduler', false],
  ])('gives back a job whose handler throws (%s): it runs again, and that start is not counted', async (_, local) => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const jobs = pool.jobs(hub);
    let failures = 1;
    const handlers = recordingHandlers({
      onActivity: async () => {
        if (failures-- > 0) throw new Error('connection 7 to 127.0.0.1:27017 closed');
        await Promise.resolve();
      },
    });
    const worker = pool.create(hub);
    await worker.start(handlers);
    await (local ? worker : pool.create(hub)).scheduleActivity(activityJob('flaky'));

    expect(await waitFor(() => handlers.activities.length === 1, 5_000, 5)).toBe(true);
    // Given back: unlocked, pending (not finished), due again after the backoff, the failure on record.
    expect(await waitFor(async () => (await jobs.findOne({}))?.lockedAt === null, 5_000, 5)).toBe(true);
    const givenBack = (await jobs.findOne({}))!;
    expect(givenBack).toMatchObject({ name: JobName.Activity, lastFinishedAt: null, failCount: 1, failReason: 'connection 7 to 127.0.0.1:27017 closed' });
    expect((givenBack.nextRunAt as Date).getTime()).toBeGreaterThan(Date.now());
    expect(pool.logs.some((line) => line.includes('runs again in 1000 ms'))).toBe(true);
    expect(await worker.pendingWork()).toMatchObject({ activities: 1 });

    expect(await waitFor(() => handlers.activities.length === 2, 10_000, 10)).toBe(true);
    expect(await waitFor(async () => (await jobs.findOne({}))?.lastFinishedAt instanceof Date, 5_000, 10)).toBe(true);
    // Both starts were first starts: the one that threw ended in a live worker.
    expect(handlers.activities.map((r) => r.deliveries)).toEqual([1, 1]);
    expect((await jobs.findOne({}))!.data.deliveries).toBe(1);
  });

  it('runs a start that reaches aloneFromDeliveries alone: after the activities running in its worker, none beside it, its lock renewed', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const jobs = pool.jobs(hub);
    const gate = deferred();
    const timeline: string[] = [];
    let running = 0;
    let besideSuspect = -1;
    const handlers: WorkHandlers & { deliveries: Map<string, number[]> } = {
      deliveries: new Map(),
      async runActivity(job: ActivityJob, deliveries: number) {
        const id = job.instanceId;
        handlers.deliveries.set(id, [...(handlers.deliveries.get(id) ?? []), deliveries]);
        running++;
        timeline.push(`start ${id}`);
        if (id.startsWith('busy')) await gate.promise;
        if (id === 'suspect') {
          besideSuspect = running - 1;
          // Longer than the lock lifetime: only its renewal keeps it from being run a second time.
          await sleep(2 * LOCK_LIFETIME_MS);
        }
        running--;
        timeline.push(`end ${id}`);
      },
      timeOutActivity: () => Promise.resolve(),
      fireTimer: () => Promise.resolve(),
    };
    const worker = pool.create(hub, { concurrency: 4, lockLifetimeMs: LOCK_LIFETIME_MS });
    await worker.start(handlers);
    await worker.scheduleActivities([activityJob('busy-1'), activityJob('busy-2')]);
    expect(await waitFor(() => running === 2, 5_000, 5)).toBe(true);

    // A job whose earlier start never ended: its worker died an hour ago.
    const longAgo = new Date(Date.now() - 3_600_000);
    await jobs.insertOne({
      name: JobName.Activity, type: 'normal', priority: 0, nextRunAt: null, lastRunAt: longAgo, lockedAt: longAgo,
      data: { ...activityJob('suspect'), key: 'suspect\u0000e1\u00000', deliveries: 1 },
    });
    // Locked by the worker, waiting for its turn; new work arrives meanwhile, and its lock stays fresh. Its handler is
    // waiting for the slots once the lock was renewed after the worker took it (the renewal runs from the lock: the
    // suspect waits for the slots from then on).
    const lockedAt = async (): Promise<number | undefined> => ((await jobs.findOne({ 'data.instanceId': 'suspect' }))?.lockedAt as Date | null)?.getTime();
    expect(await waitFor(async () => (await lockedAt()) !== longAgo.getTime(), 5_000, 10)).toBe(true);
    const lockedByWorker = await lockedAt();
    expect(await waitFor(async () => (await lockedAt()) !== lockedByWorker, 5_000, 10)).toBe(true);
    await worker.scheduleActivities([activityJob('later-1'), activityJob('later-2')]);
    await sleep(2 * LOCK_LIFETIME_MS);
    const waiting = (await jobs.findOne({ 'data.instanceId': 'suspect' }))!;
    expect(Date.now() - (waiting.lockedAt as Date).getTime()).toBeLessThan(LOCK_LIFETIME_MS);
    expect(timeline).toEqual(['start busy-1', 'start busy-2']);

    gate.resolve();
    expect(await waitFor(() => timeline.filter((e) => e.startsWith('end')).length === 5, 15_000, 10)).toBe(true);
    const at = (event: string): number => timeline.indexOf(event);
    expect(at('start suspect')).toBeGreaterThan(Math.max(at('end busy-1'), at('end busy-2')));
    expect(at('end suspect')).toBe(at('start suspect') + 1);
    expect(Math.min(at('start later-1'), at('start later-2'))).toBeGreaterThan(at('end suspect'));
    expect(besideSuspect).toBe(0);
    expect(handlers.deliveries.get('suspect')).toEqual([2]);
    expect([...handlers.deliveries.values()].flat().filter((d) => d !== 1)).toEqual([2]);
  });

  it('runs a start below aloneFromDeliveries beside the others: the work of a worker that died is taken over at full concurrency', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const gate = deferred();
    const handlers = recordingHandlers({ onActivity: (job) => (job.instanceId === 'busy' ? gate.promise : Promise.resolve()) });
    const worker = pool.create(hub, { concurrency: 4, lockLifetimeMs: LOCK_LIFETIME_MS, aloneFromDeliveries: 3 });
    await worker.start(handlers);
    await worker.scheduleActivity(activityJob('busy'));
    expect(await waitFor(() => handlers.activities.length === 1, 5_000, 5)).toBe(true);
    const longAgo = new Date(Date.now() - 3_600_000);
    await pool.jobs(hub).insertOne({
      name: JobName.Activity, type: 'normal', priority: 0, nextRunAt: null, lastRunAt: longAgo, lockedAt: longAgo,
      data: { ...activityJob('taken-over'), key: 'taken-over\u0000e1\u00000', deliveries: 1 },
    });
    // Its second start: it runs while 'busy' still does.
    expect(await waitFor(() => handlers.activities.length === 2, 5_000, 10)).toBe(true);
    expect(handlers.activities.map((r) => [r.job.instanceId, r.deliveries])).toEqual([['busy', 1], ['taken-over', 2]]);
    gate.resolve();
  });
});
