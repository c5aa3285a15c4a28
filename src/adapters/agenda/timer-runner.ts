import type { ObjectId } from '@agendajs/mongo-backend';
import { JobName } from './job-name.js';
import type { WorkHandlers } from '../../ports/work-scheduler.js';
import { timerFromData } from './agenda-job-data.js';
import { describeError, failsForGood } from './job-failure.js';
import { JobSlots } from './job-slots.js';
import type { LockHeartbeat } from './lock-heartbeat.js';
import { waitUntilIdle, type OwnedJobs } from './owned-jobs.js';
import type { JobCollection, JobWriteCombiner } from './job-write-combiner.js';

/** Options of {@link TimerRunner}. */
export interface TimerRunnerOptions {
  /** Timers firing at once in this process. */
  readonly concurrency: number;
  /** How far ahead a timer is armed in-process: a poll period and then some, so that polls overlap. */
  readonly armAheadMs: number;
}

/** The most timers one poll arms (the earliest first); the next poll arms the rest. */
const POLL_LIMIT = 1_000;
/** Bounds of the lock lead (see {@link TimerRunner}). */
const MIN_LEAD_MS = 5;
const MAX_LEAD_MS = 250;
/** The lock round trip assumed before one was measured. */
const INITIAL_LOCK_RTT_MS = 10;
/** Per lock, how much of the slowest recent round trip the estimate keeps. */
const LOCK_RTT_DECAY = 0.95;

/** A timer known to this process, from armed until it fired (or another worker took it). */
interface KnownTimer {
  timeout: NodeJS.Timeout | undefined;
  /** Ends the current wait early (stop, or a clock change); undefined while the timer is not waiting. */
  cancel: (() => void) | undefined;
  /** Settles once the timer is done here. */
  done: Promise<void>;
}

/**
 * Fires a started worker's durable timers on time, in-process.
 *
 * - **Armed, not locked.** A timer due within {@link TimerRunnerOptions.armAheadMs} is armed in-process: one timeout
 *   per timer, at its due time (`nextRunAt`: the real time at which the scheduler's clock reads its `fireAt`). Timers
 *   this process schedules are armed as they are inserted; the others — scheduled by other processes, given back, or
 *   left locked by a worker that died — are found by a poll every `processEveryMs`. Until it is due a timer is only a
 *   document: any number of workers may have it armed, and a worker that stops has nothing to unlock.
 * - **Locked just before its time, fired at it.** A lead before its time — about twice the slowest recent round trip
 *   to the database, 5 to 250 ms — one `findOneAndUpdate` locks the job, only if it is unlocked (or its lock
 *   expired), unfinished and due within the lead: among the workers that armed it exactly one wins. The winner waits
 *   for the `nextRunAt` of the document it locked (never fires before it) and calls `fireTimer` then: the lock's round
 *   trip is not added to the timer's lateness. A worker that stops (or whose clock jumps) meanwhile unlocks it.
 * - **Finished in one more write** through the write combiner (retired under its finished name); a handler that
 *   throws gives the timer back (due again after a backoff), a `DurableError` (malformed data) fails it for good.
 *
 * Why not Agenda's own processing: Agenda locks a timer at a poll and starts it through its job lifecycle (lock,
 * probe, start, finish: four or five writes, 9–17 ms late, queuing at 100 timers/s), and arms two timers per job
 * that it never clears (`checkIfJobIsStillAlive`'s delay of half the lock lifetime, and a near-future `setTimeout`).
 * Every timeout here is the runner's own: cleared on stop, and unref'd (the poll interval keeps a started worker alive).
 */
export class TimerRunner {
  readonly #owned: OwnedJobs;
  readonly #handlers: WorkHandlers;
  readonly #options: TimerRunnerOptions;
  readonly #slots: JobSlots;
  /** Timers armed, locked or firing here, by id (hex). */
  readonly #known = new Map<string, KnownTimer>();
  /** The lock heartbeats of the timers firing here, by id (hex). */
  readonly #running = new Map<string, LockHeartbeat>();
  /** Timers locked (or being locked) here and not yet settled. */
  #claiming = 0;
  #polling = false;
  /** Polls arm nothing while paused (see pause()). */
  #paused = 0;
  #stopped = false;
  /** The slowest recent lock round trip, decaying (ms). */
  #lockRttMs = INITIAL_LOCK_RTT_MS;

