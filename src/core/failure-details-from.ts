import { types } from 'node:util';
import { TaskFailedError } from './errors/task-failed-error.js';
import type { FailureDetails } from './failure-details.js';

/** How many `innerFailure` levels are kept below the top-level failure; deeper causes are dropped. */
export const MAX_INNER_FAILURE_DEPTH = 10;

// Constructor names that say nothing about the failure; `error.name` is more telling for these
// (e.g. `new Error()` with `name = 'ValidationError'`, or a DOMException named `TimeoutError`/`AbortError`).
const GENERIC_CONSTRUCTORS = new Set(['', 'Error', 'DOMException']);

/**
 * What to persist about a thrown value: never the value itself, but {@link FailureDetails}.
 *
 * - An `Error` (of any realm) gives its class name as `errorType` (its `name` instead when the class is plain `Error`
 *   or `DOMException`), its `message` and `stack`, and its `cause` chain as `innerFailure` — at most
 *   {@link MAX_INNER_FAILURE_DEPTH} levels deep; a cause that repeats an earlier one ends the chain.
 * - A {@link TaskFailedError} keeps its own type and puts the failed task's `failureDetails` as `innerFailure`.
 * - Anything else thrown (a string, an object, `undefined`) becomes `errorType: 'Error'` with a readable message.
 * - `isNonRetriable` is set only when the error has `isNonRetriable === true`.
 *
 * @example
 * ```ts
 * failureDetailsFrom(new TypeError('bad', { cause: new Error('root') }));
 * // { errorType: 'TypeError', errorMessage: 'bad', stackTrace: '...', innerFailure: { errorType: 'Error', errorMessage: 'root', ... } }
 * ```
 */
export function failureDetailsFrom(error: unknown): FailureDetails {
  return detailsOf(error, 0, new Set());
}

function detailsOf(error: unknown, depth: number, seen: Set<unknown>): FailureDetails {
  if (!isError(error)) return { errorType: 'Error', errorMessage: describeThrown(error) };
  seen.add(error);
  const stack: unknown = error.stack;
  let inner: FailureDetails | undefined;
  if (depth < MAX_INNER_FAILURE_DEPTH) {
    if (error instanceof TaskFailedError) inner = truncate(error.failureDetails, MAX_INNER_FAILURE_DEPTH - depth - 1);
    else if (error.cause !== undefined && !seen.has(error.cause)) inner = detailsOf(error.cause, depth + 1, seen);
  }
  return {
    errorType: errorTypeOf(error),
    errorMessage: typeof error.message === 'string' ? error.message : String(error.message),
    // Optional fields are omitted rather than set to undefined: FailureDetails is persisted as is.
    ...(typeof stack === 'string' ? { stackTrace: stack } : {}),
    ...(inner === undefined ? {} : { innerFailure: inner }),
    ...((error as { isNonRetriable?: unknown }).isNonRetriable === true ? { isNonRetriable: true } : {}),
  };
}

/**
 * An `Error` standing for recorded {@link FailureDetails}: `name` is `errorType`, `message` is `errorMessage`, `stack`
 * is `stackTrace` (undefined when none was recorded), `cause` is built from `innerFailure`, and `isNonRetriable` is
 * copied when set. Used to hand a recorded failure to user code such as a retry policy's `handle(error)` predicate.
 * `failureDetailsFrom(errorFromFailureDetails(d))` gives back `d`.
 */
export function errorFromFailureDetails(details: FailureDetails): Error {
  const cause = details.innerFailure === undefined ? undefined : errorFromFailureDetails(details.innerFailure);
  const error = new Error(details.errorMessage, cause === undefined ? undefined : { cause });
  error.name = details.errorType;
  // A stack captured here would point at this function, not at the code that failed.
  error.stack = details.stackTrace;
  if (details.isNonRetriable === true) Object.assign(error, { isNonRetriable: true });
  return error;
}

// `instanceof Error` misses errors from other realms (node core errors under jest's vm, worker threads), and
// isNativeError misses non-native subclasses from those realms (e.g. DOMException): look for any realm's Error.prototype.
function isError(value: unknown): value is Error {
  if (value instanceof Error || types.isNativeError(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  for (let proto: unknown = Object.getPrototypeOf(value), hops = 0; isObject(proto) && hops < 32; proto = Object.getPrototypeOf(proto), hops++) {
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    if (typeof ctor === 'function' && ctor.name === 'Error' && ctor.prototype === proto) return true;
  }
  return false;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function errorTypeOf(error: Error): string {
  const ctor: unknown = (error as { constructor?: unknown }).constructor;
  const ctorName = typeof ctor === 'function' ? ctor.name : '';
  if (GENERIC_CONSTRUCTORS.has(ctorName) && typeof error.name === 'string' && error.name !== '') return error.name;
  return ctorName === '' ? 'Error' : ctorName;
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return safeString(value);
  try {
    return JSON.stringify(value) ?? safeString(value);
  } catch {
    // Circular structures, bigint fields, a throwing toJSON.
    return safeString(value);
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    // Null-prototype objects and throwing toString methods cannot be converted by String().
    return Object.prototype.toString.call(value);
  }
}

function truncate(details: FailureDetails, levels: number): FailureDetails {
  if (details.innerFailure === undefined) return details;
  if (levels <= 0) {
    const { innerFailure: _dropped, ...rest } = details;
    return rest;
  }
  const inner = truncate(details.innerFailure, levels - 1);
  return inner === details.innerFailure ? details : { ...details, innerFailure: inner };
}
