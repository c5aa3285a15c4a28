import { describe, expect, it } from '@jest/globals';
import { HistoryViewBuilder, toHistoryView } from '../../../src/client/history-view.js';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';

/** A history with `n` activities, each returning `resultBytes` of text. */
function history(n: number, resultBytes: number): HistoryEvent[] {
  let builder = new HistoryBuilder({ name: 'Seq', input: 'in' });
  for (let i = 0; i < n; i++) {
    builder = builder.taskScheduled('Step', i).orchestratorCompleted().advance(1_000).orchestratorStarted().taskCompleted(i, 'r'.repeat(resultBytes));
  }
  return builder.build();
}

describe('HistoryViewBuilder', () => {
  it('builds the same view an episode at a time as from the whole history', () => {
    const events = history(5, 10);
    const builder = new HistoryViewBuilder({ showHistoryOutput: true });
    for (let i = 0; i < events.length; i += 3) builder.add(events.slice(i, i + 3));
    expect(builder.rows).toEqual(toHistoryView(events, { showHistoryOutput: true }));
    expect(builder.truncated).toBe(false);
  });

  it('leaves out payloads over maxFieldBytes, flagged, and keeps smaller ones', () => {
    const events = new HistoryBuilder({ name: 'Seq', input: 'in' })
      .taskScheduled('Step', 0).taskScheduled('Step', 1).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0, 'r'.repeat(100)).taskCompleted(1, 'r'.repeat(10))
      .build();
    const view = toHistoryView(events, { showHistoryOutput: true, maxFieldBytes: 50 });
    const completed = view.filter((row) => row.EventType === 'TaskCompleted');
    expect(completed[0]).toMatchObject({ FunctionName: 'Step', ResultOmitted: true });
    expect(completed[0]).not.toHaveProperty('Result');
    expect(completed[1]).toMatchObject({ Result: 'r'.repeat(10) });
    expect(completed[1]).not.toHaveProperty('ResultOmitted');
    expect(view[0]).toMatchObject({ EventType: 'ExecutionStarted', Input: 'in' });
  });

  it('stops before the row that would pass maxBytes, and says so', () => {
    const events = history(50, 100);
    const builder = new HistoryViewBuilder({ showHistoryOutput: true, maxBytes: 2_000 });
    expect(builder.add(events)).toBe(false);
    expect(builder.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(builder.rows))).toBeLessThanOrEqual(2_000);
    const whole = toHistoryView(events, { showHistoryOutput: true });
    expect(builder.rows).toEqual(whole.slice(0, builder.rows.length));
    expect(builder.rows.length).toBeLessThan(whole.length);
    expect(builder.add(events)).toBe(false);
  });

  it('is not truncated when everything fits', () => {
    const builder = new HistoryViewBuilder({ maxBytes: 1_000_000 });
    expect(builder.add(history(3, 10))).toBe(true);
    expect(builder.truncated).toBe(false);
  });
});
