import type { ObjectId } from '@agendajs/mongo-backend';
import { DurableError } from '../../core/durable-error.js';
import { JobName } from './job-name.js';
import type { ActivityJob, WorkHandlers } from '../../ports/work-scheduler.js';
import { ActivityAttempt } from './activity-attempt.js';
import { activityFromData, jobKey, type StoredActivity } from './agenda-job-data.js';
import type { HeldJobInsert } from './held-job-insert.js';
import { describeError, failsForGood } from './job-failure.js';
import { JobSlots } from './job-slots.js';
import type { LockHeartbeat } from './lock-heartbeat.js';
import { waitUntilIdle, type OwnedJobs } from './owned-jobs.js';

/** Options of {@link ActivityRunner} (see AgendaWorkSchedulerOptions). */
export interface ActivityRunnerOptions {
  readonly concurrency: number;
  readonly aloneFromDeliveries: number;
  readonly maxDeliveries: number | undefined;
}

/** A locked activity job, ready to run. */
interface LockedActivity {
  readonly id: ObjectId;
  readonly activity: ActivityJob;
  readonly deliveries: number;
  readonly justScheduled: boolean;
  /** Earlier runs given back (the job's `failCount`): sets the next backoff. */
  readonly failures: number;
  /** Set for a job started before its locked insert was sent (see {@link HeldJobInsert}). */
  readonly held?: HeldJobInsert;
  /** When the start began (epoch ms): its limits count from it. */
  readonly startedAt: number;
  /** What earlier starts of the job left: heartbeat details, a cancellation. */
  readonly lastHeartbeat?: string | undefined;
  readonly cancelRequested?: string | undefined;
}

/** A start running here, for cancellation and the cancel check. */
export interface RunningAttempt {
  readonly id: ObjectId;
  readonly instanceId: string;
  readonly startedAt: number;
  readonly attempt: ActivityAttempt;
  /** False while the job's document is held back (nothing to look for in the database yet); true once written. */
  readonly stored: boolean;
}

/**
 * Runs a started worker's activity jobs in-process: those it scheduled itself (inserted already locked, see
 * {@link ActivityRunner.tryReserve}), and those it picks up — queued by it or by any other process, given back, or
 * left by a worker that died (lock expired).
 *
 * - **Pick-up.** With a slot free and due jobs possibly waiting (this process queued some, or a poll came), one
 *   `findOneAndUpdate` locks the oldest due job and counts its start (`data.deliveries + 1`); the job runs here, and
 *   the next pick-up follows while slots are free. Every worker does the same; a job is locked by exactly one.
 * - **Suspects run alone.** A start with `deliveries` ≥ `aloneFromDeliveries` is found by its own query (one at a time
 *   per worker), locked without being counted, and waits until no other activity runs here ({@link JobSlots.acquireAlone},
 *   its lock renewed meanwhile); it is counted once it holds every slot — so a wait cut short by another activity's
 *   crash is not charged to it — and no other activity starts until it is done.
 * - **One bound.** `concurrency` bounds every activity of the process, however it started.
 * - **Two writes a job.** The lock (or the locked insert) and the finish; the finish goes through the write combiner,
 *   so it shares its command with whatever else this process writes in the same turn (typically the next activity's
 *   insert).
 */
export class ActivityRunner {
  readonly #owned: OwnedJobs;
  readonly #handlers: WorkHandlers;
  readonly #options: ActivityRunnerOptions;
  readonly #slots: JobSlots;
  /** The lock heartbeats of the jobs running here, by id (hex). */
  readonly #running = new Map<string, LockHeartbeat>();
  /** The starts running here, by job key (see jobKey). */
  readonly #attempts = new Map<string, RunningAttempt>();
  /** Slots taken by scheduleActivities for jobs whose locked insert is in flight. */
  #reserved = 0;
  /** Looks in flight (pick-ups and the suspect query). */
  #looking = 0;
  /** Set when due jobs may be waiting (this process queued some, or a poll came); cleared when a pick-up finds none. */
  #mayBeQueued = false;
  /** Counts the times #mayBeQueued was set: a pick-up that found none clears it only if nothing was queued meanwhile. */
  #queuedSignals = 0;
  /** A suspect is held here (locked, waiting to run alone, or running). */
  #holdsSuspect = false;
  #stopped = false;

  constructor(owned: OwnedJobs, handlers: WorkHandlers, options: ActivityRunnerOptions) {
    this.#owned = owned;
    this.#handlers = handlers;
    this.#options = options;
    this.#slots = new JobSlots(options.concurrency);
  }

