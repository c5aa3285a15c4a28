// What a rewind undoes (src/history/rewound-history.ts): the failed ending, and the failures after the code's last
// action — never a result, nor a failure the code went on from.
import { describe, expect, it } from '@jest/globals';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import { rewoundEvents, withoutRewound } from '../../../src/history/rewound-history.js';

const t = new Date(0);
const scheduled = (seq: number): HistoryEvent => ({ type: 'TaskScheduled', eventId: seq, timestamp: t, name: 'Step', input: undefined });
const completed = (seq: number): HistoryEvent => ({ type: 'TaskCompleted', eventId: -1, timestamp: t, taskScheduledId: seq, result: undefined });
const failed = (seq: number): HistoryEvent => ({ type: 'TaskFailed', eventId: -1, timestamp: t, taskScheduledId: seq, failureDetails: { errorType: 'Error', errorMessage: 'no' } });
const ended = (status: 'Failed' | 'Completed'): HistoryEvent => ({ type: 'ExecutionCompleted', eventId: -1, timestamp: t, orchestrationStatus: status });
const rewound: HistoryEvent = { type: 'ExecutionRewound', eventId: -1, timestamp: t, reason: 'again' };

describe('rewoundEvents', () => {
  it('undoes the failed ending and the failures after the last action, keeping results', () => {
    const events = [scheduled(0), completed(0), scheduled(1), scheduled(2), completed(2), failed(1), ended('Failed'), rewound];
    expect([...rewoundEvents(events)].sort()).toEqual([5, 6]);
    expect(withoutRewound(events)).toEqual([scheduled(0), completed(0), scheduled(1), scheduled(2), completed(2), rewound]);
  });

  it('keeps a failure the code went on from (caught, or retried), and undoes the last attempt only', () => {
    const events = [scheduled(0), failed(0), scheduled(1), failed(1), ended('Failed'), rewound];
    expect([...rewoundEvents(events)].sort()).toEqual([3, 4]);
  });

  it('undoes only the ending when the code failed on its own', () => {
    expect([...rewoundEvents([scheduled(0), completed(0), ended('Failed'), rewound])]).toEqual([2]);
  });

  it('undoes nothing for a rewind that follows no failed ending, and leaves histories without a rewind as they are', () => {
    expect(rewoundEvents([scheduled(0), completed(0), ended('Completed'), rewound]).size).toBe(0);
    const plain = [scheduled(0), failed(0), ended('Failed')];
    expect(withoutRewound(plain)).toBe(plain);
  });

  it('applies each rewind to what the earlier ones left', () => {
    const events = [scheduled(0), failed(0), ended('Failed'), rewound, failed(0), ended('Failed'), rewound, completed(0), ended('Completed')];
    expect([...rewoundEvents(events)].sort((a, b) => a - b)).toEqual([1, 2, 4, 5]);
  });
});
