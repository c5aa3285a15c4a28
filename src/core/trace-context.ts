import { DurableError } from './durable-error.js';

/**
 * A W3C trace context as Durably stores it: where an instance, an activity or an entity operation sits in a
 * distributed trace. Kept in history (ExecutionStarted), on the instance, on activity jobs and entity requests, so that
 * a worker in another process — or after a restart — continues the same trace.
 */
export interface TraceContext {
  /** The W3C `traceparent`: `00-<32 hex trace ID>-<16 hex span ID>-<2 hex flags>`. */
  readonly traceParent: string;
  /** The W3C `tracestate`, when the trace carries one. */
  readonly traceState?: string;
}

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

/** The longest `tracestate` kept (W3C: 32 members of at most 256 characters; in practice a few hundred bytes). */
export const MAX_TRACE_STATE_LENGTH = 512;

/** The parts of a valid `traceparent`, or undefined when it is not one (an all-zero trace or span ID is not). */
export function parseTraceParent(value: string): { readonly traceId: string; readonly spanId: string; readonly flags: number } | undefined {
  const match = TRACE_PARENT.exec(value);
  if (match === null) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/** Formats a `traceparent` (version 00). */
export function formatTraceParent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * A trace context read from outside (an HTTP header, a caller's option): valid, or undefined — a malformed header is
 * ignored, as W3C asks, and an oversized `tracestate` dropped.
 */
export function traceContextFrom(traceParent: unknown, traceState?: unknown): TraceContext | undefined {
  if (typeof traceParent !== 'string' || parseTraceParent(traceParent.trim().toLowerCase()) === undefined) return undefined;
  const state = typeof traceState === 'string' && traceState.length > 0 && traceState.length <= MAX_TRACE_STATE_LENGTH ? traceState : undefined;
  return { traceParent: traceParent.trim().toLowerCase(), ...(state === undefined ? {} : { traceState: state }) };
}

/**
 * Checks a trace context about to be stored: stored as data, never trusted blindly.
 * @throws DurableError (`INVALID_ARGUMENT`) naming `what` when it is not a valid W3C trace context.
 */
export function assertTraceContext(value: unknown, what: string): asserts value is TraceContext {
  const context = value as Partial<TraceContext> | null;
  if (typeof context !== 'object' || context === null || typeof context.traceParent !== 'string' || parseTraceParent(context.traceParent) === undefined) {
    throw new DurableError('INVALID_ARGUMENT', `${what} must hold a W3C traceparent ('00-<32 hex>-<16 hex>-<2 hex>')`);
  }
  if (context.traceState !== undefined && (typeof context.traceState !== 'string' || context.traceState.length > MAX_TRACE_STATE_LENGTH)) {
    throw new DurableError('INVALID_ARGUMENT', `${what}.traceState must be a string of at most ${MAX_TRACE_STATE_LENGTH} characters`);
  }
}
