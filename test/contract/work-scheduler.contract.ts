// The behavioural contract of WorkScheduler (src/ports/work-scheduler.ts), written once and run against every adapter
// (see agenda-work-scheduler.test.ts). Everything here is observable through the port and the handlers it calls:
// what runs, how often, with what. Adapter specifics (job documents, locks, polling, latency) are tested next to the
// adapter. No test asserts how fast something happens: each waits for what it expects with a generous deadline, and a
// test that something does NOT happen (again) waits a settling period first.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { WorkScheduler } from '../../src/ports/work-scheduler.js';
import { waitFor } from '../support/test-db.js';
import { activityJob, deferred, ranKeys, recordingHandlers, sleep, timerJob, untilAborted } from './work-scheduler-fixtures.js';

/**
 * A fresh task hub with no jobs: `newScheduler` makes a scheduler on it (as another process of the hub would: each
 * may be started as a worker or used only to schedule), and `close` stops every one made and disposes of the hub.
 */
export type WorkSchedulerFactory = () => Promise<{ newScheduler(): WorkScheduler; close(): Promise<void> }>;

/** How long a test waits for what it expects (machines running the suites are loaded). */
const WAIT_MS = 20_000;
/** How long a test waits before it concludes that something did not happen (again). */
const SETTLE_MS = 1_500;
/** Timers fire when the clock reads fireAt; the handler's own reading of the clock may round down by a millisecond. */
const CLOCK_ROUNDING_MS = 2;

