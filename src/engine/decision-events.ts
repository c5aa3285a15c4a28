import { activityAttemptFields } from '../history/activity-attempt-fields.js';
import { assertNever } from '../history/assert-never.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { OrchestratorActionType, type OrchestratorAction } from '../history/orchestrator-action.js';
import type { OrchestrationCompletion } from './orchestration-decision.js';

/** The history event that records an action of the code (TaskScheduled, TimerCreated, ...), at the episode's time. */
export function scheduledEventFor(action: OrchestratorAction, timestamp: Date): HistoryEvent {
  switch (action.type) {
    case OrchestratorActionType.ScheduleTask:
      return {
        type: HistoryEventType.TaskScheduled, eventId: action.sequence, timestamp, name: action.name, input: action.input,
        ...activityAttemptFields(action),
      };
    case OrchestratorActionType.CreateTimer:
      return { type: HistoryEventType.TimerCreated, eventId: action.sequence, timestamp, fireAt: action.fireAt };
    case OrchestratorActionType.CreateSubOrchestration:
      return {
        type: HistoryEventType.SubOrchestrationInstanceCreated, eventId: action.sequence, timestamp, name: action.name, instanceId: action.instanceId, input: action.input,
        ...(action.version === undefined ? {} : { version: action.version }),
      };
    case OrchestratorActionType.SendEvent:
      return { type: HistoryEventType.EventSent, eventId: action.sequence, timestamp, instanceId: action.instanceId, name: action.name, input: action.input };
    case OrchestratorActionType.CallEntity:
      return { type: HistoryEventType.EntityOperationCalled, eventId: action.sequence, timestamp, targetInstanceId: action.targetInstanceId, operation: action.operation, input: action.input };
    case OrchestratorActionType.SignalEntity:
      return {
        type: HistoryEventType.EntityOperationSignaled, eventId: action.sequence, timestamp, targetInstanceId: action.targetInstanceId,
        operation: action.operation, input: action.input, ...(action.scheduledTime === undefined ? {} : { scheduledTime: action.scheduledTime }),
      };
    case OrchestratorActionType.LockEntities:
      return { type: HistoryEventType.EntityLockRequested, eventId: action.sequence, timestamp, criticalSectionId: action.criticalSectionId, lockSet: action.lockSet };
    case OrchestratorActionType.UnlockEntity:
      return { type: HistoryEventType.EntityUnlockSent, eventId: action.sequence, timestamp, criticalSectionId: action.criticalSectionId, targetInstanceId: action.targetInstanceId };
    default:
      return assertNever(action, 'orchestrator action type');
  }
}

/** The history event that records how the execution ended (ExecutionCompleted, or ContinueAsNew). */
export function completionEventFor(completion: OrchestrationCompletion, timestamp: Date): HistoryEvent {
  switch (completion.status) {
    case 'Completed':
      return { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp, orchestrationStatus: 'Completed', result: completion.output };
    case 'Failed':
      return { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp, orchestrationStatus: 'Failed', failureDetails: completion.failureDetails };
    case 'Terminated':
      return { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp, orchestrationStatus: 'Terminated', result: completion.reason };
    case 'ContinuedAsNew':
      return { type: HistoryEventType.ContinueAsNew, eventId: -1, timestamp, input: completion.input, carryoverEvents: completion.carryoverEvents };
    default:
      return assertNever(completion, 'completion status');
  }
}
