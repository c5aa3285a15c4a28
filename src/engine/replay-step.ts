import { NonDeterminismError } from '../core/errors/non-determinism-error.js';
import { assertNever } from '../history/assert-never.js';
import type { HistoryEvent } from '../history/history-event.js';
import { recordedAction } from '../history/history-event-traits.js';
import { OrchestratorActionType, type OrchestratorAction } from '../history/orchestrator-action.js';

/**
 * One step of the orchestrator as replay compares it: its kind, what identifies it within that kind (`key`: compared
 * exactly), and how messages name it. Internal to the engine.
 */
export interface ReplayStep {
  readonly kind: OrchestratorAction['type'];
  readonly key: string | undefined;
  readonly text: string;
}

const quoted = (ids: readonly string[]): string => ids.map((id) => `'${id}'`).join(', ');
const entityCall = (operation: string, target: string): ReplayStep['text'] => `a call of '${operation}' on entity '${target}'`;
const entitySignal = (operation: string, target: string): ReplayStep['text'] => `a signal '${operation}' to entity '${target}'`;
const entityLock = (lockSet: readonly string[]): ReplayStep['text'] => `a lock on ${quoted(lockSet)}`;
const entityUnlock = (target: string): ReplayStep['text'] => `the release of entity '${target}'`;

/** The step an action of the code takes. */
export function stepOfAction(action: OrchestratorAction): ReplayStep {
  switch (action.type) {
    case OrchestratorActionType.ScheduleTask: return { kind: action.type, key: action.name, text: `activity '${action.name}'` };
    case OrchestratorActionType.CreateSubOrchestration: return { kind: action.type, key: action.name, text: `sub-orchestration '${action.name}'` };
    case OrchestratorActionType.CreateTimer: return { kind: action.type, key: undefined, text: 'a timer' };
    case OrchestratorActionType.SendEvent: return { kind: action.type, key: action.name, text: `event '${action.name}' to '${action.instanceId}'` };
    case OrchestratorActionType.CallEntity: return { kind: action.type, key: `${action.targetInstanceId}\n${action.operation}`, text: entityCall(action.operation, action.targetInstanceId) };
    case OrchestratorActionType.SignalEntity: return { kind: action.type, key: `${action.targetInstanceId}\n${action.operation}`, text: entitySignal(action.operation, action.targetInstanceId) };
    case OrchestratorActionType.LockEntities: return { kind: action.type, key: action.lockSet.join('\n'), text: entityLock(action.lockSet) };
    case OrchestratorActionType.UnlockEntity: return { kind: action.type, key: action.targetInstanceId, text: entityUnlock(action.targetInstanceId) };
    default: return assertNever(action, 'orchestrator action type');
  }
}

/**
 * The step a history event records, if it records one of the code's actions: the step of that action (as the code
 * took it; see `HISTORY_EVENT_TRAITS`), so that a record and the action compare alike.
 */
export function stepOfEvent(event: HistoryEvent): ReplayStep | undefined {
  const action = recordedAction(event);
  return action === undefined ? undefined : stepOfAction(action);
}

function isEntityStep(kind: OrchestratorAction['type']): boolean {
  switch (kind) {
    case OrchestratorActionType.CallEntity:
    case OrchestratorActionType.SignalEntity:
    case OrchestratorActionType.LockEntities:
    case OrchestratorActionType.UnlockEntity:
      return true;
    case OrchestratorActionType.ScheduleTask:
    case OrchestratorActionType.CreateTimer:
    case OrchestratorActionType.CreateSubOrchestration:
    case OrchestratorActionType.SendEvent:
      return false;
    default:
      return assertNever(kind, 'orchestrator action type');
  }
}

/**
 * What to do about a change made on purpose: guard it with a patch, so that instances started before it keep the old
 * path (the patch ID is the user's to choose; the message says so).
 */
export const PATCH_HINT = "If you changed the code on purpose, guard the change with `if (ctx.patched('<a-patch-id>')) { new code } else { old code }`: running instances keep the old path, new ones take the new one.";

/** History recorded a step at `sequence` that the code did not take. */
export function stepNotTaken(sequence: number, recorded: ReplayStep): NonDeterminismError {
  return new NonDeterminismError({
    sequence,
    expected: recorded.text,
    actual: undefined,
    hint: `The orchestrator code no longer takes this step at this point (code removed, reordered, or a branch that depends on something non-deterministic such as Date.now(), Math.random() or I/O). ${PATCH_HINT} Or deploy changed orchestrators under a new name, or let in-flight instances finish first.`,
  });
}

/** The step of the code at `sequence` is not the one history recorded (its kind or its key differ). */
export function stepChanged(sequence: number, recorded: ReplayStep, actual: ReplayStep): NonDeterminismError {
  return new NonDeterminismError({
    sequence,
    expected: recorded.text,
    actual: actual.text,
    hint: actual.kind !== recorded.kind
      ? `The code now takes a different kind of step here: steps were added, removed or reordered before this point. ${PATCH_HINT}`
      : isEntityStep(actual.kind)
        ? `The code now addresses a different entity or operation here (or locks a different set of entities). Entity IDs and operation names in history are a persisted contract. ${PATCH_HINT} Or deploy changed orchestrators under a new name, or let in-flight instances finish first.`
        : `The code now calls a different function here: it was renamed or the call changed. Names in history are a persisted contract — keep the old name with @Activity({ name }) / @Orchestrator({ name }). ${PATCH_HINT}`,
  });
}

/** The code took a step in a recorded episode that the episode did not record. */
export function stepNotRecorded(action: OrchestratorAction): NonDeterminismError {
  return new NonDeterminismError({
    sequence: action.sequence,
    expected: undefined,
    actual: stepOfAction(action).text,
    hint: `The code now takes a step the recorded execution never took (a call was added or moved earlier). ${PATCH_HINT} Or deploy changed orchestrators under a new name, or let in-flight instances finish first.`,
  });
}