/** Registers the work-scheduler contract for one adapter. Each test gets a fresh task hub from `factory`. */
export function describeWorkSchedulerContract(name: string, factory: WorkSchedulerFactory): void {
  describe(`WorkScheduler contract: ${name}`, () => {
    let newScheduler: () => WorkScheduler;
    let close: () => Promise<void>;

    beforeEach(async () => {
      ({ newScheduler, close } = await factory());
    });
    afterEach(async () => {
      await close();
    });

    /** A scheduler started as a worker with `handlers`. */
    const worker = async (handlers = recordingHandlers()): Promise<WorkScheduler> => {
      const scheduler = newScheduler();
      await scheduler.start(handlers);
      return scheduler;
    };

    describe('scheduleActivity / scheduleActivities', () => {
      it('runs an activity once, with the job as scheduled, as its first start (deliveries 1)', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        const jobs = [activityJob('shape', 0), { ...activityJob('shape', 1), input: undefined }];
        for (const job of jobs) await scheduler.scheduleActivity(job);
        expect(await waitFor(() => handlers.activities.length >= 2, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect([...handlers.activities].sort((a, b) => a.job.sequence - b.job.sequence)).toMatchObject(jobs.map((job) => ({ job, deliveries: 1 })));
        expect(handlers.activities).toHaveLength(2);
      });

      it('schedules a key once: twice in a row, ten times at once, and from two schedulers at once', async () => {
        const handlers = recordingHandlers();
        const first = await worker(handlers);
        const other = newScheduler();
        await first.scheduleActivity(activityJob('twice'));
        await first.scheduleActivity(activityJob('twice'));
        await Promise.all(Array.from({ length: 10 }, () => first.scheduleActivity(activityJob('ten'))));
        await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? first : other).scheduleActivity(activityJob('two-schedulers'))));
        expect(await waitFor(() => handlers.activities.length >= 3, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect(ranKeys(handlers.activities)).toEqual(['ten/e1/0', 'twice/e1/0', 'two-schedulers/e1/0']);
      });

      it('keys a job by instance, execution and sequence: any of them differing is another job', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivities([activityJob('i', 0, 'e1'), activityJob('i', 1, 'e1'), activityJob('i', 0, 'e2'), activityJob('j', 0, 'e1')]);
        expect(await waitFor(() => handlers.activities.length >= 4, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect(ranKeys(handlers.activities)).toEqual(['i/e1/0', 'i/e1/1', 'i/e2/0', 'j/e1/0']);
      });

      it('runs each job of a batch once, and only the new ones of a batch scheduled again', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        const jobs = Array.from({ length: 12 }, (_, i) => activityJob('batch', i));
        await scheduler.scheduleActivities([]);
        await scheduler.scheduleActivities(jobs);
        // The same batch again (a re-dispatch) and one new job.
        await scheduler.scheduleActivities([...jobs, activityJob('batch', 12)]);
        expect(await waitFor(() => handlers.activities.length >= 13, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect(handlers.activities.map((r) => r.job.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i));
        expect(handlers.activities.every((r) => r.deliveries === 1)).toBe(true);
      });

      it('counts a start a dead worker may have made (mayHaveStarted): the first start here is delivery 2', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivities([activityJob('recovered', 0), activityJob('recovered', 1)], { mayHaveStarted: true });
        await scheduler.scheduleActivities([activityJob('fresh', 0)]);
        expect(await waitFor(() => handlers.activities.length >= 3, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        const deliveries = Object.fromEntries(handlers.activities.map((r) => [`${r.job.instanceId}/${r.job.sequence}`, r.deliveries]));
        expect(deliveries).toEqual({ 'recovered/0': 2, 'recovered/1': 2, 'fresh/0': 1 });
      });

      it('does not run a finished key again when it is scheduled again (a re-dispatch after a crash)', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivity(activityJob('done'));
        await scheduler.scheduleTimer(timerJob(new Date(), 'done', 1));
        expect(await waitFor(() => handlers.activities.length === 1 && handlers.timers.length === 1, WAIT_MS, 10)).toBe(true);
        // Scheduled again, by this process and by another one.
        for (const scheduler2 of [scheduler, newScheduler()]) {
          await scheduler2.scheduleActivity(activityJob('done'));
          await scheduler2.scheduleTimer(timerJob(new Date(), 'done', 1));
        }
        await sleep(SETTLE_MS);
        expect(handlers.activities).toHaveLength(1);
        expect(handlers.timers).toHaveLength(1);
      });

      it('leaves what a scheduler that was never started schedules to the workers', async () => {
        const client = newScheduler();
        await client.scheduleActivity(activityJob('from-client', 0));
        await client.scheduleActivities([activityJob('from-client', 1), activityJob('from-client', 2)]);
        await client.scheduleTimer(timerJob(new Date(Date.now() + 200), 'from-client', 3));
        const handlers = recordingHandlers();
        await worker(handlers);
        expect(await waitFor(() => handlers.activities.length >= 3 && handlers.timers.length >= 1, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect(ranKeys([...handlers.activities, ...handlers.timers])).toEqual(['from-client/e1/0', 'from-client/e1/1', 'from-client/e1/2', 'from-client/e1/3']);
      });

      it('shares the jobs of a task hub among its workers: each runs exactly once', async () => {
        const a = recordingHandlers({ onActivity: () => sleep(5) });
        const b = recordingHandlers({ onActivity: () => sleep(5) });
        const first = await worker(a);
        const second = await worker(b);
        await Promise.all(Array.from({ length: 60 }, (_, n) => (n % 2 === 0 ? first : second).scheduleActivity(activityJob(`shared-${n}`))));
        // Timers due after both workers know of them.
        const at = Date.now() + 500;
        await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? first : second).scheduleTimer(timerJob(new Date(at + (i % 10) * 10), 'shared-timers', i))));
        expect(await waitFor(() => a.activities.length + b.activities.length >= 60 && a.timers.length + b.timers.length >= 30, WAIT_MS, 20)).toBe(true);
        await sleep(SETTLE_MS);
        const ran = ranKeys([...a.activities, ...b.activities]);
        expect(ran).toHaveLength(60);
        expect(new Set(ran).size).toBe(60);
        const fired = ranKeys([...a.timers, ...b.timers]);
        expect(fired).toHaveLength(30);
        expect(new Set(fired).size).toBe(30);
      });
    });

    describe('startActivities', () => {
      it('runs the activities a commit just recorded, once each, as first starts', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        const jobs = Array.from({ length: 5 }, (_, i) => activityJob('fresh', i));
        const started = await scheduler.startActivities(jobs);
        expect(await waitFor(() => handlers.activities.length >= 5, WAIT_MS, 10)).toBe(true);
        await started.stored();
        await sleep(SETTLE_MS);
        expect(handlers.activities.map((r) => [r.job.sequence, r.deliveries]).sort()).toEqual(jobs.map((job) => [job.sequence, 1]));
        expect(await (await scheduler.startActivities([])).stored()).toBeUndefined();
      });

      it('stores the jobs not answered by stored(): scheduled again while they run, they do not run twice', async () => {
        const release = deferred();
        const handlers = recordingHandlers({ onActivity: () => release.promise });
        const scheduler = await worker(handlers);
        const jobs = Array.from({ length: 3 }, (_, i) => activityJob('held', i));
        const started = await scheduler.startActivities(jobs);
        // Job 0's outcome is recorded by the caller's next commit: it need not be stored.
        await started.stored(new Set([0]));
        await scheduler.scheduleActivities(jobs.slice(1));
        await newScheduler().scheduleActivities(jobs.slice(1));
        expect(await waitFor(() => handlers.activities.length >= 3, WAIT_MS, 10)).toBe(true);
        release.resolve();
        await sleep(SETTLE_MS);
        expect(ranKeys(handlers.activities).filter((key) => key !== 'held/e1/0')).toEqual(['held/e1/1', 'held/e1/2']);
      });

      it('startActivitiesHere starts all of them here, or none when there is not a free slot for each; nothing is written', async () => {
        const release = deferred();
        const handlers = recordingHandlers({ onActivity: () => release.promise });
        const scheduler = await worker(handlers);
        if (scheduler.startActivitiesHere === undefined) return;
        const started = await scheduler.startActivitiesHere(Array.from({ length: 3 }, (_, i) => activityJob('here', i)));
        expect(started).toBeDefined();
        expect(await waitFor(() => handlers.activities.length >= 3, WAIT_MS, 10)).toBe(true);
        // The worker's slots (see worker()) cannot take this many more at once: none is started, none stored.
        expect(await scheduler.startActivitiesHere(Array.from({ length: 64 }, (_, i) => activityJob('too-many', i)))).toBeUndefined();
        release.resolve();
        await sleep(SETTLE_MS);
        expect(ranKeys(handlers.activities)).toEqual(['here/e1/0', 'here/e1/1', 'here/e1/2']);
        // Nothing was stored for them: there is nothing to cancel.
        expect(await scheduler.cancelInstanceJobs('too-many')).toBe(0);
      });

      it('from a scheduler that is not a worker, stores the jobs for the workers', async () => {
        const client = newScheduler();
        const started = await client.startActivities([activityJob('client-fresh', 0), activityJob('client-fresh', 1)]);
        await started.stored();
        const handlers = recordingHandlers();
        await worker(handlers);
        expect(await waitFor(() => handlers.activities.length >= 2, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect(ranKeys(handlers.activities)).toEqual(['client-fresh/e1/0', 'client-fresh/e1/1']);
      });
    });

    describe('scheduleTimer', () => {
      it('fires a timer once, with the job as scheduled, not before fireAt', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        const timer = timerJob(new Date(Date.now() + 1_500), 'timer', 3);
        await scheduler.scheduleTimer(timer);
        expect(await waitFor(() => handlers.timers.length >= 1, WAIT_MS, 5)).toBe(true);
        await sleep(SETTLE_MS);
        expect(handlers.timers.map((r) => r.job)).toEqual([timer]);
        expect(handlers.timers[0]!.at).toBeGreaterThanOrEqual(timer.fireAt.getTime() - CLOCK_ROUNDING_MS);
      });

      it('fires at once a timer whose time has passed', async () => {
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        await scheduler.scheduleTimer(timerJob(new Date(Date.now() - 3_600_000), 'overdue'));
        expect(await waitFor(() => handlers.timers.length === 1, WAIT_MS, 10)).toBe(true);
      });

      it('fires a timer scheduled many times, by several schedulers, once', async () => {
        const a = recordingHandlers();
        const b = recordingHandlers();
        const first = await worker(a);
        const second = await worker(b);
        const client = newScheduler();
        const fireAt = new Date(Date.now() + 300);
        await Promise.all(Array.from({ length: 12 }, (_, i) => [first, second, client][i % 3]!.scheduleTimer(timerJob(fireAt, 'timer-many'))));
        expect(await waitFor(() => a.timers.length + b.timers.length >= 1, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect([...a.timers, ...b.timers]).toHaveLength(1);
      });
    });

    describe('cancelInstanceJobs', () => {
      it('deletes the pending jobs of one instance only, not running or finished ones, and returns how many', async () => {
        const release = deferred();
        const handlers = recordingHandlers({ onActivity: (job) => (job.sequence === 9 ? release.promise : Promise.resolve()) });
        const scheduler = await worker(handlers);
        // Finished, then running.
        await scheduler.scheduleActivity(activityJob('x', 8));
        await scheduler.scheduleActivity(activityJob('x', 9));
        expect(await waitFor(() => handlers.activities.length === 2, WAIT_MS, 5)).toBe(true);
        // Pending: two far timers of x, one of y.
        const later = new Date(Date.now() + 3_600_000);
        for (const [instanceId, sequence] of [['x', 10], ['x', 11], ['y', 1]] as const) await scheduler.scheduleTimer(timerJob(later, instanceId, sequence));

        expect(await scheduler.cancelInstanceJobs('x')).toBe(2);
        expect(await scheduler.cancelInstanceJobs('x')).toBe(0);
        release.resolve();
        await sleep(SETTLE_MS);
        // The running and the finished job were kept as records of their keys: scheduled again, they do not run.
        await scheduler.scheduleActivities([activityJob('x', 8), activityJob('x', 9)]);
        await sleep(SETTLE_MS);
        expect(ranKeys(handlers.activities)).toEqual(['x/e1/8', 'x/e1/9']);
        // The other instance's timer was kept.
        expect(await scheduler.cancelInstanceJobs('y')).toBe(1);
      });

      it('keeps a cancelled job from running: an activity no worker took yet, and a timer a worker may have armed', async () => {
        const client = newScheduler();
        await client.scheduleActivity(activityJob('cancelled', 0));
        expect(await client.cancelInstanceJobs('cancelled')).toBe(1);
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        // Far enough ahead that the cancel comes first, near enough that a worker has it in view.
        const fireAt = new Date(Date.now() + 3_000);
        await scheduler.scheduleTimer(timerJob(fireAt, 'cancelled', 1));
        expect(await scheduler.cancelInstanceJobs('cancelled')).toBe(1);
        await sleep(fireAt.getTime() - Date.now() + SETTLE_MS);
        expect(handlers.activities).toEqual([]);
        expect(handlers.timers).toEqual([]);
      });
    });

    describe('cancelActivity / cancelTimer', () => {
      it('keeps a cancelled activity that no worker took yet from running, and a cancelled timer from firing', async () => {
        const client = newScheduler();
        await client.scheduleActivity(activityJob('gave-up', 0));
        await client.cancelActivity({ instanceId: 'gave-up', executionId: 'e1', sequence: 0 }, 'cancelled by the test');
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        const fireAt = new Date(Date.now() + 2_000);
        await scheduler.scheduleTimer(timerJob(fireAt, 'gave-up', 1));
        await scheduler.cancelTimer({ instanceId: 'gave-up', executionId: 'e1', sequence: 1 });
        await sleep(fireAt.getTime() - Date.now() + SETTLE_MS);
        expect(handlers.activities).toEqual([]);
        expect(handlers.timers).toEqual([]);
        // Idempotent, also for keys that never existed.
        await client.cancelActivity({ instanceId: 'gave-up', executionId: 'e1', sequence: 0 }, 'again');
        await client.cancelTimer({ instanceId: 'never', executionId: 'e1', sequence: 7 });
      });

      it('aborts the signal of a running activity, cancelled from another scheduler (another process)', async () => {
        const aborted = untilAborted();
        const handlers = recordingHandlers({ onActivity: aborted.handler });
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivity(activityJob('stop-me', 0));
        expect(await waitFor(() => handlers.activities.length === 1, WAIT_MS, 5)).toBe(true);
        await newScheduler().cancelActivity({ instanceId: 'stop-me', executionId: 'e1', sequence: 0 }, 'cancelled by the test');
        expect(await waitFor(() => aborted.reason !== undefined, WAIT_MS, 10)).toBe(true);
        expect(aborted.reason?.name).toBe('TaskCanceledError');
        expect(aborted.reason?.message).toMatch(/cancelled by the test/);
      });

      it('aborts the signals of an instance\'s running activities on cancelInstanceJobs', async () => {
        const aborted: string[] = [];
        const handlers = recordingHandlers({
          onActivity: (job, _deliveries, options) => new Promise<void>((resolve) => {
            options?.signal?.addEventListener('abort', () => {
              aborted.push(`${job.instanceId}/${job.sequence}`);
              resolve();
            });
            if (job.instanceId === 'other') setTimeout(resolve, 500);
          }),
        });
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivities([activityJob('terminated', 0), activityJob('terminated', 1), activityJob('other', 0)]);
        expect(await waitFor(() => handlers.activities.length === 3, WAIT_MS, 5)).toBe(true);
        await newScheduler().cancelInstanceJobs('terminated');
        expect(await waitFor(() => aborted.length === 2, WAIT_MS, 10)).toBe(true);
        expect(aborted.sort()).toEqual(['terminated/0', 'terminated/1']);
      });
    });

    describe('activity limits', () => {
      it('aborts a start that outlives its start-to-close timeout, with an ActivityTimeoutError', async () => {
        const aborted = untilAborted();
        const scheduler = await worker(recordingHandlers({ onActivity: aborted.handler }));
        await scheduler.scheduleActivity({ ...activityJob('limited', 0), limits: { startToCloseTimeoutMs: 200 } });
        expect(await waitFor(() => aborted.reason !== undefined, WAIT_MS, 10)).toBe(true);
        expect(aborted.reason?.name).toBe('ActivityTimeoutError');
        expect(aborted.reason?.message).toMatch(/start-to-close timeout of 200 ms/);
      });

      it('keeps a start alive while it heartbeats within its heartbeat timeout (no timeout recorded anywhere)', async () => {
        let beats = 0;
        const handlers = recordingHandlers({
          onActivity: async (_job, _deliveries, options) => {
            for (; beats < 12; beats++) {
              options?.heartbeat?.(JSON.stringify(beats));
              await sleep(50);
            }
            if (options?.signal?.aborted === true) throw new Error('aborted while it heartbeat');
          },
        });
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivity({ ...activityJob('beating', 0), limits: { heartbeatTimeoutMs: 300 } });
        expect(await waitFor(() => beats === 12, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect(handlers.activities).toHaveLength(1);
        expect(handlers.timeouts).toEqual([]);
      });
    });

    describe('purgeFinishedJobs', () => {
      it('deletes the records of jobs finished before the cutoff, and only those: a purged key can run again', async () => {
        const longAgo = new Date(Date.now() - 60_000);
        const handlers = recordingHandlers();
        const scheduler = await worker(handlers);
        await scheduler.scheduleTimer(timerJob(new Date(Date.now() + 3_600_000), 'pending'));
        await scheduler.scheduleActivity(activityJob('p', 0));
        await scheduler.scheduleTimer(timerJob(new Date(), 'p', 1));
        expect(await waitFor(() => handlers.activities.length === 1 && handlers.timers.length === 1, WAIT_MS, 10)).toBe(true);
        expect(await scheduler.purgeFinishedJobs(longAgo)).toBe(0);

        // Their records are written once they finished; purged as soon as they are.
        let purged = 0;
        const future = new Date(Date.now() + 3_600_000);
        expect(await waitFor(async () => (purged += await scheduler.purgeFinishedJobs(future)) >= 2, WAIT_MS, 50)).toBe(true);
        expect(purged).toBe(2);
        // The pending timer is not a finished job.
        expect(await scheduler.cancelInstanceJobs('pending')).toBe(1);

        await scheduler.scheduleActivity(activityJob('p', 0));
        await scheduler.scheduleTimer(timerJob(new Date(), 'p', 1));
        expect(await waitFor(() => handlers.activities.length === 2 && handlers.timers.length === 2, WAIT_MS, 10)).toBe(true);
      });
    });

    describe('handlers that throw', () => {
      it('gives back a job whose handler threw: it runs again, the throwing start not counted as a delivery', async () => {
        let activityFailures = 1;
        let timerFailures = 1;
        const handlers = recordingHandlers({
          onActivity: () => (activityFailures-- > 0 ? Promise.reject(new Error('connection closed')) : Promise.resolve()),
          onTimer: () => (timerFailures-- > 0 ? Promise.reject(new Error('connection closed')) : Promise.resolve()),
        });
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivity(activityJob('flaky'));
        await scheduler.scheduleTimer(timerJob(new Date(), 'flaky', 1));
        expect(await waitFor(() => handlers.activities.length >= 2 && handlers.timers.length >= 2, WAIT_MS, 10)).toBe(true);
        await sleep(SETTLE_MS);
        expect(handlers.activities.map((r) => r.deliveries)).toEqual([1, 1]);
        expect(handlers.timers).toHaveLength(2);
      });
    });

    describe('start / stop / flushSoon', () => {
      it('start() and stop() are safe to call twice, stop() without start() too, and a stopped scheduler can start again', async () => {
        const handlers = recordingHandlers();
        const never = newScheduler();
        await never.stop();
        await never.stop();

        const scheduler = newScheduler();
        await Promise.all([scheduler.start(handlers), scheduler.start(handlers)]);
        await scheduler.start(handlers);
        await scheduler.scheduleActivity(activityJob('once'));
        expect(await waitFor(() => handlers.activities.length === 1, WAIT_MS, 5)).toBe(true);
        await Promise.all([scheduler.stop(), scheduler.stop()]);
        await scheduler.stop();

        // Stopped: nothing runs.
        await newScheduler().scheduleActivity(activityJob('while-stopped'));
        await sleep(SETTLE_MS);
        expect(handlers.activities).toHaveLength(1);

        await scheduler.start(handlers);
        expect(await waitFor(() => handlers.activities.length === 2, WAIT_MS, 5)).toBe(true);
        expect(handlers.activities[1]!.job.instanceId).toBe('while-stopped');
      });

      it('lets a running job finish on stop(), and keeps it finished', async () => {
        let finished = false;
        const handlers = recordingHandlers({
          onActivity: async () => {
            await sleep(300);
            finished = true;
          },
        });
        const scheduler = await worker(handlers);
        await scheduler.scheduleActivity(activityJob('finishing'));
        expect(await waitFor(() => handlers.activities.length === 1, WAIT_MS, 5)).toBe(true);
        await scheduler.stop();
        expect(finished).toBe(true);

        const next = recordingHandlers();
        const other = await worker(next);
        await other.scheduleActivity(activityJob('finishing'));
        await sleep(SETTLE_MS);
        expect(next.activities).toEqual([]);
      });

      it('flushSoon is harmless at any time: before anything is scheduled, on a client, on a worker', async () => {
        const handlers = recordingHandlers();
        const client = newScheduler();
        client.flushSoon();
        const scheduler = await worker(handlers);
        scheduler.flushSoon();
        await client.scheduleActivity(activityJob('flushed', 0));
        client.flushSoon();
        await scheduler.scheduleActivity(activityJob('flushed', 1));
        scheduler.flushSoon();
        expect(await waitFor(() => handlers.activities.length >= 2, WAIT_MS, 10)).toBe(true);
      });
    });
  });
}
