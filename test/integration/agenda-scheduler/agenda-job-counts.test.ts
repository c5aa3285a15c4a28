// The job side of the health figures (AgendaJobCounts): activity and timer jobs due and not held by a live worker
// are backlog; jobs due later, locked by a live worker, disabled or finished are not.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Document } from 'mongodb';
import { AgendaJobCounts, dueJobFilter } from '../../../src/adapters/agenda/agenda-job-counts.js';
import { FinishedJobName, JobName } from '../../../src/adapters/agenda/job-name.js';
import { DurableError } from '../../../src/core/durable-error.js';
import { openTestDb, type TestDb } from '../../support/test-db.js';
import { activityJob, newTaskHub, SchedulerPool, timerJob } from './scheduler-harness.js';

const LOCK_MS = 300_000;

let t: TestDb;
let pool: SchedulerPool;

beforeAll(async () => {
  t = await openTestDb();
  pool = new SchedulerPool(t);
});
afterAll(async () => {
  await pool?.stopAll();
  await t?.close();
});

describe('AgendaJobCounts', () => {
  it('counts due, unlocked jobs and jobs whose lock expired; not those due later, locked, disabled or finished', async () => {
    const taskHub = newTaskHub();
    // Not started: scheduled jobs are queued (unlocked), due at once; a timer is due at its fireAt.
    const scheduler = pool.create(taskHub, { lockLifetimeMs: LOCK_MS });
    const counts = new AgendaJobCounts(t.db, { taskHub, lockLifetimeMs: LOCK_MS });
    // A minute ahead: every job scheduled "now" is due by then, whatever the machine's speed.
    const now = new Date(Date.now() + 60_000);
    expect(await counts.countDueJobs(now)).toEqual({ activities: 0, timers: 0 });

    await scheduler.scheduleActivities([activityJob('a-due'), activityJob('a-locked'), activityJob('a-expired'), activityJob('a-disabled'), activityJob('a-done')]);
    await scheduler.scheduleTimer(timerJob(new Date(now.getTime() - 30_000), 't-due'));
    await scheduler.scheduleTimer(timerJob(new Date(now.getTime() + 3_600_000), 't-later'));
    await scheduler.scheduleTimer(timerJob(new Date(now.getTime() - 30_000), 't-locked'));
    const jobs = pool.jobs(taskHub);
    const set = async (instanceId: string, fields: Document): Promise<void> => {
      expect((await jobs.updateOne({ 'data.instanceId': instanceId }, { $set: fields })).matchedCount).toBe(1);
    };
    await set('a-locked', { lockedAt: new Date(now.getTime() - 1000) });
    await set('a-expired', { lockedAt: new Date(now.getTime() - LOCK_MS - 1000) });
    await set('a-disabled', { disabled: true });
    await set('a-done', { name: FinishedJobName[JobName.Activity], nextRunAt: null, lastFinishedAt: now });
    await set('t-locked', { lockedAt: new Date(now.getTime() - 1000) });

    expect(await counts.countDueJobs(now)).toEqual({ activities: 2, timers: 1 });
    // Before any job was due: nothing (a lock expired long ago is due whatever the time).
    expect(await counts.countDueJobs(new Date(0))).toEqual({ activities: 0, timers: 0 });
  });

  it('reads from an index, never a collection scan', async () => {
    const taskHub = newTaskHub();
    await pool.create(taskHub).scheduleActivity(activityJob());
    const now = new Date();
    for (const name of [JobName.Activity, JobName.Timer]) {
      const explain = await pool.jobs(taskHub).find(dueJobFilter(name, now, new Date(now.getTime() - LOCK_MS)) as Document).explain('executionStats');
      expect(JSON.stringify(explain.queryPlanner.winningPlan)).not.toContain('COLLSCAN');
    }
  });

  it.each([
    ['an invalid task hub', { taskHub: 'a.b', lockLifetimeMs: LOCK_MS }, 'INVALID_TASK_HUB'],
    ['a lock lifetime of 0', { taskHub: 'Hub', lockLifetimeMs: 0 }, 'INVALID_ARGUMENT'],
  ])('refuses %s', (_what, options, code) => {
    let thrown: unknown;
    try {
      new AgendaJobCounts(t.db, options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DurableError);
    expect(thrown).toMatchObject({ code });
  });
});
