import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock.js';
import type { InstanceStore, WorkItem } from '../ports/instance-store.js';
import type { VersionClaim } from '../ports/work-claims.js';
import { EarliestWakeUp } from '../core/earliest-wake-up.js';
import type { StructuredLog } from '../core/runtime-logger.js';

/**
 * Claims instances that have work and runs their episodes, `concurrency` at a time. Work created in this process
 * wakes it at once ({@link OrchestrationWorker.wake}). Work from other processes arrives as notices of the app's
 * change stream while one is live ({@link OrchestrationWorker.setDriven}; see WorkNoticeRouter); otherwise it is found
 * by polling — by one idle loop at a time (the poller), so an idle worker sends one claim and one next-work-time query
 * per poll interval whatever its concurrency. A loop that claims work a poll found wakes another, so a burst fans out
 * to every loop.
 */
export class OrchestrationWorker {
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  #stopped = true;
  #loops: Promise<void>[] = [];
  /** Idle loops' wake-ups; `fanOut` marks work found by a poll, which may be a burst (see #loop). */
  #sleepers = new Set<(fanOut: boolean) => void>();
  #pendingWake = false;
  /** Whether an idle loop is polling (sleeping with a timer); the other idle loops sleep until woken. */
  #polling = false;
  /** Set while the app's change stream drives the polls ({@link OrchestrationWorker.setDriven}): no loop polls. */
  #driven = false;
  /**
   * The wake-up for the earliest scheduled work a notice told of ({@link OrchestrationWorker.wakeAt}). One is kept:
   * when it fires, a driven worker asks for the next work time again, so no later work waits for the safety net.
   */
  readonly #alarm = new EarliestWakeUp(() => {
    this.poll();
    if (this.#driven) void this.armNextWork();
  });

  constructor(
    private readonly store: InstanceStore,
    private readonly runEpisode: (item: WorkItem) => Promise<void>,
    private readonly options: {
      readonly concurrency: number; readonly pollIntervalMs: number; readonly leaseMs: number; readonly log: StructuredLog; readonly clock: Clock;
      /** Only instances of these versions are claimed (`versioning.onMismatch: 'reject'`); all when undefined. */
      readonly versions?: VersionClaim;
    },
  ) {}

  /** Starts the claim loops. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (let i = 0; i < this.options.concurrency; i++) this.#loops.push(this.#loop());
  }

  /**
   * New work may be available: wake ONE idle loop now instead of at its next poll. Callers wake once per instance
   * given work. Waking every loop for one piece of work made them all race for it: each loser spent a claim and, on
   * its way back to sleep, the next-work-time queries — three wasted round trips per loser per wake-up, half of all
   * commands per activity. A loop that claims something keeps claiming until nothing is left.
   */
  wake(): void {
    this.#pendingWake = true;
    this.#wakeOne(false);
  }

  #wakeOne(fanOut: boolean): void {
    for (const wake of this.#sleepers) {
      wake(fanOut);
      return;
    }
  }

  /**
   * Looks for work now, as a poll does: one idle loop claims, and each claim wakes one more while work is found (a
   * burst from other processes reaches every loop).
   */
  poll(): void {
    this.#pendingWake = true;
    this.#wakeOne(true);
  }

  /**
   * Whether the app's change stream drives this worker: while it does, no loop polls on its own (the app calls
   * {@link OrchestrationWorker.poll} as its safety net, {@link OrchestrationWorker.wake} on a notice, and
   * {@link OrchestrationWorker.wakeAt} for scheduled work); otherwise one idle loop polls every poll interval.
   */
  setDriven(driven: boolean): void {
    if (this.#driven === driven) return;
    this.#driven = driven;
    // The poller re-arms for the new mode (or, when polling resumes, an idle loop takes the role).
    this.poll();
  }

  /** Polls at `at` (work a notice said becomes claimable then), unless a wake-up is set for earlier. */
  wakeAt(at: Date): void {
    if (!this.#stopped) this.#alarm.set(at.getTime(), this.options.clock.now().getTime());
  }

  /** Asks when the earliest work that is not claimable now becomes claimable, and polls then (a feed just opened). */
  async armNextWork(): Promise<void> {
    try {
      const next = await this.store.nextWorkTime(this.options.clock.now());
      if (next !== undefined) this.wakeAt(next);
    } catch (error) {
      this.options.log('warn', 'could not read the next work time; the safety-net polls will find it', { event: 'storage.retry', error });
    }
  }

  /** Wakes every idle loop (time moved on: scheduled work may have come due for all of them). */
  wakeAll(): void {
    this.#pendingWake = true;
    for (const wake of [...this.#sleepers]) wake(false);
  }

  /**
   * Stops claiming; resolves when running episodes have finished, or after `drainTimeoutMs` (an episode still running
   * then keeps its lease until it expires, and another worker takes the instance over).
   */
  async stop(drainTimeoutMs: number): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#alarm.clear();
    this.wakeAll();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.options.log('warn', `stop(): episodes still running after ${drainTimeoutMs} ms were left to their leases`, { event: 'worker.stop' });
        resolve();
      }, drainTimeoutMs);
    });
    await Promise.race([Promise.all(this.#loops), timeout]);
    clearTimeout(timer);
    this.#loops = [];
  }

  async #loop(): Promise<void> {
    // Set when woken by a poll (or by a loop that a poll's find woke): work from other processes may be a burst, so
    // each claim wakes one more loop. Work of this process wakes a loop per instance and needs no fan-out.
    let fanOut = false;
    while (!this.#stopped) {
      let claimed = false;
      try {
        this.#pendingWake = false;
        const { versions } = this.options;
        const item = await this.store.claimWork({ workerId: this.workerId, leaseMs: this.options.leaseMs, now: this.options.clock.now(), ...(versions === undefined ? {} : { versions }) });
        if (item !== undefined) {
          claimed = true;
          // There may be more: let one idle loop look too (it goes back to sleep if there is not).
          if (fanOut) this.#wakeOne(true);
          if (item.takenOverFrom !== undefined) logTakeover(this.options.log, item);
          await this.runEpisode(item);
        }
      } catch (error) {
        this.options.log('warn', 'claiming work failed; retrying', { event: 'storage.retry', error });
      }
      if (!claimed && !this.#stopped && !this.#pendingWake) fanOut = await this.#sleep();
    }
  }

  // Sleeps until woken. The poller (the first loop to fall idle while no other polls) also asks for the next work time
  // and sets a timer for the next poll (or that work, if sooner); the timer is cleared on wake, so a stopped worker
  // leaves nothing behind. A poller that wakes gives the role up: the next loop to fall idle takes it.
  // Resolves whether the loop should fan out (see #loop).
  async #sleep(): Promise<boolean> {
    const polls = !this.#polling && !this.#driven;
    if (polls) this.#polling = true;
    try {
      const delay = polls ? await this.#pollDelay() : undefined;
      if (this.#stopped || this.#pendingWake) return false;
      return await new Promise<boolean>((resolve) => {
        const done = (fanOut: boolean): void => {
          clearTimeout(timer);
          this.#sleepers.delete(done);
          resolve(fanOut);
        };
        const timer = delay === undefined ? undefined : setTimeout(() => done(true), delay);
        this.#sleepers.add(done);
      });
    } finally {
      if (polls) this.#polling = false;
    }
  }

  // The poller's wait: the poll interval, or less when scheduled work comes due sooner.
  async #pollDelay(): Promise<number> {
    const delay = this.options.pollIntervalMs;
    try {
      const now = this.options.clock.now();
      const next = await this.store.nextWorkTime(now);
      return next === undefined ? delay : Math.max(1, Math.min(delay, next.getTime() - now.getTime()));
    } catch {
      return delay; // Polling at the normal interval is the fallback.
    }
  }
}

/** Logs a claim that took an instance from an expired lease (`WorkItem.takenOverFrom`): its worker died or froze. */
export function logTakeover(log: StructuredLog, item: WorkItem): void {
  const { instanceId, executionId, name } = item.instance;
  log('info', `took over '${instanceId}' (${name}): the lease of worker ${item.takenOverFrom} had expired`, {
    event: 'instance.takeover', instanceId, executionId, name, previousWorkerId: item.takenOverFrom, attempt: item.instance.claimAttempts,
  });
}
