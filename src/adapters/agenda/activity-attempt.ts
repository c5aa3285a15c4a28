import type { ObjectId } from '@agendajs/mongo-backend';
import { ActivityTimeoutError } from '../../core/errors/activity-timeout-error.js';
import { TaskCanceledError } from '../../core/errors/task-canceled-error.js';
import type { EncodedPayload } from '../../history/history-event.js';
import type { ActivityJob, ActivityRunOptions } from '../../ports/work-scheduler.js';
import { activityJobData, type ActivityJobData } from './agenda-job-data.js';
import type { HeldJobInsert } from './held-job-insert.js';
import { describeError } from './job-failure.js';
import type { OwnedJobs } from './owned-jobs.js';

/** Heartbeat writes without a heartbeat timeout: at most one per this interval (Temporal's default throttle). */
export const DEFAULT_HEARTBEAT_THROTTLE_MS = 30_000;

/**
 * How long after the running worker's own deadline another worker may call a start timed out: the worker that runs
 * it enforces the exact deadline itself; the stored one only matters once that worker is gone.
 */
export function timeoutGraceMs(limitMs: number): number {
  return Math.min(limitMs, 1_000);
}

/** The stored deadline fields of a start: when another worker may time it out, and which limit that is. */
export interface StoredDeadline {
  readonly 'data.timeoutAt': Date;
  readonly 'data.timeoutKind': 'startToClose' | 'heartbeat';
}

/**
 * One start of an activity job in this process: its abort signal, its limits and its heartbeats.
 *
 * - **Limits, here.** A start-to-close timer and a heartbeat timer (re-armed by every heartbeat) abort the signal
 *   with an {@link ActivityTimeoutError}; the handler then records the timeout and returns, freeing the slot.
 * - **Limits, if this worker dies.** The job document holds the deadline (plus a grace), moved on by each heartbeat
 *   write: any worker's poll finds a start past it and times it out (see ActivityRunner).
 * - **Heartbeats.** Details are kept in memory at once and written at most once per throttle interval (80% of the
 *   heartbeat timeout, else {@link DEFAULT_HEARTBEAT_THROTTLE_MS}): the last write of an interval trails it.
 * - **Cancellation.** {@link ActivityAttempt.cancel} aborts the signal with a {@link TaskCanceledError}.
 */
export class ActivityAttempt {
  readonly #controller = new AbortController();
  readonly #job: ActivityJob;
  readonly #id: ObjectId;
  readonly #owned: OwnedJobs;
  readonly #held: HeldJobInsert | undefined;
  readonly #lastHeartbeat: string | undefined;
  readonly #throttleMs: number;
  readonly #startedAt: number;
  #startToClose: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #trailingWrite: NodeJS.Timeout | undefined;
  #lastWriteAt = 0;
  #latest: EncodedPayload;
  #writes: Promise<void> = Promise.resolve();
  #stopped = false;

  /**
   * `startedAt`: when the start began (epoch ms; the stored deadline was computed from it, see
   * {@link ActivityAttempt.deadlineAt}). `lastHeartbeat`: the details an earlier start of the job wrote.
   */
  constructor(job: ActivityJob, id: ObjectId, owned: OwnedJobs, startedAt: number, lastHeartbeat: string | undefined, held?: HeldJobInsert) {
    this.#startedAt = startedAt;
    this.#job = job;
    this.#id = id;
    this.#owned = owned;
    this.#held = held;
    this.#lastHeartbeat = lastHeartbeat;
    const heartbeatMs = job.limits?.heartbeatTimeoutMs;
    this.#throttleMs = heartbeatMs === undefined ? DEFAULT_HEARTBEAT_THROTTLE_MS : Math.max(1, Math.floor(heartbeatMs * 0.8));
    const startToCloseMs = job.limits?.startToCloseTimeoutMs;
    if (startToCloseMs !== undefined) {
      this.#startToClose = setTimeout(() => this.#abort(new ActivityTimeoutError('startToClose', job.name, startToCloseMs)), startToCloseMs);
    }
    this.#armHeartbeatTimeout();
  }

