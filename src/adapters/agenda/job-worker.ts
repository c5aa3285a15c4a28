import { EarliestWakeUp } from '../../core/earliest-wake-up.js';
import { DRIVEN_POLL_GAP_INTERVALS, type JobPollKind, type WorkHandlers } from '../../ports/work-scheduler.js';
import { ActivityRunner } from './activity-runner.js';
import { ActivityWatch } from './activity-watch.js';
import type { OwnedJobs } from './owned-jobs.js';
import { TimerRunner } from './timer-runner.js';

/**
 * How far ahead a started worker arms timers: two of the longest gaps between its timer polls — a poll period while
 * it polls on its own, {@link DRIVEN_POLL_GAP_INTERVALS} of them while a change stream drives it.
 */
export function timerArmAheadMs(processEveryMs: number): number {
  return 2 * DRIVEN_POLL_GAP_INTERVALS * processEveryMs;
}

/** How a {@link JobWorker} runs and polls. */
export interface JobWorkerOptions {
  readonly concurrency: number;
  readonly aloneFromDeliveries: number;
  readonly maxDeliveries: number | undefined;
  /** The poll period while the worker polls on its own. */
  readonly processEveryMs: number;
  /**
   * How far ahead timers are armed: at least two of the longest gaps between timer polls, so that a timer is armed by
   * the poll before the one that finds it due.
   */
  readonly armAheadMs: number;
  /** This process's name in `lastModifiedBy`: notices of jobs it stored itself are already known here. */
  readonly name: string;
}

/**
 * The job-running part of a started scheduler: its activity and timer runners, the watch for timed-out and
 * cancelled starts, and the poll that finds what other processes stored — every `processEveryMs` on its own, or only
 * when asked ({@link JobWorker.poll}) while the app's change stream tells it of new jobs ({@link JobWorker.jobDue}).
 */
export class JobWorker {
  readonly activities: ActivityRunner;
  /** Timed-out starts of workers that are gone, and cancellations of starts running here. */
  readonly watch: ActivityWatch;
  readonly timers: TimerRunner;
  readonly #options: JobWorkerOptions;
  /** The poll, while the worker polls on its own: it also keeps a started worker's process alive. */
  #interval: NodeJS.Timeout | undefined;
  /** Activity jobs noticed for later (a give-back's backoff): the earliest one's pick-up. */
  readonly #later: EarliestWakeUp;

  constructor(owned: OwnedJobs, handlers: WorkHandlers, options: JobWorkerOptions) {
    this.#options = options;
    this.#later = new EarliestWakeUp(() => this.activities.queued());
    this.activities = new ActivityRunner(owned, handlers, { concurrency: options.concurrency, aloneFromDeliveries: options.aloneFromDeliveries, maxDeliveries: options.maxDeliveries });
    this.timers = new TimerRunner(owned, handlers, { concurrency: options.concurrency, armAheadMs: options.armAheadMs });
    this.watch = new ActivityWatch(owned, handlers, this.activities, options.processEveryMs);
    this.setSelfPolling(true);
    this.poll('all');
  }

  /** See `WorkScheduler.pollJobs`. */
  poll(kind: JobPollKind): void {
    if (kind === 'all' || kind === 'activities') this.activities.poll();
    if (kind === 'all' || kind === 'sweep') this.watch.poll();
    if (kind === 'all' || kind === 'timers') void this.timers.poll();
  }

  /** See `WorkScheduler.setSelfPolling`. */
  setSelfPolling(on: boolean): void {
    if (on === (this.#interval !== undefined)) return;
    if (on) {
      this.#interval = setInterval(() => this.poll('all'), this.#options.processEveryMs);
    } else {
      clearInterval(this.#interval);
      this.#interval = undefined;
    }
  }

  /** See `WorkScheduler.jobDue`. */
  jobDue(job: 'activity' | 'timer', runAt: Date, storedBy: string | undefined): void {
    if (storedBy === this.#options.name) return;
    const inMs = runAt.getTime() - Date.now();
    if (job === 'timer') {
      // Armed by a timer poll now if it is due before the polls would arm it; else left to them.
      if (inMs <= this.#options.armAheadMs) void this.timers.poll();
      return;
    }
    if (inMs <= 0) this.activities.queued();
    else this.#later.set(runAt.getTime(), Date.now());
  }

  /** Stops polling and running: see `AgendaWorkScheduler.stop`. Resolves how many running jobs were abandoned. */
  async stop(deadline: number): Promise<number> {
    this.setSelfPolling(false);
    this.#later.clear();
    return (await Promise.all([this.activities.stop(deadline), this.timers.stop(deadline)])).reduce((a, b) => a + b, 0);
  }
}
