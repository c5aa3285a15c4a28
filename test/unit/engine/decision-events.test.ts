// The record of each action kind, and the action read back from it (HISTORY_EVENT_TRAITS), are inverses: replay
// matches a record against the code's action through that round trip.
import { describe, expect, it } from '@jest/globals';
import { scheduledEventFor } from '../../../src/engine/decision-events.js';
import { stepOfAction, stepOfEvent } from '../../../src/engine/replay-step.js';
import { recordedAction, roleOf } from '../../../src/history/history-event-traits.js';
import { OrchestratorActionType, type OrchestratorAction } from '../../../src/history/orchestrator-action.js';

const at = new Date('2030-01-01T00:00:00Z');
const ACTIONS: Record<OrchestratorActionType, OrchestratorAction> = {
  ScheduleTask: { type: OrchestratorActionType.ScheduleTask, sequence: 0, name: 'A', input: '1' },
  CreateTimer: { type: OrchestratorActionType.CreateTimer, sequence: 1, fireAt: new Date(at.getTime() + 1000) },
  CreateSubOrchestration: { type: OrchestratorActionType.CreateSubOrchestration, sequence: 2, name: 'S', instanceId: 'i:2', input: undefined },
  SendEvent: { type: OrchestratorActionType.SendEvent, sequence: 3, instanceId: 'other', name: 'e', input: '"x"' },
  CallEntity: { type: OrchestratorActionType.CallEntity, sequence: 4, targetInstanceId: '@c@a', operation: 'add', input: '2' },
  SignalEntity: { type: OrchestratorActionType.SignalEntity, sequence: 5, targetInstanceId: '@c@a', operation: 'add', input: '3', scheduledTime: at },
  LockEntities: { type: OrchestratorActionType.LockEntities, sequence: 6, criticalSectionId: 'cs', lockSet: ['@c@a', '@c@b'] },
  UnlockEntity: { type: OrchestratorActionType.UnlockEntity, sequence: 7, criticalSectionId: 'cs', targetInstanceId: '@c@a' },
};

describe('scheduledEventFor / recordedAction', () => {
  it.each(Object.values(ACTIONS))('$type: the record reads back as the action, and compares as the same step', (action) => {
    const event = scheduledEventFor(action, at);
    expect(roleOf(event)).toBe('records');
    expect(event.eventId).toBe(action.sequence);
    expect(recordedAction(event)).toEqual(action);
    expect(stepOfEvent(event)).toEqual(stepOfAction(action));
  });

  it('reads a signal without a scheduled time back without one', () => {
    const { scheduledTime: _, ...signal } = ACTIONS.SignalEntity as Extract<OrchestratorAction, { type: 'SignalEntity' }>;
    const read = recordedAction(scheduledEventFor(signal, at));
    expect(read).toEqual(signal);
    expect(read !== undefined && 'scheduledTime' in read).toBe(false);
  });
});
