/**
 * What is persisted about an error: never the `Error` object itself (it does not survive serialisation), but its
 * type name, message and stack, plus the cause chain. Shape follows Durable Task's `FailureDetails`.
 */
export interface FailureDetails {
  /** The error's class name, e.g. `TypeError` or `PaymentDeclinedError`. */
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: string;
  /** The error's `cause`, when it had one. */
  readonly innerFailure?: FailureDetails;
  /** True when retrying cannot help (e.g. the activity or orchestrator is not registered). */
  readonly isNonRetriable?: boolean;
}
