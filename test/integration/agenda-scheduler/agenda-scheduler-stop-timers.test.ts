// stop() leaves no timer holding the process, with the default five-minute lock lifetime: Agenda 6.2.6 arms a
// `setTimeout(lockLifetime / 2)` liveness check per executed job (and one per job due within a poll) and never clears
// them; the scheduler releases them. Timers created by job handlers are left alone.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHook } from 'node:async_hooks';
import { openTestDb, waitFor, type TestDb } from '../../support/test-db.js';
import { activityJob, newTaskHub, recordingHandlers, SchedulerPool, sleep, timerJob } from './scheduler-harness.js';

const DEFAULT_LOCK_LIFETIME_MS = 5 * 60_000;

let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

const refedTimeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('AgendaWorkScheduler.stop()', () => {
  it('leaves none of the timers Agenda armed holding the process, and does not touch handler timers', async () => {
    // Every Timeout created from here on, by anyone.
    const timeouts: NodeJS.Timeout[] = [];
    const hook = createHook({
      init(_id, type, _trigger, resource) {
        if (type === 'Timeout') timeouts.push(resource as NodeJS.Timeout);
      },
    });
    const pool = new SchedulerPool(t);
    let handlerTimer: NodeJS.Timeout | undefined;
    try {
      const baseline = refedTimeouts();
      hook.enable();
      const hub = newTaskHub();
      const handlers = recordingHandlers({
        onActivity: () => {
          // A handler's own long timer: the scheduler must leave it as it is.
          handlerTimer = setTimeout(() => undefined, 600_000);
          return Promise.resolve();
        },
      });
      // Defaults: 5-minute lock lifetime, 500 ms poll.
      const scheduler = pool.create(hub, { processEveryMs: undefined, stopGraceMs: undefined });
      await scheduler.start(handlers);
      await scheduler.scheduleActivity(activityJob('liveness'));
      await scheduler.scheduleTimer(timerJob(new Date(Date.now() + 100), 'liveness', 1));
      expect(await waitFor(() => handlers.activities.length === 1 && handlers.timers.length === 1, 5_000, 5)).toBe(true);
      // A timer due in 2 s: by the time we stop, a poll has locked it and armed a near-future timer for it.
      await scheduler.scheduleTimer(timerJob(new Date(Date.now() + 2_000), 'liveness', 2));
      await sleep(1_700);

      await scheduler.stop();
      hook.disable();

      // The problem is real: Agenda armed lockLifetime/2 timers (one per job it executed: the timer; the activity,
      // scheduled by this started worker, ran in-process without Agenda)...
      const liveness = timeouts.filter((timer) => (timer as unknown as { _idleTimeout: number })._idleTimeout === DEFAULT_LOCK_LIFETIME_MS / 2);
      expect(liveness.length).toBeGreaterThanOrEqual(1);
      // ...and none of them, nor the near-future timer, holds the process any more.
      expect(liveness.filter((timer) => timer.hasRef())).toEqual([]);
      // Agenda's near-future timers call `this.jobProcessing()` (JobProcessor.js); the one for the 2 s timer was pending.
      const nearFuture = timeouts.filter((timer) => String((timer as unknown as { _onTimeout: unknown })._onTimeout).includes('jobProcessing'));
      expect(nearFuture.length).toBeGreaterThanOrEqual(1);
      expect(nearFuture.filter((timer) => timer.hasRef() && !(timer as unknown as { _destroyed: boolean })._destroyed)).toEqual([]);
      // The handler's timer is still its own.
      expect(handlerTimer?.hasRef()).toBe(true);
      clearTimeout(handlerTimer);
      expect(refedTimeouts()).toBeLessThanOrEqual(baseline);

      // The job locked for the near-future timer was unlocked for other workers, not left to its lock lifetime.
      const due = (await pool.jobs(hub).findOne({ 'data.sequence': 2 }))!;
      expect(due.lockedAt ?? null).toBeNull();
      expect(due.lastRunAt ?? null).toBeNull();
    } finally {
      hook.disable();
      clearTimeout(handlerTimer);
      await pool.stopAll();
    }
  });
});
