/**
 * How a failed activity or sub-orchestration is retried. Field names follow Durable Functions. Waits between attempts
 * are durable timers recorded in history, never in-memory sleeps.
 */
export interface RetryOptions {
  /** Delay before the first retry, in milliseconds (> 0). */
  readonly firstRetryIntervalInMilliseconds: number;
  /** Total number of attempts, the first included (>= 1). */
  readonly maxNumberOfAttempts: number;
  /** Multiplier applied to the delay after each retry. Default 1. */
  readonly backoffCoefficient?: number;
  /** Upper bound of a single delay, in milliseconds. Default: unbounded. */
  readonly maxRetryIntervalInMilliseconds?: number;
  /** Give up once this much time has passed since the first attempt, in milliseconds. Default: unbounded. */
  readonly retryTimeoutInMilliseconds?: number;
  /** Decides, per failure, whether to retry at all. Must be deterministic. Default: always. */
  readonly handle?: (error: Error) => boolean;
}
