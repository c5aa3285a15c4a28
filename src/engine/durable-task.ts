/**
 * A unit of durable work an orchestrator awaits (or yields): an activity, a sub-orchestration, a timer, an external
 * event, or a composite of those. Its result comes from history, so awaiting it is deterministic under replay.
 */
export interface DurableTask<T> extends PromiseLike<T> {
  /** True once the task has a result or an error (in history). */
  readonly isCompleted: boolean;
  /** True when the task completed with an error. */
  readonly isFaulted: boolean;
  /** The result, once completed successfully. */
  readonly result: T | undefined;
}

/** A durable timer; `cancel()` stops it from ever waking the orchestrator. */
export interface TimerTask extends DurableTask<void> {
  readonly fireAt: Date;
  readonly isCancelled: boolean;
  cancel(): void;
}

/**
 * An activity call. `cancel()` gives it up: the task fails at once with `TaskCanceledError`, the activity's
 * `ctx.signal` is aborted wherever it runs (a pending job is removed), a retry is not attempted, and a result that
 * still comes is not recorded. Cancelling a completed task does nothing.
 */
export interface ActivityTask<T> extends DurableTask<T> {
  /** True once `cancel()` (or a schedule-to-close timeout) gave the call up before it completed. */
  readonly isCancelled: boolean;
  cancel(): void;
}

/** The result type of a task. */
export type TaskResult<T> = T extends DurableTask<infer R> ? R : never;