  /** Whether anything is running, being looked for, or about to start. */
  get busy(): boolean {
    return this.#running.size > 0 || this.#looking > 0 || this.#reserved > 0;
  }

  /**
   * Takes a slot for a job this process is about to schedule and run itself (inserted locked); false when none is
   * free. Then either {@link ActivityRunner.runScheduled} or {@link ActivityRunner.unreserve}.
   */
  tryReserve(): boolean {
    if (this.#stopped || !this.#slots.tryAcquire()) return false;
    this.#reserved++;
    return true;
  }

  /** Gives back a reserved slot whose job was not inserted (its key was scheduled before, or the insert failed). */
  unreserve(): void {
    this.#reserved--;
    this.#slots.release();
  }

  /**
   * Runs a job inserted locked by this worker on a reserved slot: its first start, counted in the insert. With
   * `held`, the job starts before its locked insert is sent (see startActivities): if its outcome is recorded before
   * anyone needs the document, the insert is dropped and there is nothing to finish; a failed start stores it first.
   */
  runScheduled(id: ObjectId, activity: ActivityJob, startedAt: number, held?: HeldJobInsert): void {
    this.#reserved--;
    this.#start({ id, activity, deliveries: 1, justScheduled: true, failures: 0, startedAt, ...(held === undefined ? {} : { held }) });
  }

  /** Aborts the signal of the start of this job running here, if any (the orchestration cancelled it). */
  cancel(key: string, reason: string): void {
    this.#attempts.get(key)?.attempt.cancel(reason);
  }

  /** Aborts the signals of the instance's starts running here (it was terminated). */
  cancelInstance(instanceId: string, reason: string): void {
    for (const running of this.#attempts.values()) if (running.instanceId === instanceId) running.attempt.cancel(reason);
  }

  /** The starts running here. */
  attempts(): IterableIterator<[string, RunningAttempt]> {
    return this.#attempts.entries();
  }

  /** This process queued jobs (no slot was free): they are picked up here as slots free, or by any other worker. */
  queued(): void {
    this.#mayBeQueued = true;
    this.#queuedSignals++;
    this.#pickUp();
  }

  /** A poll: looks for due jobs now, and for a suspect to run alone. */
  poll(): void {
    this.#mayBeQueued = true;
    this.#queuedSignals++;
    this.#pickUp();
    this.#lookForSuspect();
  }

  /**
   * Stops picking up jobs and waits (until `deadline`, epoch ms) for the running ones; those still running then are
   * abandoned: their locks are no longer renewed, so another worker runs them again once the locks expire. Returns
   * how many were abandoned.
   */
  async stop(deadline: number): Promise<number> {
    this.#stopped = true;
    await waitUntilIdle(() => this.busy, deadline);
    const abandoned = [...this.#running.values()];
    for (const heartbeat of abandoned) void heartbeat.stop();
    return abandoned.length;
  }

  // Runs a locked job on one slot the caller holds.
  #start(job: LockedActivity): void {
    const heartbeat = this.#heartbeat(job.id);
    this.#track(job.id, heartbeat, this.#execute(job, heartbeat, () => this.#slots.release()));
  }

  #track(id: ObjectId, heartbeat: LockHeartbeat, run: Promise<void>): void {
    const key = id.toHexString();
    this.#running.set(key, heartbeat);
    void run.finally(() => {
      this.#running.delete(key);
      // A slot is free: the next queued job may run.
      this.#pickUp();
    });
  }

  /**
   * Calls the handler, frees the job's slots (`releaseSlots`) as soon as it settled — the final write needs none, and
   * an activity the runtime schedules in the same turn can take the slot — then finishes the job or gives it back.
   * Never rejects.
   */
  async #execute(job: LockedActivity, heartbeat: LockHeartbeat, releaseSlots: () => void): Promise<void> {
    let failure: unknown;
    const key = jobKey(job.activity);
    const attempt = new ActivityAttempt(job.activity, job.id, this.#owned, job.startedAt, job.lastHeartbeat, job.held);
    const { held } = job;
    // A held-back document is looked up once it is written (at the session's end, or at once for a job with limits).
    this.#attempts.set(key, { id: job.id, instanceId: job.activity.instanceId, startedAt: job.startedAt, attempt, get stored() { return held === undefined || held.stored; } });
    try {
      this.#checkDeliveries(job.activity, job.deliveries);
      // Cancelled while no worker ran it (its worker died): there is nothing to run, and no outcome to record.
      if (job.cancelRequested === undefined) await this.#handlers.runActivity(job.activity, job.deliveries, attempt.options(job.justScheduled));
    } catch (error) {
      failure = error;
    } finally {
      releaseSlots();
      if (this.#attempts.get(key)?.attempt === attempt) this.#attempts.delete(key);
      await attempt.stop();
    }
    // A renewal landing after the final write would re-lock a finished job; a final write before the insert would
    // find nothing to finish.
    await heartbeat.stop();
    if (job.held !== undefined) {
      // Recorded before anyone needed the document: nothing was written, so nothing is left to finish.
      if (failure === undefined && job.held.drop()) return;
      // Finished or given back through its document: stored first (a failed store fails the write below, logged).
      await job.held.store().catch(() => undefined);
    }
    if (failure === undefined || failsForGood(failure)) {
      if (failure !== undefined) this.#log(`job ${JobName.Activity} ${job.id.toHexString()} failed and will not be retried: ${describeError(failure)}`);
      await this.#owned.finish(JobName.Activity, job.id, failure);
    } else {
      await this.#owned.giveBack(JobName.Activity, job.id, failure, job.failures + 1, true);
    }
  }

  #pickUp(): void {
    if (!this.#mayBeQueued || this.#stopped || !this.#slots.tryAcquire()) return;
    this.#looking++;
    const signals = this.#queuedSignals;
    void (async () => {
      let started = false;
      try {
        const now = new Date();
        const doc = await this.#owned.jobs.findOneAndUpdate(
          // Not a start to run alone: that one is counted only once it holds every slot (see #lookForSuspect).
          { ...this.#dueActivity(now), 'data.deliveries': { $lt: this.#options.aloneFromDeliveries - 1 } },
          {
            $set: { lockedAt: now, lastRunAt: now, lastModifiedBy: this.#owned.owner }, $inc: { 'data.deliveries': 1 },
            // An earlier start's deadline is not this start's: this one is stored once it runs (see #startFrom).
            $unset: { 'data.timeoutAt': '', 'data.timeoutKind': '' },
          },
          { sort: { nextRunAt: 1, priority: -1 }, returnDocument: 'after', projection: { data: 1, failCount: 1 } },
        );
        if (doc === null) {
          if (this.#queuedSignals === signals) this.#mayBeQueued = false;
          return;
        }
        if (this.#stopped) {
          await this.#owned.release(JobName.Activity, doc._id, true);
          return;
        }
        const parsed = await this.#parse(doc._id, doc.data);
        if (parsed === undefined) return;
        started = true;
        this.#start(this.#startFrom(doc._id, parsed, failuresOf(doc.failCount)));
        // More slots may be free (a job that ran alone gave them all back): the next pick-up takes one.
        this.#pickUp();
      } catch (error) {
        this.#log(`looking for a queued activity failed (the next poll looks again): ${describeError(error)}`);
      } finally {
        this.#looking--;
        if (!started) this.#slots.release();
      }
    })();
  }

  /**
   * Locks a due start that is to run alone (see aloneFromDeliveries) — not counted yet — and runs it once it holds
   * every slot of the process. One at a time.
   */
  #lookForSuspect(): void {
    if (this.#holdsSuspect || this.#stopped) return;
    this.#holdsSuspect = true;
    this.#looking++;
    void (async () => {
      let held = false;
      try {
        const now = new Date();
        const doc = await this.#owned.jobs.findOneAndUpdate(
          { ...this.#dueActivity(now), 'data.deliveries': { $gte: this.#options.aloneFromDeliveries - 1 } },
          { $set: { lockedAt: now, lastRunAt: now, lastModifiedBy: this.#owned.owner } },
          { sort: { nextRunAt: 1, priority: -1 }, returnDocument: 'after', projection: { _id: 1 } },
        );
        if (doc === null) return;
        if (this.#stopped) {
          await this.#owned.release(JobName.Activity, doc._id, false);
          return;
        }
        held = true;
        const heartbeat = this.#heartbeat(doc._id);
        this.#track(doc._id, heartbeat, this.#runAlone(doc._id, heartbeat).finally(() => {
          this.#holdsSuspect = false;
        }));
      } catch (error) {
        this.#log(`looking for an activity to run alone failed (the next poll looks again): ${describeError(error)}`);
      } finally {
        this.#looking--;
        if (!held) this.#holdsSuspect = false;
      }
    })();
  }

  // Waits for every slot (the lock renewed meanwhile), counts the start, runs it. Never rejects.
  async #runAlone(id: ObjectId, heartbeat: LockHeartbeat): Promise<void> {
    await this.#slots.acquireAlone();
    let holdsSlots = true;
    const releaseSlots = (): void => {
      if (holdsSlots) this.#slots.releaseAlone();
      holdsSlots = false;
    };
    try {
      if (this.#stopped) {
        // The worker stopped while it waited (its stop may have abandoned it already): not started, not counted.
        await heartbeat.stop();
        await this.#owned.release(JobName.Activity, id, false);
        return;
      }
      // Counted once the job holds its slots and before the handler runs: a crash during it is seen by the next
      // start, and a wait for slots cut short by another job's crash is not.
      const stored = await this.#owned.jobs.findOneAndUpdate(
        { _id: id, lastModifiedBy: this.#owned.owner, lockedAt: { $ne: null } },
        { $inc: { 'data.deliveries': 1 }, $unset: { 'data.timeoutAt': '', 'data.timeoutKind': '' } },
        { returnDocument: 'after', projection: { data: 1, failCount: 1 } },
      );
      if (stored === null) {
        this.#log(`activity job ${id.toHexString()} was deleted or taken over before it started; not running it.`);
        await heartbeat.stop();
        return;
      }
      const parsed = await this.#parse(id, stored.data, heartbeat);
      if (parsed === undefined) return;
      await this.#execute(this.#startFrom(id, parsed, failuresOf(stored.failCount)), heartbeat, releaseSlots);
    } catch (error) {
      // Its lock expires and another worker runs it.
      await heartbeat.stop();
      this.#log(`could not start activity job ${id.toHexString()} alone (it runs again once its lock expires): ${describeError(error)}`);
    } finally {
      releaseSlots();
    }
  }

  /**
   * A start of a job picked up (locked) here, beginning now. A job with limits has its deadline stored for other
   * workers (through the write combiner, with whatever else this process writes in the turn).
   */
  #startFrom(id: ObjectId, parsed: StoredActivity, failures: number): LockedActivity {
    const startedAt = Date.now();
    const deadline = ActivityAttempt.deadlineAt(parsed.job, startedAt);
    if (deadline !== undefined) {
      this.#owned.writes.update({ _id: id, lastModifiedBy: this.#owned.owner, lockedAt: { $ne: null } }, { $set: deadline }).catch((error: unknown) => {
        this.#log(`could not store the deadline of activity job ${id.toHexString()} (the worker running it enforces it): ${describeError(error)}`);
      });
    }
    return {
      id, activity: parsed.job, deliveries: parsed.deliveries, justScheduled: false, failures, startedAt,
      lastHeartbeat: parsed.lastHeartbeat, cancelRequested: parsed.cancelRequested,
    };
  }

  // The activity in a locked job's data; malformed data fails the job for good (undefined then).
  async #parse(id: ObjectId, data: unknown, heartbeat?: LockHeartbeat): Promise<StoredActivity | undefined> {
    try {
      return activityFromData(data, JobName.Activity);
    } catch (error) {
      await heartbeat?.stop();
      this.#log(`job ${JobName.Activity} ${id.toHexString()} failed and will not be retried: ${describeError(error)}`);
      await this.#owned.finish(JobName.Activity, id, error);
      return undefined;
    }
  }

  // Due and not held: pending and due, or locked by a worker whose lock expired (it died or froze).
  #dueActivity(now: Date): Record<string, unknown> {
    return {
      name: JobName.Activity,
      disabled: { $ne: true },
      $or: [{ lockedAt: null, nextRunAt: { $lte: now } }, { lockedAt: { $lte: this.#owned.lockDeadline(now) } }],
    };
  }

  // The backstop of maxDeliveries: a job started more often fails for good without running.
  #checkDeliveries(activity: ActivityJob, deliveries: number): void {
    const max = this.#options.maxDeliveries;
    if (max !== undefined && deliveries > max) {
      throw new DurableError('MAX_DELIVERIES_EXCEEDED', `activity '${activity.name}' (instance '${activity.instanceId}', sequence ${activity.sequence}) was started ${deliveries} times, more than maxDeliveries ${max}; failing the job without running it.`);
    }
  }

  #heartbeat(id: ObjectId): LockHeartbeat {
    return this.#owned.heartbeat(id, `${JobName.Activity} ${id.toHexString()}`);
  }

  #log(line: string): void {
    this.#owned.log(line);
  }
}

function failuresOf(failCount: unknown): number {
  return typeof failCount === 'number' ? failCount : 0;
}
