import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { assertTraceContext, formatTraceParent, parseTraceParent, traceContextFrom } from '../../../src/core/trace-context.js';

const VALID = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('W3C trace contexts', () => {
  it('parses and formats a traceparent', () => {
    expect(parseTraceParent(VALID)).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', flags: 1 });
    expect(formatTraceParent('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 1)).toBe(VALID);
  });

  it.each([
    ['an all-zero trace ID', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['an all-zero span ID', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['another version', '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['a short span ID', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01'],
    ['upper-case hex', '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01'],
  ])('refuses %s', (_what, value) => {
    expect(parseTraceParent(value)).toBeUndefined();
  });

  it('reads an incoming header leniently: trimmed and lower-cased, an oversized tracestate dropped, garbage ignored', () => {
    expect(traceContextFrom(` ${VALID.toUpperCase()} `, 'a=b')).toEqual({ traceParent: VALID, traceState: 'a=b' });
    expect(traceContextFrom(VALID, 'x'.repeat(513))).toEqual({ traceParent: VALID });
    expect(traceContextFrom('garbage')).toBeUndefined();
    expect(traceContextFrom(42)).toBeUndefined();
  });

  it('refuses to store anything but a valid trace context, naming the argument', () => {
    expect(() => assertTraceContext({ traceParent: VALID, traceState: 'a=b' }, 'traceContext')).not.toThrow();
    expect(() => assertTraceContext({ traceParent: 'nope' }, 'startNew: parentTrace')).toThrow(/startNew: parentTrace must hold a W3C traceparent/);
    expect(() => assertTraceContext({ traceParent: VALID, traceState: 'x'.repeat(600) }, 'traceContext')).toThrow(DurableError);
    expect(() => assertTraceContext('00-…', 'traceContext')).toThrow(DurableError);
  });
});
