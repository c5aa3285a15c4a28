import { DurableError } from '../../core/durable-error.js';
import type { RuntimeStatus } from '../../ports/instance-store.js';

/** Task hub names: they prefix collection names, so only characters that are safe in every namespace. */
const TASK_HUB_PATTERN = /^[A-Za-z0-9_-]{1,50}$/;

const RUNTIME_STATUSES: ReadonlySet<string> = new Set<RuntimeStatus>([
  'Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Canceled', 'Terminated', 'Suspended',
]);

/**
 * Checks a task hub name (`<taskHub>.instances` etc. must be valid, distinct collection names).
 * @throws DurableError with code `INVALID_TASK_HUB`.
 */
export function assertValidTaskHub(taskHub: unknown): asserts taskHub is string {
  if (typeof taskHub !== 'string' || !TASK_HUB_PATTERN.test(taskHub)) {
    throw new DurableError(
      'INVALID_TASK_HUB',
      `Invalid task hub name ${JSON.stringify(taskHub)}: use 1 to 50 letters, digits, '-' or '_' ` +
        "(it prefixes the collection names, e.g. 'MyApp' → 'MyApp.instances').",
    );
  }
}

/**
 * Checks an identifier the store uses as a key (instance, execution, message, worker IDs). User data reaches MongoDB
 * only as values compared for equality: a non-string (an object such as `{ $ne: null }`) would turn into a query
 * operator, and NUL separates the parts of history `_id`s.
 * @throws DurableError with code `INVALID_ARGUMENT`.
 */
export function assertKey(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new DurableError('INVALID_ARGUMENT', `${what} must be a string, got ${value === null ? 'null' : typeof value}.`);
  }
  if (value.length === 0) throw new DurableError('INVALID_ARGUMENT', `${what} must not be empty.`);
  if (value.includes('\u0000')) throw new DurableError('INVALID_ARGUMENT', `${what} must not contain the NUL character.`);
}

/** @throws DurableError with code `INVALID_ARGUMENT` unless `value` is a valid `Date`. */
export function assertDate(value: unknown, what: string): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new DurableError('INVALID_ARGUMENT', `${what} must be a valid Date.`);
  }
}

/** @throws DurableError with code `INVALID_ARGUMENT` unless `value` is a string or undefined (codec output). */
export function assertPayload(value: unknown, what: string): asserts value is string | undefined {
  if (value !== undefined && typeof value !== 'string') {
    throw new DurableError('INVALID_ARGUMENT', `${what} must be an encoded payload (a string) or undefined, got ${value === null ? 'null' : typeof value}.`);
  }
}

/** @throws DurableError with code `INVALID_ARGUMENT` unless `value` is an integer ≥ `min`. */
export function assertInteger(value: unknown, what: string, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new DurableError('INVALID_ARGUMENT', `${what} must be an integer >= ${min}, got ${String(value)}.`);
  }
}

/** @throws DurableError with code `INVALID_ARGUMENT` unless `value` is one of Durable Functions' runtime statuses. */
export function assertRuntimeStatus(value: unknown, what: string): asserts value is RuntimeStatus {
  if (typeof value !== 'string' || !RUNTIME_STATUSES.has(value)) {
    throw new DurableError('INVALID_ARGUMENT', `${what} must be one of ${[...RUNTIME_STATUSES].join(', ')}; got ${JSON.stringify(value)}.`);
  }
}
