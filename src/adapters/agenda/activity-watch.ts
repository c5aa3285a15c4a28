import type { ObjectId } from '@agendajs/mongo-backend';
import type { WorkHandlers } from '../../ports/work-scheduler.js';
import type { RunningAttempt } from './activity-runner.js';
import { activityFromData } from './agenda-job-data.js';
import { describeError } from './job-failure.js';
import { JobName } from './job-name.js';
import type { OwnedJobs } from './owned-jobs.js';

/** Timed-out starts one sweep takes over at most (the next poll takes the rest). */
const MAX_TIMEOUTS_PER_SWEEP = 50;
/**
 * The sweep for timed-out starts runs at most this often (a query each time, even on an idle worker): a dead
 * worker's attempt is timed out within its limit, plus the grace, plus at most this.
 */
export const TIMEOUT_SWEEP_EVERY_MS = 1_000;

/** What the watch needs of the runner: the starts running here, and how to cancel one. */
export interface RunningAttempts {
  attempts(): IterableIterator<[string, RunningAttempt]>;
  cancel(key: string, reason: string): void;
}

/**
 * What a worker's poll checks besides due jobs, so that limits and cancellations hold whichever process runs an
 * activity:
 *
 * - **Timed-out starts of workers that are gone.** A running start with limits stores its deadline (plus a grace) in
 *   its job; a start still locked past it belongs to a worker that died or froze (a live one enforces its own
 *   deadline first). Looked for at most every {@link TIMEOUT_SWEEP_EVERY_MS}. One `findOneAndUpdate` takes such a job over and clears the deadline (so one worker does it);
 *   the handler records the timeout as the attempt's outcome, and the job is finished.
 * - **Cancellations of starts running here.** The orchestration (or a termination) marks a running job
 *   `data.cancelRequested` from whatever process dispatched it; one query over the ids of this process's starts that
 *   have run for a poll period or more finds the marked ones, and their signals are aborted. Nothing is sent while
 *   nothing runs here.
 */
export class ActivityWatch {
  readonly #owned: OwnedJobs;
  readonly #handlers: WorkHandlers;
  readonly #running: RunningAttempts;
  readonly #checkAfterMs: number;
  #sweeping = false;
  #lastSweepAt = 0;
  #checking = false;

  constructor(owned: OwnedJobs, handlers: WorkHandlers, running: RunningAttempts, checkAfterMs: number) {
    this.#owned = owned;
    this.#handlers = handlers;
    this.#running = running;
    this.#checkAfterMs = checkAfterMs;
  }

  /** One poll's checks (each skipped while the previous one is still in flight). Never rejects. */
  poll(): void {
    this.#sweep();
    this.#checkCancels();
  }

  #sweep(): void {
    if (this.#sweeping || Date.now() - this.#lastSweepAt < TIMEOUT_SWEEP_EVERY_MS) return;
    this.#sweeping = true;
    this.#lastSweepAt = Date.now();
    void (async () => {
      try {
        for (let i = 0; i < MAX_TIMEOUTS_PER_SWEEP && await this.#timeOutOne(); i++);
      } catch (error) {
        this.#owned.log(`looking for timed-out activities failed (the next poll looks again): ${describeError(error)}`);
      } finally {
        this.#sweeping = false;
      }
    })();
  }

  // Takes over one start past its stored deadline and records its timeout; false when there is none.
  async #timeOutOne(): Promise<boolean> {
    const now = new Date();
    const doc = await this.#owned.jobs.findOneAndUpdate(
      { name: JobName.Activity, lockedAt: { $ne: null }, 'data.timeoutAt': { $lte: now } },
      { $set: { lockedAt: now, lastModifiedBy: this.#owned.owner }, $unset: { 'data.timeoutAt': '', 'data.timeoutKind': '' } },
      { returnDocument: 'before', projection: { data: 1 } },
    );
    if (doc === null) return false;
    let stored;
    try {
      stored = activityFromData(doc.data, JobName.Activity);
    } catch (error) {
      await this.#owned.finish(JobName.Activity, doc._id, error);
      return true;
    }
    const timeout = stored.timeout;
    if (timeout === undefined) return true;
    try {
      await this.#handlers.timeOutActivity(stored.job, {
        timeout: timeout.kind, deliveries: stored.deliveries, ...(stored.lastHeartbeat === undefined ? {} : { heartbeatDetails: stored.lastHeartbeat }),
      });
    } catch (error) {
      // Not recorded: the deadline is put back, so that the next sweep (here or anywhere) tries again.
      await this.#restore(doc._id, timeout.at, timeout.kind);
      throw error;
    }
    await this.#owned.finish(JobName.Activity, doc._id);
    return true;
  }

  async #restore(id: ObjectId, at: Date, kind: string): Promise<void> {
    await this.#owned.writes.update({ _id: id, lastModifiedBy: this.#owned.owner }, { $set: { 'data.timeoutAt': at, 'data.timeoutKind': kind } }).catch(() => undefined);
  }

  #checkCancels(): void {
    if (this.#checking) return;
    const before = Date.now() - this.#checkAfterMs;
    const ids: ObjectId[] = [];
    const keys = new Map<string, string>();
    for (const [key, running] of this.#running.attempts()) {
      if (!running.stored || running.startedAt > before || running.attempt.signal.aborted) continue;
      ids.push(running.id);
      keys.set(running.id.toHexString(), key);
    }
    if (ids.length === 0) return;
    this.#checking = true;
    void (async () => {
      try {
        const marked = await this.#owned.jobs.find(
          { _id: { $in: ids }, 'data.cancelRequested': { $type: 'string' } },
          { projection: { 'data.cancelRequested': 1 } },
        ).toArray();
        for (const doc of marked) {
          const key = keys.get(doc._id.toHexString());
          const reason = (doc.data as { cancelRequested?: unknown } | undefined)?.cancelRequested;
          if (key !== undefined) this.#running.cancel(key, typeof reason === 'string' ? reason : 'cancelled');
        }
      } catch (error) {
        this.#owned.log(`checking running activities for cancellations failed (the next poll checks again): ${describeError(error)}`);
      } finally {
        this.#checking = false;
      }
    })();
  }
}
