// A scheduler given a clock other than the wall clock (a test environment's virtual clock): a timer is due when that
// clock reads its fireAt, and clockChanged() after a jump fires the timers it made due. pendingWork() reports what is
// left. Real MongoDB driver, against the engine the test harness picks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { openTestDb, waitFor, type TestDb } from '../../support/test-db.js';
import { activityJob, deferred, newTaskHub, recordingHandlers, SchedulerPool, sleep, timerJob } from './scheduler-harness.js';

const HOUR = 3_600_000;

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

describe('AgendaWorkScheduler with a virtual clock', () => {
  it('fires a timer when the clock reaches its fireAt: not before the jump, at once after clockChanged()', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const clock = new VirtualClock(new Date('2030-01-01T00:00:00Z'));
    const handlers = recordingHandlers();
    const scheduler = pool.create(hub, { clock, processEveryMs: 50 });
    await scheduler.start(handlers);

    const soon = timerJob(new Date(clock.now().getTime() + HOUR), 'soon');
    const later = timerJob(new Date(clock.now().getTime() + 5 * HOUR), 'later');
    await scheduler.scheduleTimer(soon);
    await scheduler.scheduleTimer(later);
    // Scheduled for the real time at which the clock will read fireAt: an hour (and five) from now.
    const jobs = await pool.jobs(hub).find({}).sort({ nextRunAt: 1 }).toArray();
    expect(jobs.map((j) => Math.round(((j.nextRunAt as Date).getTime() - Date.now()) / 60_000))).toEqual([60, 300]);
    expect(await scheduler.pendingWork()).toEqual({ activities: 0, nextTimerAt: soon.fireAt });

    await sleep(200);
    expect(handlers.timers).toEqual([]);

    clock.advanceTo(new Date(soon.fireAt.getTime() + 1));
    await scheduler.clockChanged();
    expect(await waitFor(() => handlers.timers.length === 1, 5_000, 5)).toBe(true);
    expect(handlers.timers[0]?.job).toEqual(soon);
    // The other one moved along with the clock: four hours away now, in real time too.
    const pending = await pool.jobs(hub).findOne({ 'data.instanceId': 'later' });
    expect(Math.round(((pending?.nextRunAt as Date).getTime() - Date.now()) / 60_000)).toBe(240);
    expect(await waitFor(async () => (await scheduler.pendingWork()).nextTimerAt?.getTime() === later.fireAt.getTime(), 5_000, 10)).toBe(true);
    await sleep(200);
    expect(handlers.timers).toHaveLength(1);
  });

  it('counts activity jobs until they finish', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const gate = deferred();
    const handlers = recordingHandlers({ onActivity: () => gate.promise });
    const scheduler = pool.create(hub, { clock: new VirtualClock() });
    await scheduler.start(handlers);
    await scheduler.scheduleActivities([activityJob('a'), activityJob('b')]);
    expect((await scheduler.pendingWork()).activities).toBe(2);
    gate.resolve();
    expect(await waitFor(async () => (await scheduler.pendingWork()).activities === 0, 5_000, 10)).toBe(true);
    expect(await scheduler.pendingWork()).toEqual({ activities: 0 });
  });

  it('without a clock, schedules timers at fireAt and clockChanged() does nothing', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const scheduler = pool.create(hub);
    const fireAt = new Date(Date.now() + HOUR);
    await scheduler.scheduleTimer(timerJob(fireAt, 'wall'));
    await scheduler.clockChanged();
    expect((await pool.jobs(hub).findOne({}))?.nextRunAt).toEqual(fireAt);
  });
});