  constructor(owned: OwnedJobs, handlers: WorkHandlers, options: TimerRunnerOptions) {
    this.#owned = owned;
    this.#handlers = handlers;
    this.#options = options;
    this.#slots = new JobSlots(options.concurrency);
  }

  /** Whether a timer is locked or firing here, or a poll is in flight. */
  get busy(): boolean {
    return this.#claiming > 0 || this.#running.size > 0 || this.#polling;
  }

  /** A timer this process just inserted: armed now if due within `armAheadMs`, else left to the polls. */
  scheduled(id: ObjectId, runAt: Date): void {
    if (runAt.getTime() - Date.now() <= this.#options.armAheadMs) this.#arm(id, runAt.getTime());
  }

  /** Arms the timers due within `armAheadMs` that no worker holds (those known here already are skipped). */
  poll(): Promise<void> {
    if (this.#polling || this.#paused > 0 || this.#stopped) return Promise.resolve();
    this.#polling = true;
    return this.#poll().finally(() => {
      this.#polling = false;
    });
  }

  /**
   * Before due times change (a virtual clock jumps): disarms every timer not firing yet, unlocks those locked ahead
   * of their time, and stops arming from polls until {@link TimerRunner.resume}; resolves once that is done.
   */
  async pause(): Promise<void> {
    this.#paused++;
    const cancelled = this.#cancelWaiting();
    // A poll in flight may have read the old times: let it land, then disarm what it armed.
    while (this.#polling) await new Promise((resolve) => setImmediate(resolve));
    cancelled.push(...this.#cancelWaiting());
    await Promise.all(cancelled);
  }

  /** After {@link TimerRunner.pause}: arms the timers at their new times. */
  async resume(): Promise<void> {
    this.#paused = Math.max(0, this.#paused - 1);
    await this.poll();
  }

  /**
   * Disarms every timer and waits (until `deadline`, epoch ms) for the ones firing; those still firing then are
   * abandoned (their locks expire and another worker fires them again). Returns how many were abandoned.
   */
  async stop(deadline: number): Promise<number> {
    this.#stopped = true;
    // Each cancelled timer unlocks what it locked ahead of time; busy (below) waits for those.
    void Promise.all(this.#cancelWaiting());
    await waitUntilIdle(() => this.busy, deadline);
    const abandoned = [...this.#running.values()];
    for (const heartbeat of abandoned) void heartbeat.stop();
    return abandoned.length;
  }

  // Ends every wait (armed, or locked ahead of time); returns when each of those timers will be done here.
  #cancelWaiting(): Promise<void>[] {
    const waiting = [...this.#known.values()].filter((known) => known.cancel !== undefined);
    for (const known of waiting) known.cancel?.();
    return waiting.map((known) => known.done);
  }

  async #poll(): Promise<void> {
    try {
      const now = new Date();
      const due = await this.#owned.jobs.find(
        {
          name: JobName.Timer,
          disabled: { $ne: true },
          $or: [{ lockedAt: null, nextRunAt: { $lte: new Date(now.getTime() + this.#options.armAheadMs) } }, { lockedAt: { $lte: this.#owned.lockDeadline(now) } }],
        },
        { projection: { nextRunAt: 1 }, sort: { nextRunAt: 1 }, limit: POLL_LIMIT },
      ).toArray();
      for (const doc of due) this.#arm(doc._id, doc.nextRunAt instanceof Date ? doc.nextRunAt.getTime() : now.getTime());
    } catch (error) {
      this.#log(`looking for due timers failed (the next poll looks again): ${describeError(error)}`);
    }
  }

  #arm(id: ObjectId, runAt: number): void {
    const key = id.toHexString();
    if (this.#stopped || this.#known.has(key)) return;
    const known: KnownTimer = { timeout: undefined, cancel: undefined, done: Promise.resolve() };
    this.#known.set(key, known);
    known.done = this.#track(key, id, known, runAt).finally(() => this.#known.delete(key));
  }

  // One timer's life here: armed, locked a lead before its time, fired at it. Never rejects.
  async #track(key: string, id: ObjectId, known: KnownTimer, runAt: number): Promise<void> {
    if (!(await this.#sleepUntil(known, runAt - this.#leadMs()))) return;
    this.#claiming++;
    let locked = false;
    try {
      const sentAt = performance.now();
      const now = new Date();
      const doc = await this.#owned.jobs.findOneAndUpdate(
        {
          _id: id,
          name: JobName.Timer,
          nextRunAt: { $lte: new Date(now.getTime() + MAX_LEAD_MS) },
          disabled: { $ne: true },
          $or: [{ lockedAt: null }, { lockedAt: { $lte: this.#owned.lockDeadline(now) } }],
        },
        { $set: { lockedAt: now, lastRunAt: now, lastModifiedBy: this.#owned.owner } },
        { returnDocument: 'after', projection: { data: 1, nextRunAt: 1, failCount: 1 } },
      );
      this.#lockRttMs = Math.max(performance.now() - sentAt, this.#lockRttMs * LOCK_RTT_DECAY);
      // Taken by another worker, finished, deleted (cancelled), or moved later (a poll finds it again).
      if (doc === null) return;
      locked = true;
      const dueAt = doc.nextRunAt instanceof Date ? doc.nextRunAt.getTime() : now.getTime();
      if (this.#stopped || !(await this.#sleepUntil(known, dueAt))) return;
      await this.#slots.acquire();
      if (this.#stopped) {
        this.#slots.release();
        return;
      }
      locked = false;
      await this.#fire(key, id, doc.data, typeof doc.failCount === 'number' ? doc.failCount : 0);
    } catch (error) {
      this.#log(`could not lock timer job ${key} (a poll finds it again): ${describeError(error)}`);
    } finally {
      // Locked but not fired (stopped, or disarmed for a clock change): another worker, or the next poll, fires it.
      if (locked) await this.#owned.release(JobName.Timer, id, false);
      this.#claiming--;
    }
  }

  // Resolves true once Date.now() reached `at` (Node may wake a timeout a millisecond early), false if cancelled.
  #sleepUntil(known: KnownTimer, at: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (Date.now() >= at) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const settle = (fired: boolean): void => {
        clearTimeout(known.timeout);
        known.timeout = undefined;
        known.cancel = undefined;
        resolve(fired);
      };
      const wake = (): void => {
        if (Date.now() >= at) settle(true);
        else known.timeout = setTimeout(wake, Math.max(1, at - Date.now())).unref();
      };
      known.cancel = () => settle(false);
      // The poll interval keeps a started worker alive; stop() clears these.
      known.timeout = setTimeout(wake, at - Date.now()).unref();
    });
  }

  // Twice the slowest recent round trip, of a lock or of any job write of this process (the first locks then need
  // no measurement of their own: the insert of the timers they lock was one).
  #leadMs(): number {
    return Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, 2 * Math.max(this.#lockRttMs, this.#owned.writes.slowestRecentMs)));
  }

  // Calls the handler on the slot the caller took (released once the handler settled), then finishes the timer or
  // gives it back. Never rejects.
  async #fire(key: string, id: ObjectId, data: unknown, failures: number): Promise<void> {
    const heartbeat = this.#owned.heartbeat(id, `${JobName.Timer} ${key}`);
    this.#running.set(key, heartbeat);
    let failure: unknown;
    try {
      await this.#handlers.fireTimer(timerFromData(data, JobName.Timer));
    } catch (error) {
      failure = error;
    } finally {
      // The bound is on handlers; the final write needs no slot.
      this.#slots.release();
    }
    try {
      // A renewal landing after the final write would re-lock a finished job.
      await heartbeat.stop();
      if (failure === undefined || failsForGood(failure)) {
        if (failure !== undefined) this.#log(`job ${JobName.Timer} ${key} failed and will not be retried: ${describeError(failure)}`);
        await this.#owned.finish(JobName.Timer, id, failure);
      } else {
        await this.#owned.giveBack(JobName.Timer, id, failure, failures + 1, false);
      }
    } finally {
      this.#running.delete(key);
    }
  }

  #log(line: string): void {
    this.#owned.log(line);
  }
}

/**
 * Moves every timer not locked yet to the real time `runAt` gives for its `fireAt` (after a clock jump), in one write
 * command; a started worker's `timers` are disarmed first (they may be due earlier now) and re-armed once moved.
 */
export async function rescheduleTimers(jobs: JobCollection, writes: JobWriteCombiner, timers: TimerRunner | undefined, runAt: (fireAt: Date) => Date): Promise<void> {
  await timers?.pause();
  try {
    const pending = await jobs.find({ name: JobName.Timer, lockedAt: null }, { projection: { data: 1 } }).toArray();
    await Promise.all(pending.map((doc) => writes.update(
      { _id: doc._id, name: JobName.Timer, lockedAt: null },
      { $set: { nextRunAt: runAt(timerFromData(doc.data, JobName.Timer).fireAt) } },
    )));
  } finally {
    await timers?.resume();
  }
}
