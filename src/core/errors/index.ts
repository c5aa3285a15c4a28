/** Every error Durably throws, each with a stable `code`. */
export { DurableError, type DurableErrorOptions } from '../durable-error.js';
export { DURABLE_ERROR_CODES, type DurableErrorCode } from './error-code.js';
export { InstanceAlreadyExistsError } from './instance-already-exists-error.js';
export { InstanceNotFoundError } from './instance-not-found-error.js';
export { InstanceStateConflictError } from './instance-state-conflict-error.js';
export { InvalidHistoryError } from './invalid-history-error.js';
export { InvalidPayloadError } from './invalid-payload-error.js';
export { LockingRulesViolationError, type LockingRule } from './locking-rules-violation-error.js';
export { NonDeterminismError } from './non-determinism-error.js';
export { NonDurableAwaitError } from './non-durable-await-error.js';
export { PayloadTooLargeError } from './payload-too-large-error.js';
export { RegistrationError } from './registration-error.js';
export { TaskFailedError } from './task-failed-error.js';
export { TimeoutError } from './timeout-error.js';
export { ActivityTimeoutError, type ActivityTimeoutKind } from './activity-timeout-error.js';
export { TaskCanceledError } from './task-canceled-error.js';
export { VersionMismatchError } from './version-mismatch-error.js';
