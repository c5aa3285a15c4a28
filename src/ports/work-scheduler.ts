import type { ActivityTimeoutKind } from '../core/errors/activity-timeout-error.js';
import type { ActivityAttemptLimits, EncodedPayload } from '../history/history-event.js';
import type { TraceContext } from '../core/trace-context.js';

/** Which scheduled action a job is: (instance, execution, sequence) is unique. */
export interface JobRef {
  readonly instanceId: string;
  readonly executionId: string;
  readonly sequence: number;
}

/** One activity execution to run. `sequence` is the orchestrator's action number: (instance, execution, sequence) is unique. */
export interface ActivityJob extends JobRef {
  readonly name: string;
  readonly input: EncodedPayload;
  /** Per-attempt timeouts, enforced by the scheduler (see {@link WorkHandlers.timeOutActivity}). */
  readonly limits?: ActivityAttemptLimits;
  /** The attempt number of the call this job is (1-based; absent: 1), before redeliveries. */
  readonly attempt?: number;
  /** Heartbeat details the previous attempt of the call left. */
  readonly heartbeatDetails?: EncodedPayload;
  /** The span of the execution that scheduled it (tracing on): the attempt's span is its child. */
  readonly traceContext?: TraceContext;
}

/** What the scheduler hands a running activity besides the job: its delivery, its signal, its heartbeat. */
export interface ActivityRunOptions {
  /** Set when this process scheduled the job a moment ago and runs it at once (its instance was live then). */
  readonly justScheduled?: boolean;
  /**
   * Aborted when the attempt must stop: its call was cancelled or its instance terminated (reason: a
   * `TaskCanceledError`), or one of its limits passed (reason: an `ActivityTimeoutError`). The scheduler frees the
   * attempt's slot as soon as the handler returns.
   */
  readonly signal?: AbortSignal;
  /** Heartbeat details an earlier delivery of this job wrote (else undefined: see {@link ActivityJob.heartbeatDetails}). */
  readonly lastHeartbeatDetails?: EncodedPayload;
  /** Records a heartbeat: re-arms the heartbeat timeout, and stores the details (writes throttled). */
  readonly heartbeat?: (details: EncodedPayload) => void;
}

/** An activity attempt whose worker is gone when one of its limits passed: what is known of it. */
export interface TimedOutActivity {
  readonly timeout: Exclude<ActivityTimeoutKind, 'scheduleToClose'>;
  /** Starts of this job so far (its attempt number is `job.attempt + deliveries - 1`). */
  readonly deliveries: number;
  /** The last heartbeat details the job holds. */
  readonly heartbeatDetails?: EncodedPayload;
}

/** One durable timer. */
export interface TimerJob {
  readonly instanceId: string;
  readonly executionId: string;
  readonly sequence: number;
  readonly fireAt: Date;
}

/** Activities started by {@link WorkScheduler.startActivities}. */
export interface StartedActivities {
  /**
   * Stores every job not stored yet — except those whose sequence is in `answered`: their outcomes are recorded by
   * the commit the caller is about to make, so nothing will need their documents — and settles once they are.
   * Rejects if one could not be stored (the chunk must then not be marked dispatched: it is dispatched again).
   */
  stored(answered?: ReadonlySet<number>): Promise<void>;
}

/** What the scheduler calls in a worker process. Each handler records its outcome as an instance message. */
export interface WorkHandlers {
  /**
   * Runs an activity and records its result. `deliveries` counts the starts of this job that did not end, this one
   * included: 1 normally; a worker that crashed, froze or lost the lock mid-run leaves the job to be started again,
   * and the handler fails the task instead of running it past a cap. A scheduler runs every start with `deliveries`
   * ≥ 2 alone in its process (no other activity running beside it), so that a crash it causes is its own. A handler
   * that throws could not record an outcome: the scheduler gives the job back to run again (uncounted).
   * `justScheduled` is set when this process scheduled the job a moment ago and runs it straight away: its
   * instance was live then, so the handler need not look it up first.
   */
  runActivity(job: ActivityJob, deliveries: number, options?: ActivityRunOptions): Promise<void>;
  /**
   * Records that an activity attempt timed out (start-to-close, heartbeat) after the worker running it went away:
   * the scheduler found the job past its deadline, took it over, and finishes it once this resolves. (A live worker
   * aborts its own attempt's signal instead, and its handler records the timeout.)
   */
  timeOutActivity(job: ActivityJob, timedOut: TimedOutActivity): Promise<void>;
  /** Records that a timer fired. */
  fireTimer(job: TimerJob): Promise<void>;
}

/**
 * Runs activities and durable timers as jobs. The Agenda adapter implements it; jobs survive process restarts and
 * are shared by every worker process of a task hub.
 */
/**
 * While the app's change stream drives a started worker ({@link WorkScheduler.setSelfPolling} off), the safety-net
 * polls of each kind come this many poll intervals apart (the app's rotation over instances and the three job polls).
 */
