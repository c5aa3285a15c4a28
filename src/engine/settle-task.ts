import { decodePayload } from '../core/codec.js';
import { TaskFailedError } from '../core/errors/task-failed-error.js';
import type { FailureDetails } from '../core/failure-details.js';
import { assertNever } from '../history/assert-never.js';
import type { EncodedPayload } from '../history/history-event.js';
import { OrchestratorActionType } from '../history/orchestrator-action.js';
import type { OpenAction } from './action-table.js';
import type { CompletableTask } from './completable-task.js';

/**
 * Completes a pending task with a recorded payload, decoded; a payload that does not decode fails the task instead.
 * A missing or settled task is left alone (a duplicate answer).
 */
export function settleTask(task: CompletableTask<unknown> | undefined, payload: EncodedPayload): void {
  if (task === undefined || task.isCompleted) return;
  try {
    task.complete(decodePayload(payload));
  } catch (error) {
    task.fail(error);
  }
}

/**
 * Fails the task of an open action with a recorded failure, as a {@link TaskFailedError} naming the activity,
 * sub-orchestration or entity operation. A missing or settled task is left alone (a duplicate answer).
 */
export function failTask(open: OpenAction | undefined, failureDetails: FailureDetails): void {
  if (open === undefined || open.task.isCompleted) return;
  const { action } = open;
  const failed = (label: string, taskName: string, taskKind: 'activity' | 'orchestrator' | 'entity'): TaskFailedError =>
    new TaskFailedError(`${label} failed: ${failureDetails.errorMessage}`, failureDetails, { taskName, taskKind });
  switch (action.type) {
    case OrchestratorActionType.CreateSubOrchestration:
      open.task.fail(failed(`Sub-orchestration '${action.name}'`, action.name, 'orchestrator'));
      return;
    case OrchestratorActionType.CallEntity:
      open.task.fail(failed(`Operation '${action.operation}' on entity '${action.targetInstanceId}'`, action.operation, 'entity'));
      return;
    case OrchestratorActionType.ScheduleTask:
      open.task.fail(failed(`Activity '${action.name}'`, action.name, 'activity'));
      return;
    case OrchestratorActionType.CreateTimer:
    case OrchestratorActionType.SendEvent:
    case OrchestratorActionType.SignalEntity:
    case OrchestratorActionType.LockEntities:
    case OrchestratorActionType.UnlockEntity:
      // Timers, events sent, signals, lock requests and releases have no failure to record.
      return;
    default:
      return assertNever(action, 'orchestrator action type');
  }
}