  /**
   * The stored deadline of a start of `job` that began at `startedAt` and last heartbeat (or began) at `heartbeatAt`
   * (undefined: the job has no limits).
   */
  static deadlineAt(job: ActivityJob, startedAt: number, heartbeatAt = startedAt): StoredDeadline | undefined {
    const startToClose = job.limits?.startToCloseTimeoutMs;
    const heartbeat = job.limits?.heartbeatTimeoutMs;
    const candidates: { at: number; kind: 'startToClose' | 'heartbeat' }[] = [];
    if (startToClose !== undefined) candidates.push({ at: startedAt + startToClose + timeoutGraceMs(startToClose), kind: 'startToClose' });
    if (heartbeat !== undefined) candidates.push({ at: heartbeatAt + heartbeat + timeoutGraceMs(heartbeat), kind: 'heartbeat' });
    const first = candidates.sort((a, b) => a.at - b.at)[0];
    return first === undefined ? undefined : { 'data.timeoutAt': new Date(first.at), 'data.timeoutKind': first.kind };
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** What the handler gets besides the job. */
  options(justScheduled: boolean): ActivityRunOptions {
    return {
      justScheduled,
      signal: this.#controller.signal,
      ...(this.#lastHeartbeat === undefined ? {} : { lastHeartbeatDetails: this.#lastHeartbeat }),
      heartbeat: (details) => this.#heartbeat(details),
    };
  }

  /** The orchestration cancelled the activity (or its instance was terminated). */
  cancel(reason: string): void {
    this.#abort(new TaskCanceledError(`Activity '${this.#job.name}' was ${reason}.`));
  }

  /** The start ended: disarms the timers; resolves once a heartbeat write in flight has landed. */
  stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#startToClose);
    clearTimeout(this.#heartbeatTimer);
    clearTimeout(this.#trailingWrite);
    return this.#writes;
  }

  #abort(reason: Error): void {
    if (this.#controller.signal.aborted) return;
    clearTimeout(this.#startToClose);
    clearTimeout(this.#heartbeatTimer);
    this.#controller.abort(reason);
  }

  #armHeartbeatTimeout(): void {
    const heartbeatMs = this.#job.limits?.heartbeatTimeoutMs;
    if (heartbeatMs === undefined || this.#controller.signal.aborted) return;
    clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = setTimeout(() => this.#abort(new ActivityTimeoutError('heartbeat', this.#job.name, heartbeatMs)), heartbeatMs);
  }

  #heartbeat(details: EncodedPayload): void {
    if (this.#stopped || this.#controller.signal.aborted) return;
    this.#latest = details;
    this.#armHeartbeatTimeout();
    if (this.#trailingWrite !== undefined) return;
    const wait = this.#lastWriteAt + this.#throttleMs - Date.now();
    if (wait <= 0) this.#write();
    else this.#trailingWrite = setTimeout(() => this.#write(), wait);
  }

  #write(): void {
    this.#trailingWrite = undefined;
    if (this.#stopped) return;
    this.#lastWriteAt = Date.now();
    const details = this.#latest;
    // The heartbeat deadline moves on; a start-to-close one stays where the start put it.
    const deadline = this.#job.limits?.heartbeatTimeoutMs === undefined ? undefined : ActivityAttempt.deadlineAt(this.#job, this.#startedAt, this.#lastWriteAt);
    this.#writes = this.#writes.then(async () => {
      // A job running before its document is written (see HeldJobInsert) is stored first.
      await this.#held?.store();
      await this.#owned.writes.update(
        { _id: this.#id, lastModifiedBy: this.#owned.owner, lockedAt: { $ne: null } },
        { $set: { 'data.lastHeartbeat': details, ...deadline } },
      );
    }).catch((error: unknown) => {
      this.#owned.log(`could not record a heartbeat of activity '${this.#job.name}' (instance '${this.#job.instanceId}'): ${describeError(error)}`);
    });
  }
}

/** The data of a job inserted locked by the worker that runs it from `startedAt`: counted, with its deadline. */
export function startedHere(job: ActivityJob, startedAt: number): ActivityJobData {
  const deadline = ActivityAttempt.deadlineAt(job, startedAt);
  return {
    ...activityJobData(job), deliveries: 1,
    ...(deadline === undefined ? {} : { timeoutAt: deadline['data.timeoutAt'], timeoutKind: deadline['data.timeoutKind'] }),
  };
}