export const DRIVEN_POLL_GAP_INTERVALS = 8;

/** What {@link WorkScheduler.pollJobs} looks for: due activities, timers to arm, timed-out starts of dead workers, or all. */
export type JobPollKind = 'activities' | 'timers' | 'sweep' | 'all';

export interface WorkScheduler {
  /** Starts processing jobs in this process (worker processes only). */
  start(handlers: WorkHandlers): Promise<void>;
  /**
   * Looks for jobs of one kind now (a started worker; else nothing): what its own poll does, asked for by the app
   * while a change stream tells it of new work and it does not poll on its own ({@link WorkScheduler.setSelfPolling}).
   */
  pollJobs(kind: JobPollKind): void;
  /** Whether a started worker polls on its own every poll period (the default) or only when asked. */
  setSelfPolling(on: boolean): void;
  /**
   * A job stored unlocked, due at `runAt` (a notice of the database): picked up when due, unless `storedBy` (its
   * `lastModifiedBy`) is this process, which knows of it already.
   */
  jobDue(job: 'activity' | 'timer', runAt: Date, storedBy?: string): void;
  /** Schedules an activity to run now. Idempotent per (instanceId, executionId, sequence). */
  scheduleActivity(job: ActivityJob): Promise<void>;
  /**
   * Schedules activities to run now, in one go (a fan-out): same as {@link WorkScheduler.scheduleActivity} for each,
   * with fewer round trips. A worker process may run some of them itself at once; the rest wait for any worker.
   * With `mayHaveStarted` (a re-dispatch after a worker died holding the instance: it may have started them held back,
   * with no job document to count the start), a job's first start counts as its second — toward the poison cap and
   * in the attempt number — so that a poison activity still kills at most `maxDeliveries` workers.
   */
  scheduleActivities(jobs: readonly ActivityJob[], options?: { readonly mayHaveStarted?: boolean }): Promise<void>;
  /**
   * Starts activities whose scheduling a history commit of this process just recorded (never scheduled before: not a
   * re-dispatch). A worker process may run them at once, before their jobs are stored — and need not store a job at
   * all if its outcome is recorded first. Until a job is stored, the recorded chunk is what keeps it (its next owner
   * dispatches it again after a crash): before the caller commits another chunk, ends its session or marks this
   * chunk dispatched, it awaits {@link StartedActivities.stored}.
   */
  startActivities(jobs: readonly ActivityJob[]): Promise<StartedActivities>;
  /**
   * Starts every one of `jobs` in this process at once, their documents held back as with
   * {@link WorkScheduler.startActivities} — or none of them (undefined) when this process cannot run them all now.
   * Nothing is written either way. The runtime calls it before the commit that schedules them (see `startEagerly`);
   * a scheduler that cannot run work in-process leaves it out.
   */
  startActivitiesHere?(jobs: readonly ActivityJob[]): Promise<StartedActivities | undefined>;
  /**
   * The runtime is writing to the database in this turn (a history commit): writes the scheduler holds back because
   * nothing waits for them (records of finished jobs, inserts of fresh jobs already running) go now, to share the
   * database's durable flush with it — one fsync for both, not two in a row.
   */
  flushSoon(): void;
  /** Schedules a timer at `fireAt`. Idempotent per (instanceId, executionId, sequence). */
  scheduleTimer(job: TimerJob): Promise<void>;
  /**
   * Deletes the pending jobs of an instance and aborts the signals of its running activities (in this process at
   * once, in other processes at their next check); returns how many jobs were deleted.
   */
  cancelInstanceJobs(instanceId: string): Promise<number>;
  /**
   * The orchestration cancelled this activity: its pending job is deleted, and a running one's signal is aborted
   * wherever it runs (here at once, elsewhere at the worker's next check). Idempotent; a finished job is left alone.
   */
  cancelActivity(activity: JobRef, reason: string): Promise<void>;
  /** The orchestration cancelled this timer: its job is deleted (disarmed here), so it never fires. Idempotent. */
  cancelTimer(timer: JobRef): Promise<void>;
  /**
   * Deletes the records of jobs that finished before `finishedBefore` (retention); returns how many. A deleted job's
   * action could run again if it were scheduled again, so keep them longer than any re-dispatch can be delayed.
   */
  purgeFinishedJobs(finishedBefore: Date): Promise<number>;
  /**
   * Deletes the records of these actions' jobs that finished (a rewind runs the actions again under the same keys);
   * a job still queued or running is left alone, so scheduling the action again is then a no-op. Idempotent.
   */
  forgetFinishedJobs(refs: readonly JobRef[]): Promise<void>;
  /** Stops processing: lets running jobs finish (up to a grace period), releases locks, leaves no timers or handles. */
  stop(): Promise<void>;
}
