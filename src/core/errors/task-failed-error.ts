import { DurableError } from '../durable-error.js';
import type { FailureDetails } from '../failure-details.js';

/**
 * An activity, sub-orchestration or entity operation (`ctx.callEntity`) that an orchestrator awaited has failed. The
 * original error does not survive the durable boundary; what was recorded about it is in
 * {@link TaskFailedError.failureDetails}. Code `TASK_FAILED`.
 *
 * @example
 * ```ts
 * try { await ctx.callActivity(ChargeCard, order); }
 * catch (e) {
 *   if (e instanceof TaskFailedError && e.failureDetails.errorType === 'PaymentDeclinedError') { ... }
 * }
 * ```
 */
export class TaskFailedError extends DurableError {
  /** What the failed task recorded about its error (type, message, stack, cause chain). */
  readonly failureDetails: FailureDetails;
  /** The name of the failed activity or orchestrator, or the operation name of a failed entity call, when known. */
  readonly taskName: string | undefined;
  /** Whether the failed task was an activity, a (sub-)orchestrator or an entity operation, when known. */
  readonly taskKind: 'activity' | 'orchestrator' | 'entity' | undefined;

  constructor(message: string, failureDetails: FailureDetails, options: { taskName?: string; taskKind?: 'activity' | 'orchestrator' | 'entity' } = {}) {
    super('TASK_FAILED', message);
    this.failureDetails = failureDetails;
    this.taskName = options.taskName;
    this.taskKind = options.taskKind;
  }
}
