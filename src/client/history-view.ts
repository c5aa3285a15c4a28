import { decodePayload } from '../core/codec.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import type { HistoryViewEvent } from './orchestration-status.js';

/**
 * Durable Functions' `showHistory` view of a history: scheduling events are folded into their completions (with
 * `ScheduledTime` and `FunctionName`), episode markers are left out, outputs appear only with `showHistoryOutput`,
 * the orchestration input unless `showInput` is false.
 */
export function toHistoryView(events: readonly HistoryEvent[], options: { showHistoryOutput?: boolean; showInput?: boolean } = {}): HistoryViewEvent[] {
  const scheduled = new Map<number, { name: string; at: Date; target?: string }>();
  const view: HistoryViewEvent[] = [];
  const output = (value: string | undefined): Record<string, unknown> => (options.showHistoryOutput === true ? { Result: decodePayload(value) } : {});
  for (const event of events) {
    const Timestamp = event.timestamp.toISOString();
    switch (event.type) {
      case HistoryEventType.ExecutionStarted:
        view.push({ EventType: event.type, FunctionName: event.name, Timestamp, ...(options.showInput === false ? {} : { Input: decodePayload(event.input) }) });
        break;
      case HistoryEventType.TaskScheduled:
      case HistoryEventType.SubOrchestrationInstanceCreated:
        scheduled.set(event.eventId, { name: event.name, at: event.timestamp });
        break;
      case HistoryEventType.TaskCompleted:
      case HistoryEventType.SubOrchestrationInstanceCompleted: {
        const origin = scheduled.get(event.taskScheduledId);
        view.push({ EventType: event.type, FunctionName: origin?.name, ScheduledTime: origin?.at.toISOString(), Timestamp, ...output(event.result) });
        break;
      }
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceFailed: {
        const origin = scheduled.get(event.taskScheduledId);
        view.push({
          EventType: event.type, FunctionName: origin?.name, ScheduledTime: origin?.at.toISOString(), Timestamp,
          Reason: event.failureDetails.errorMessage, Details: event.failureDetails.errorType,
        });
        break;
      }
      case HistoryEventType.TimerCreated:
        scheduled.set(event.eventId, { name: 'timer', at: event.timestamp });
        break;
      case HistoryEventType.TimerFired:
        view.push({ EventType: event.type, FireAt: event.fireAt.toISOString(), ScheduledTime: scheduled.get(event.timerId)?.at.toISOString(), Timestamp });
        break;
      case HistoryEventType.EntityOperationCalled:
        scheduled.set(event.eventId, { name: event.operation, at: event.timestamp, target: event.targetInstanceId });
        break;
      case HistoryEventType.EntityOperationCompleted:
      case HistoryEventType.EntityOperationFailed: {
        const origin = scheduled.get(event.taskScheduledId);
        view.push({
          EventType: event.type, FunctionName: origin?.name, InstanceId: origin?.target, ScheduledTime: origin?.at.toISOString(), Timestamp,
          ...(event.type === HistoryEventType.EntityOperationCompleted ? output(event.result) : { Reason: event.failureDetails.errorMessage, Details: event.failureDetails.errorType }),
        });
        break;
      }
      case HistoryEventType.EntityOperationSignaled:
        view.push({ EventType: event.type, Name: event.operation, InstanceId: event.targetInstanceId, Timestamp });
        break;
      case HistoryEventType.EventRaised:
        view.push({ EventType: event.type, Name: event.name, Timestamp, ...(options.showHistoryOutput === true ? { Input: decodePayload(event.input) } : {}) });
        break;
      case HistoryEventType.EventSent:
        view.push({ EventType: event.type, Name: event.name, InstanceId: event.instanceId, Timestamp });
        break;
      case HistoryEventType.ExecutionCompleted:
        view.push({
          EventType: event.type, OrchestrationStatus: event.orchestrationStatus, Timestamp, ...output(event.result),
          ...(event.failureDetails === undefined ? {} : { FailureDetails: event.failureDetails }),
        });
        break;
      case HistoryEventType.ContinueAsNew:
        view.push({ EventType: event.type, Timestamp, ...(options.showHistoryOutput === true ? { Input: decodePayload(event.input) } : {}) });
        break;
      case HistoryEventType.ExecutionTerminated:
        view.push({ EventType: event.type, Timestamp, Reason: decodePayload(event.reason) });
        break;
      case HistoryEventType.ExecutionSuspended:
      case HistoryEventType.ExecutionResumed:
        view.push({ EventType: event.type, Timestamp, Reason: event.reason });
        break;
      default:
        break;
    }
  }
  return view;
}
