import { describe, expect, it } from '@jest/globals';
import { toHistoryView } from '../../../src/client/history-view.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { EntityId } from '../../../src/core/entity-id.js';

describe('toHistoryView', () => {
  it('folds timers, like activities, into one row with the time they were created', () => {
    const history = new HistoryBuilder({ name: 'Waiter' })
      .timerCreated(new Date(Date.UTC(2026, 0, 1, 0, 1)))
      .orchestratorCompleted()
      .advance(60_000).orchestratorStarted().timerFired(0)
      .build();
    const view = toHistoryView(history);
    const fired = view.find((row) => row.EventType === 'TimerFired');
    const created = history.find((e) => e.type === 'TimerCreated');
    expect(fired).toMatchObject({ ScheduledTime: created?.timestamp.toISOString(), FireAt: '2026-01-01T00:01:00.000Z' });
    expect(view.some((row) => row.EventType === 'TimerCreated')).toBe(false);
  });

  it('folds entity calls into their results (operation, entity, scheduled time); signals are rows of their own', () => {
    const counter = new EntityId('Counter', 'c1');
    const history = new HistoryBuilder({ name: 'Caller' })
      .entityOperationCalled(counter, 'add', 1)
      .entityOperationSignaled(counter, 'reset')
      .orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(0, 1)
      .build();
    const view = toHistoryView(history, { showHistoryOutput: true });
    expect(view.find((row) => row.EventType === 'EntityOperationCompleted')).toMatchObject({ FunctionName: 'add', InstanceId: '@counter@c1', Result: 1 });
    expect(view.find((row) => row.EventType === 'EntityOperationCompleted')?.ScheduledTime).toBeDefined();
    expect(view.find((row) => row.EventType === 'EntityOperationSignaled')).toMatchObject({ Name: 'reset', InstanceId: '@counter@c1' });
    expect(view.some((row) => row.EventType === 'EntityOperationCalled')).toBe(false);
  });
});
