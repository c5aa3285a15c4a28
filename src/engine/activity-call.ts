import { ActivityTimeoutError } from '../core/errors/activity-timeout-error.js';
import { TaskCanceledError } from '../core/errors/task-canceled-error.js';
import { TaskFailedError } from '../core/errors/task-failed-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import type { ActivityAttemptLimits, EncodedPayload } from '../history/history-event.js';
import type { ActivityAttemptTask } from './activity-attempt-task.js';
import { CompletableTask } from './completable-task.js';
import type { ActivityTask } from './durable-task.js';
import { withRetry, type RetryHost } from './retry-task.js';
import type { RetryOptions } from './retry-options.js';
import type { DurableTimerTask } from './timer-task.js';

/** How one attempt is scheduled: its limits, its number, and what the previous attempt left. */
export interface ActivityAttemptOptions {
  readonly limits?: ActivityAttemptLimits;
  readonly attempt?: number;
  readonly heartbeatDetails?: EncodedPayload;
}

/** What an activity call needs from the execution. */
export interface ActivityCallHost extends RetryHost {
  scheduleActivity(name: string, input: EncodedPayload, options?: ActivityAttemptOptions): ActivityAttemptTask<unknown>;
  createTimer(fireAt: Date): DurableTimerTask;
}

/** The resolved policy of one call: per-call options over the activity's defaults, checked. */
export interface ActivityCallPolicy {
  readonly retry?: RetryOptions;
  readonly limits?: ActivityAttemptLimits;
  readonly scheduleToCloseTimeoutMs?: number;
}

/** Something in flight that giving up the call cancels: the current attempt, or the wait before the next one. */
interface InFlight {
  readonly isCompleted: boolean;
  cancel(): void;
}

/**
 * An activity call with a retry policy or a schedule-to-close timeout: the task the code awaits, over the attempts
 * (and the waits between them) it is made of. Giving it up — `cancel()`, or its schedule-to-close deadline firing
 * first — cancels what is in flight, so nothing further is scheduled and the running attempt's signal is aborted.
 */
class ActivityCallTask extends CompletableTask<unknown> implements ActivityTask<unknown> {
  #cancelled = false;
  #inFlight: InFlight | undefined;

  constructor(host: ActivityCallHost, readonly activityName: string) {
    super(host.observer);
  }

  get isCancelled(): boolean {
    return this.#cancelled;
  }

  /** The attempt or wait now in flight. */
  track(inFlight: InFlight): void {
    this.#inFlight = inFlight;
  }

  /** The schedule-to-close timer; cancelled once the call settles. */
  setDeadline(timer: DurableTimerTask): void {
    this.onSettled(() => timer.cancel());
  }

  cancel(): void {
    if (this.isCompleted) return;
    this.#cancelled = true;
    this.fail(new TaskCanceledError(`Activity '${this.activityName}' was cancelled by the orchestration.`));
    this.giveUp('cancelled by the orchestration');
  }

  /** Cancels what is in flight (the reason is recorded with an attempt's cancellation). */
  giveUp(reason: string): void {
    const inFlight = this.#inFlight;
    this.#inFlight = undefined;
    if (inFlight === undefined || inFlight.isCompleted) return;
    if (isAttempt(inFlight)) inFlight.cancelWith(reason);
    else inFlight.cancel();
  }
}

function isAttempt(inFlight: InFlight): inFlight is ActivityAttemptTask<unknown> {
  return 'cancelWith' in inFlight;
}

/**
 * Schedules an activity call under `policy`. A plain call (no retry, no schedule-to-close) is its one attempt; any
 * other is an {@link ActivityCallTask} over its attempts. Each attempt carries the limits, its number, and the
 * heartbeat details the previous one left (so a retried long job resumes where it was).
 */
export function scheduleActivityCall(host: ActivityCallHost, name: string, input: EncodedPayload, policy: ActivityCallPolicy): ActivityTask<unknown> {
  const limits = policy.limits === undefined ? {} : { limits: policy.limits };
  if (policy.retry === undefined && policy.scheduleToCloseTimeoutMs === undefined) return host.scheduleActivity(name, input, limits);
  const call = new ActivityCallTask(host, name);
  const attempt = (number: number, previous: ActivityAttemptTask<unknown> | undefined): ActivityAttemptTask<unknown> => {
    const details = previous?.heartbeatDetails;
    const task = host.scheduleActivity(name, input, { ...limits, attempt: number, ...(details === undefined ? {} : { heartbeatDetails: details }) });
    call.track(task);
    return task;
  };
  const inner = policy.retry === undefined ? attempt(1, undefined) : withRetry(host, policy.retry, attempt, (wait) => call.track(wait as DurableTimerTask));
  inner.onSettled((task) => {
    if (task.isFaulted) call.fail(task.error);
    else call.complete(task.result);
  });
  const scheduleToClose = policy.scheduleToCloseTimeoutMs;
  if (scheduleToClose !== undefined && !call.isCompleted) {
    const deadline = host.createTimer(new Date(host.currentUtcDateTime.getTime() + scheduleToClose));
    call.setDeadline(deadline);
    deadline.onSettled(() => {
      if (call.isCompleted) return;
      const timeout = new ActivityTimeoutError('scheduleToClose', name, scheduleToClose);
      const failureDetails = { ...failureDetailsFrom(timeout), isNonRetriable: true };
      call.fail(new TaskFailedError(`Activity '${name}' failed: ${timeout.message}`, failureDetails, { taskName: name, taskKind: 'activity' }));
      call.giveUp('given up: schedule-to-close timeout');
    });
  }
  return call;
}
