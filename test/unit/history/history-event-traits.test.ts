// The traits of each history event type, which the planner, the engine and the parser read instead of listing types.
import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { assertNever } from '../../../src/history/assert-never.js';
import { handleEvent, type HistoryEventHandlers } from '../../../src/history/history-event-handlers.js';
import {
  DATE_FIELDS, HISTORY_EVENT_TRAITS, answeredSequence, expectsAnswer, isAnswerable, recordedAction, requiredDateFields, roleOf,
} from '../../../src/history/history-event-traits.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { OrchestratorActionType } from '../../../src/history/orchestrator-action.js';

const timestamp = new Date('2030-01-01T00:00:00Z');
const typesWith = (role: string): string[] =>
  Object.entries(HISTORY_EVENT_TRAITS).filter(([, traits]) => traits.role === role).map(([type]) => type).sort();

function internalError(run: () => unknown): DurableError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DurableError);
    expect((error as DurableError).code).toBe('INTERNAL_ERROR');
    return error as DurableError;
  }
  throw new Error('did not throw');
}

describe('HISTORY_EVENT_TRAITS', () => {
  it('has an entry for every HistoryEventType, and nothing else', () => {
    expect(Object.keys(HISTORY_EVENT_TRAITS).sort()).toEqual(Object.values(HistoryEventType).sort());
  });

  it('gives each type the role the engine and the planner relied on', () => {
    expect(typesWith('answers')).toEqual([
      'EntityLockGranted', 'EntityOperationCompleted', 'EntityOperationFailed', 'SubOrchestrationInstanceCompleted',
      'SubOrchestrationInstanceFailed', 'TaskCompleted', 'TaskFailed', 'TimerFired',
    ]);
    expect(typesWith('records')).toEqual([
      'EntityLockRequested', 'EntityOperationCalled', 'EntityOperationSignaled', 'EntityUnlockSent', 'EventSent',
      'SubOrchestrationInstanceCreated', 'TaskScheduled', 'TimerCreated',
    ]);
    expect(typesWith('input')).toEqual(['EventRaised']);
    expect(typesWith('inbox')).toEqual(['EntityLockRequest', 'EntityRequest', 'EntityUnlock']);
    expect(typesWith('note')).toEqual(['GenericEvent']);
    expect(typesWith('marks')).toEqual(['PatchMarker']);
  });

  it('reads the sequence number an answer answers', () => {
    expect(answeredSequence({ type: HistoryEventType.TimerFired, eventId: -1, timestamp, timerId: 4, fireAt: timestamp })).toBe(4);
    expect(answeredSequence({ type: HistoryEventType.TaskCompleted, eventId: -1, timestamp, taskScheduledId: 2, result: '1' })).toBe(2);
    expect(answeredSequence({ type: HistoryEventType.EntityLockGranted, eventId: -1, timestamp, taskScheduledId: 3, criticalSectionId: 'c' })).toBe(3);
    expect(answeredSequence({ type: HistoryEventType.TaskScheduled, eventId: 2, timestamp, name: 'A', input: '1' })).toBeUndefined();
    expect(answeredSequence({ type: HistoryEventType.EventRaised, eventId: -1, timestamp, name: 'e', input: '1' })).toBeUndefined();
  });

  it('reads back the action a record records, and whether a later event answers it', () => {
    const scheduled: HistoryEvent = { type: HistoryEventType.TaskScheduled, eventId: 2, timestamp, name: 'A', input: '1' };
    expect(recordedAction(scheduled)).toEqual({ type: OrchestratorActionType.ScheduleTask, sequence: 2, name: 'A', input: '1' });
    expect(isAnswerable(scheduled)).toBe(true);
    const sent: HistoryEvent = { type: HistoryEventType.EventSent, eventId: 3, timestamp, instanceId: 'x', name: 'e', input: '1' };
    expect(recordedAction(sent)).toEqual({ type: OrchestratorActionType.SendEvent, sequence: 3, instanceId: 'x', name: 'e', input: '1' });
    expect(isAnswerable(sent)).toBe(false);
    expect(recordedAction({ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp })).toBeUndefined();
    expect(roleOf({ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp })).toBe('lifecycle');
    expect(Object.values(OrchestratorActionType).filter((type) => expectsAnswer({ type })).sort())
      .toEqual(['CallEntity', 'CreateSubOrchestration', 'CreateTimer', 'LockEntities', 'ScheduleTask']);
  });

  it('lists the date fields the parser revives, and the ones each type requires', () => {
    expect([...DATE_FIELDS].sort()).toEqual(['fireAt', 'scheduledStartTime', 'scheduledTime', 'timestamp']);
    expect(requiredDateFields(HistoryEventType.TimerCreated)).toEqual(['fireAt']);
    expect(requiredDateFields(HistoryEventType.TimerFired)).toEqual(['fireAt']);
    expect(requiredDateFields(HistoryEventType.ExecutionStarted)).toEqual([]);
    expect(requiredDateFields(HistoryEventType.EntityOperationSignaled)).toEqual([]);
  });

  it('throws INTERNAL_ERROR for a type the types do not describe', () => {
    const alien = { type: 'FromTheFuture', eventId: -1, timestamp } as unknown as HistoryEvent;
    expect(internalError(() => roleOf(alien)).message).toContain("'FromTheFuture'");
    expect(internalError(() => answeredSequence(alien)).message).toContain('history event type');
    expect(internalError(() => expectsAnswer({ type: 'Teleport' } as never)).message).toContain("orchestrator action type: 'Teleport'");
  });
});

describe('handleEvent / assertNever', () => {
  const names = Object.fromEntries(Object.values(HistoryEventType).map((type) => [type, (prefix: string) => `${prefix}${type}`]));

  it("calls the handler of the event's type", () => {
    const handlers = names as unknown as HistoryEventHandlers<string, string>;
    expect(handleEvent(handlers, '>', { type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp })).toBe('>OrchestratorStarted');
  });

  it('throws INTERNAL_ERROR for an event no handler takes', () => {
    const handlers = names as unknown as HistoryEventHandlers<string, string>;
    expect(internalError(() => handleEvent(handlers, '', { type: 'Nope', eventId: -1, timestamp } as unknown as HistoryEvent)).message)
      .toBe("Unhandled history event type: 'Nope'");
    expect(internalError(() => assertNever(7 as never, 'thing')).message).toBe('Unhandled thing: 7');
  });
});
