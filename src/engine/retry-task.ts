import { DurableError } from '../core/durable-error.js';
import { errorFromFailureDetails } from '../core/failure-details-from.js';
import { TaskCanceledError } from '../core/errors/task-canceled-error.js';
import { TaskFailedError } from '../core/errors/task-failed-error.js';
import { CompletableTask, type TaskObserver } from './completable-task.js';
import type { RetryOptions } from './retry-options.js';

/** What a retrying task needs from the executor. */
export interface RetryHost {
  readonly observer: TaskObserver;
  readonly currentUtcDateTime: Date;
  createTimer(fireAt: Date): CompletableTask<void>;
}

/** Checks RetryOptions at the call site, so a bad policy fails where it is written. */
export function validateRetryOptions(retry: RetryOptions): void {
  const positive = (value: number | undefined, field: string, min: number): void => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < min)) {
      throw new DurableError('INVALID_RETRY_OPTIONS', `RetryOptions.${field} must be a finite number >= ${min}, got ${String(value)}`);
    }
  };
  if (retry === null || typeof retry !== 'object') throw new DurableError('INVALID_RETRY_OPTIONS', 'RetryOptions must be an object');
  positive(retry.firstRetryIntervalInMilliseconds, 'firstRetryIntervalInMilliseconds', 1);
  if (retry.firstRetryIntervalInMilliseconds === undefined) positive(Number.NaN, 'firstRetryIntervalInMilliseconds', 1);
  positive(retry.maxNumberOfAttempts, 'maxNumberOfAttempts', 1);
  if (retry.maxNumberOfAttempts === undefined) positive(Number.NaN, 'maxNumberOfAttempts', 1);
  positive(retry.backoffCoefficient, 'backoffCoefficient', 1);
  positive(retry.maxRetryIntervalInMilliseconds, 'maxRetryIntervalInMilliseconds', 0);
  positive(retry.retryTimeoutInMilliseconds, 'retryTimeoutInMilliseconds', 0);
  if (retry.handle !== undefined && typeof retry.handle !== 'function') {
    throw new DurableError('INVALID_RETRY_OPTIONS', 'RetryOptions.handle must be a function');
  }
}

/** Delay before retry number `retry` (1-based), Durable Functions' formula. */
export function retryDelay(options: RetryOptions, retry: number): number {
  const delay = options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** (retry - 1);
  return Math.min(delay, options.maxRetryIntervalInMilliseconds ?? Number.POSITIVE_INFINITY);
}

/**
 * Runs `attempt` until it succeeds or the policy gives up; `attempt` gets the attempt number (1-based) and the
 * previous, failed attempt. Waits are durable timers created while the failure event is replayed, so every replay
 * takes the same decisions at the same action sequence numbers; `onWait` is told of each (to cancel it). A cancelled
 * attempt (`TaskCanceledError`) is not retried.
 */
export function withRetry<T, A extends CompletableTask<T> = CompletableTask<T>>(
  host: RetryHost, options: RetryOptions, attempt: (attempt: number, previous: A | undefined) => A, onWait?: (timer: CompletableTask<void>) => void,
): CompletableTask<T> {
  const result = new CompletableTask<T>(host.observer);
  const firstAttemptAt = host.currentUtcDateTime.getTime();
  let attempts = 0;
  let previous: A | undefined;
  const run = (): void => {
    attempts++;
    const current = attempt(attempts, previous);
    previous = current;
    current.onSettled((task) => {
      if (!task.isFaulted) {
        result.complete(task.result as T);
        return;
      }
      const error = task.error;
      if (attempts >= options.maxNumberOfAttempts || error instanceof TaskCanceledError || (error instanceof TaskFailedError && error.failureDetails.isNonRetriable)) {
        result.fail(error);
        return;
      }
      if (options.handle !== undefined) {
        let retry: boolean;
        try {
          const handled = error instanceof TaskFailedError ? error : errorFromFailureDetails({ errorType: 'Error', errorMessage: String(error) });
          retry = options.handle(handled);
        } catch (handlerError) {
          result.fail(handlerError);
          return;
        }
        if (!retry) {
          result.fail(error);
          return;
        }
      }
      const now = host.currentUtcDateTime.getTime();
      const delay = retryDelay(options, attempts);
      if (options.retryTimeoutInMilliseconds !== undefined && now + delay - firstAttemptAt > options.retryTimeoutInMilliseconds) {
        result.fail(error);
        return;
      }
      const wait = host.createTimer(new Date(now + delay));
      onWait?.(wait);
      wait.onSettled(run);
    });
  };
  run();
  return result;
}
