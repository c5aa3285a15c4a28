import { ROOT_CONTEXT, context, createTraceState, isSpanContextValid, propagation, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { formatTraceParent, parseTraceParent, traceContextFrom, MAX_TRACE_STATE_LENGTH, type TraceContext } from '../core/trace-context.js';

/** The OpenTelemetry context whose (remote) parent span is `traceContext`; the root context when there is none. */
export function contextOf(traceContext: TraceContext | undefined): Context {
  const spanContext = spanContextOf(traceContext);
  return spanContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** The span context a stored trace context names, or undefined when there is none (or it is malformed). */
export function spanContextOf(traceContext: TraceContext | undefined): SpanContext | undefined {
  if (traceContext === undefined) return undefined;
  const parts = parseTraceParent(traceContext.traceParent);
  if (parts === undefined) return undefined;
  return {
    traceId: parts.traceId, spanId: parts.spanId, traceFlags: parts.flags, isRemote: true,
    ...(traceContext.traceState === undefined ? {} : { traceState: createTraceState(traceContext.traceState) }),
  };
}

/** What to store of a span (undefined for a span that belongs to no trace: no SDK registered and no parent). */
export function traceContextOf(span: Span | undefined): TraceContext | undefined {
  const spanContext = span?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  const traceState = spanContext.traceState?.serialize();
  return {
    traceParent: formatTraceParent(spanContext.traceId, spanContext.spanId, spanContext.traceFlags),
    ...(traceState === undefined || traceState.length === 0 || traceState.length > MAX_TRACE_STATE_LENGTH ? {} : { traceState }),
  };
}

/** The span active where this is called (an instrumented HTTP server's, the caller's own), as a trace context. */
export function activeTraceContext(): TraceContext | undefined {
  return traceContextOf(trace.getSpan(context.active()));
}

/** Request headers, as Node gives them. */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

const headerGetter = {
  keys: (carrier: IncomingHeaders): string[] => Object.keys(carrier),
  get: (carrier: IncomingHeaders, key: string): string | string[] | undefined => {
    const value = carrier[key.toLowerCase()];
    return typeof value === 'string' ? value : value === undefined ? undefined : [...value];
  },
};

/**
 * The trace an incoming request belongs to: the active span when the app's HTTP instrumentation made one (it already
 * honoured the request's headers), else the headers read with the app's registered propagator, else the W3C
 * `traceparent` / `tracestate` headers themselves (so a caller's trace is honoured even without an SDK-wide
 * propagator). Undefined when the request carries none.
 */
export function incomingTraceContext(headers: IncomingHeaders): TraceContext | undefined {
  const active = activeTraceContext();
  if (active !== undefined) return active;
  const extracted = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers, headerGetter));
  if (extracted !== undefined && isSpanContextValid(extracted)) {
    const traceState = extracted.traceState?.serialize();
    return traceContextFrom(formatTraceParent(extracted.traceId, extracted.spanId, extracted.traceFlags), traceState);
  }
  const first = (value: string | readonly string[] | undefined): string | undefined => (typeof value === 'string' ? value : value?.[0]);
  return traceContextFrom(first(headers['traceparent']), first(headers['tracestate']));
}
