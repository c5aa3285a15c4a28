import type { Clock } from '../ports/clock.js';
import type { WorkNotice, WorkNotifications } from '../ports/work-notifications.js';
import { DRIVEN_POLL_GAP_INTERVALS, type JobPollKind, type WorkScheduler } from '../ports/work-scheduler.js';
import type { OrchestrationWorker } from './orchestration-worker.js';

/** The safety-net polls, one per tick in turn while the feed is live: instances, then each kind of job. */
const ROTATION: readonly ('instances' | Exclude<JobPollKind, 'all'>)[] = ['instances', 'activities', 'timers', 'sweep'];
/** A safety-net tick comes every this many poll intervals, so that each kind is polled every DRIVEN_POLL_GAP_INTERVALS. */
export const SAFETY_NET_TICK_INTERVALS = DRIVEN_POLL_GAP_INTERVALS / ROTATION.length;

/** What a {@link WorkNoticeRouter} drives. */
export interface NoticeTargets {
  readonly worker: Pick<OrchestrationWorker, 'wake' | 'poll' | 'wakeAt' | 'setDriven' | 'armNextWork'>;
  readonly scheduler: Pick<WorkScheduler, 'pollJobs' | 'setSelfPolling' | 'jobDue'>;
}

/**
 * Turns a started worker's {@link WorkNotifications} into wake-ups. While the feed is live, the worker and the
 * scheduler stop polling on their own: a notice of an instance with work wakes one orchestration loop (or sets a
 * wake-up for when it becomes claimable), a notice of a due job wakes the activity or timer runner, and one
 * safety-net query every {@link SAFETY_NET_TICK_INTERVALS} poll intervals — in turn: an instance claim, a due-activity
 * pick-up, a timer scan, a timed-out-start sweep — finds what no notice can tell of: leases and locks of workers that
 * died. When the feed opens (or reopens) everything is looked for once; while it is down, everything polls as before.
 */
export class WorkNoticeRouter {
  readonly #notifications: WorkNotifications;
  readonly #targets: NoticeTargets;
  readonly #pollIntervalMs: number;
  readonly #clock: Clock;
  #unsubscribe: (() => void) | undefined;
  #tick: NodeJS.Timeout | undefined;
  #turn = 0;

  constructor(notifications: WorkNotifications, targets: NoticeTargets, options: { readonly pollIntervalMs: number; readonly clock: Clock }) {
    this.#notifications = notifications;
    this.#targets = targets;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#clock = options.clock;
  }

  /** Starts listening (the feed opens if it is not open yet). */
  start(): void {
    this.#unsubscribe ??= this.#notifications.subscribe((notice) => this.#route(notice), 'work');
    if (this.#notifications.live) this.#route({ kind: 'opened' });
  }

  /** Stops listening and polling; the worker and the scheduler are left polling on their own. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#driven(false);
  }

  #route(notice: WorkNotice): void {
    const { worker, scheduler } = this.#targets;
    switch (notice.kind) {
      case 'opened':
        this.#driven(true);
        // Whatever changed while there was no feed: look once for everything.
        worker.poll();
        scheduler.pollJobs('all');
        void worker.armNextWork();
        return;
      case 'lost':
        this.#driven(false);
        return;
      case 'instanceWork':
        if (notice.availableAt.getTime() <= this.#clock.now().getTime()) worker.wake();
        else worker.wakeAt(notice.availableAt);
        return;
      case 'jobDue':
        scheduler.jobDue(notice.job, notice.runAt, notice.storedBy);
        return;
      case 'instanceFinished':
        return; // For waiters (see DurableClient.waitForCompletion).
    }
  }

  #driven(on: boolean): void {
    const { worker, scheduler } = this.#targets;
    worker.setDriven(on);
    scheduler.setSelfPolling(!on);
    clearInterval(this.#tick);
    this.#tick = undefined;
    // Keeps a started worker's process alive while the scheduler's own poll is off, as that poll did.
    if (on) this.#tick = setInterval(() => this.#safetyNet(), SAFETY_NET_TICK_INTERVALS * this.#pollIntervalMs);
  }

  #safetyNet(): void {
    const kind = ROTATION[this.#turn++ % ROTATION.length] ?? 'instances';
    if (kind === 'instances') this.#targets.worker.poll();
    else this.#targets.scheduler.pollJobs(kind);
  }
}
