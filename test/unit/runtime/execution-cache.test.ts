import { describe, expect, it } from '@jest/globals';
import { HistoryEventType } from '../../../src/history/history-event.js';
import { HistoryView } from '../../../src/planner/history-view.js';
import { ExecutionCache, type CachedExecution } from '../../../src/runtime/execution-cache.js';

const T0 = new Date('2026-01-01T00:00:00Z');

function entry(instanceId: string, payloadChars = 0): CachedExecution {
  const view = HistoryView.fromChunks([{
    firstEventIndex: 0, consumedMessageIds: [], undispatched: false,
    events: [{ type: HistoryEventType.EventRaised, eventId: -1, timestamp: T0, name: 'e', input: 'x'.repeat(payloadChars) }],
  }]);
  return { instanceId, executionId: `${instanceId}-e`, view, execution: undefined, inboxHoldsDeferred: false };
}

describe('ExecutionCache', () => {
  it('hands an entry out once (checked out while a session uses it) and takes it back', () => {
    const cache = new ExecutionCache({ maxInstances: 10, maxBytes: 1e9 });
    cache.put(entry('a'));
    expect(cache.holds('a', 'a-e')).toBe(true);
    expect(cache.holds('a', 'other')).toBe(false);
    expect(cache.take('a')?.instanceId).toBe('a');
    expect(cache.take('a')).toBeUndefined();
    expect(cache.holds('a', 'a-e')).toBe(false);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('drops the least recently used entries beyond the instance bound', () => {
    const cache = new ExecutionCache({ maxInstances: 2, maxBytes: 1e9 });
    cache.put(entry('a'));
    cache.put(entry('b'));
    cache.put(entry(('a')));
    cache.put(entry('c'));
    expect(cache.size).toBe(2);
    expect(cache.holds('b', 'b-e')).toBe(false);
    expect(cache.holds('a', 'a-e')).toBe(true);
    expect(cache.holds('c', 'c-e')).toBe(true);
  });

  it('keeps within its byte bound, and never keeps an entry larger than the bound', () => {
    const one = entry('a', 1_000).view.approximateBytes;
    const cache = new ExecutionCache({ maxInstances: 100, maxBytes: 2 * one + 10 });
    cache.put(entry('a', 1_000));
    cache.put(entry('b', 1_000));
    cache.put(entry('c', 1_000));
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(2 * one + 10);
    expect(cache.holds('a', 'a-e')).toBe(false);
    cache.put(entry('huge', 10_000));
    expect(cache.holds('huge', 'huge-e')).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('keeps nothing when turned off', () => {
    const cache = new ExecutionCache({ maxInstances: 0, maxBytes: 1e9 });
    cache.put(entry('a'));
    expect(cache.size).toBe(0);
  });
});
