// stop() leaves no timer holding the process, with the default five-minute lock lifetime and poll period, whatever
// the worker ran: activities it scheduled (run in-process), activities another process scheduled (picked up by a
// poll), timers it armed and fired, a timer armed (or locked ahead of its time) when it stopped. Agenda 6.2.6's own
// processor would leave a `setTimeout(lockLifetime / 2)` per job it ran (`checkIfJobIsStillAlive`, never cleared):
// the scheduler does not start it. Timers created by job handlers are left alone. The one Timeout-tracking hook here
// is the test's own.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHook } from 'node:async_hooks';
import { openTestDb, waitFor, type TestDb } from '../../support/test-db.js';
import { activityJob, newTaskHub, recordingHandlers, SchedulerPool, sleep, timerJob } from './scheduler-harness.js';

let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

const refedTimeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const pending = (timer: NodeJS.Timeout): boolean => timer.hasRef() && !(timer as unknown as { _destroyed: boolean })._destroyed;
// The connection pool of the suite's own client (open for the whole suite) re-arms its maintenance timer.
const suitePoolTimer = (timer: NodeJS.Timeout): boolean => String((timer as unknown as { _onTimeout: unknown })._onTimeout).includes('ensureMinPoolSize');

describe('AgendaWorkScheduler.stop()', () => {
  it('leaves no timer it armed holding the process, and does not touch handler timers', async () => {
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
          handlerTimer ??= setTimeout(() => undefined, 600_000);
          return Promise.resolve();
        },
      });
      // Defaults: 5-minute lock lifetime, 500 ms poll.
      const scheduler = pool.create(hub, { processEveryMs: undefined, stopGraceMs: undefined });
      const client = pool.create(hub, { processEveryMs: undefined });
      await scheduler.start(handlers);
      await scheduler.scheduleActivity(activityJob('local'));
      await client.scheduleActivity(activityJob('from-client'));
      await scheduler.scheduleTimer(timerJob(new Date(Date.now() + 100), 'timer', 1));
      expect(await waitFor(() => handlers.activities.length === 2 && handlers.timers.length === 1, 5_000, 5)).toBe(true);
      // A timer due in 1.2 s: armed by now (within two polls), not fired when we stop.
      await scheduler.scheduleTimer(timerJob(new Date(Date.now() + 1_200), 'timer', 2));
      await sleep(1_000);

      await scheduler.stop();
      await client.stop();
      hook.disable();

      // No Timeout created while the worker ran holds the process: not the poll, not an armed timer, not a liveness
      // check of Agenda's...
      const liveness = timeouts.filter((timer) => (timer as unknown as { _idleTimeout: number })._idleTimeout === 150_000);
      expect(liveness).toEqual([]);
      expect(timeouts.filter((timer) => timer !== handlerTimer && pending(timer) && !suitePoolTimer(timer))).toEqual([]);
      // ...and the handler's timer is still its own.
      expect(handlerTimer?.hasRef()).toBe(true);
      clearTimeout(handlerTimer);
      expect(refedTimeouts()).toBeLessThanOrEqual(baseline);

      // The timer armed when the worker stopped is left unlocked, unfired, for any worker.
      const due = (await pool.jobs(hub).findOne({ 'data.sequence': 2 }))!;
      expect(due.lockedAt ?? null).toBeNull();
      expect(due.lastFinishedAt ?? null).toBeNull();
      expect(handlers.timers).toHaveLength(1);
    } finally {
      hook.disable();
      clearTimeout(handlerTimer);
      await pool.stopAll();
    }
  });
});
