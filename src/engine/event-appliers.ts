import type { ExecutionStartedEvent, HistoryEvent } from '../history/history-event.js';
import type { HistoryEventHandlers } from '../history/history-event-handlers.js';
import { roleOf } from '../history/history-event-traits.js';
import type { CriticalSectionTracker } from './critical-section-tracker.js';
import type { ExecutionState } from './execution-state.js';
import { checkEpisodeRecorded, matchRecordedStep } from './match-recorded-step.js';
import { failTask, settleTask } from './settle-task.js';
import { ActivityAttemptTask } from './activity-attempt-task.js';
import { DurableTimerTask } from './timer-task.js';

/** What applying a history event acts on. */
export interface EventReplay {
  readonly state: ExecutionState;
  readonly sections: CriticalSectionTracker;
  /** Runs the orchestrator code of the execution this event starts (the first ExecutionStarted only). */
  start(event: ExecutionStartedEvent): void;
}

const matchRecorded = ({ state }: EventReplay, event: HistoryEvent): void => matchRecordedStep(state, event);

/** The answer to action `sequence` was applied: the action leaves the table once settled. */
const retire = (state: ExecutionState, sequence: number): void => state.actions.retire(sequence);

/** A recorded cancellation must be one the code made (only replayed events are checked: new ones are the code's). */
const matchCancel = (state: ExecutionState, sequence: number, kind: 'task' | 'timer'): void => {
  if (!state.replaying) return;
  const mismatch = state.cancels.match(sequence, kind);
  if (mismatch !== undefined) state.fatal ??= mismatch;
};

/**
 * Events that carry nothing for the code. ExecutionCompleted and ContinueAsNew record an end the code itself reached
 * (replay reaches it again); GenericEvent is a note. Entity inbox messages (EntityRequest, EntityLockRequest,
 * EntityUnlock) never appear in an orchestration's history.
 */
const nothingForTheCode = (): void => undefined;

/**
 * How replay applies each history event type to the execution: one handler per {@link HistoryEventType} (a type
 * without one fails to compile). Records of the code's steps are matched against its actions; answers settle the
 * tasks the code awaits; lifecycle events start, suspend, resume or end the execution.
 */
export const EVENT_APPLIERS: HistoryEventHandlers<EventReplay, void> = {
  ExecutionStarted: (replay, event) => replay.start(event),
  OrchestratorStarted: ({ state }, event) => {
    state.now = event.timestamp;
  },
  OrchestratorCompleted: ({ state }) => {
    if (state.replaying) checkEpisodeRecorded(state);
  },
  ExecutionTerminated: ({ state }, event) => {
    state.completion = { status: 'Terminated', reason: event.reason };
  },
  ExecutionSuspended: ({ state }) => {
    state.suspended = true;
  },
  ExecutionResumed: ({ state }) => {
    state.suspended = false;
  },
  // What a rewind undoes is left out before replay (`rewoundEvents`); the code waits again for the tasks it re-opened.
  ExecutionRewound: nothingForTheCode,

  TaskScheduled: matchRecorded,
  SubOrchestrationInstanceCreated: matchRecorded,
  TimerCreated: matchRecorded,
  EventSent: matchRecorded,
  EntityOperationCalled: matchRecorded,
  EntityOperationSignaled: matchRecorded,
  EntityLockRequested: matchRecorded,
  EntityUnlockSent: matchRecorded,

  TaskCompleted: ({ state }, event) => {
    settleTask(state.actions.get(event.taskScheduledId)?.task, event.result);
    retire(state, event.taskScheduledId);
  },
  SubOrchestrationInstanceCompleted: ({ state }, event) => {
    settleTask(state.actions.get(event.taskScheduledId)?.task, event.result);
    retire(state, event.taskScheduledId);
  },
  TaskFailed: ({ state }, event) => {
    const open = state.actions.get(event.taskScheduledId);
    if (open?.task instanceof ActivityAttemptTask && event.heartbeatDetails !== undefined) open.task.heartbeatDetails = event.heartbeatDetails;
    failTask(open, event.failureDetails);
    retire(state, event.taskScheduledId);
  },
  SubOrchestrationInstanceFailed: ({ state }, event) => {
    failTask(state.actions.get(event.taskScheduledId), event.failureDetails);
    retire(state, event.taskScheduledId);
  },
  // The code's own cancellations: matched during replay (the code made them again); the action is settled for good.
  TaskCancelRequested: ({ state }, event) => {
    matchCancel(state, event.taskScheduledId, 'task');
    retire(state, event.taskScheduledId);
  },
  TimerCanceled: ({ state }, event) => {
    matchCancel(state, event.timerId, 'timer');
    retire(state, event.timerId);
  },
  TimerFired: ({ state }, event) => {
    const task = state.actions.get(event.timerId)?.task;
    if (task instanceof DurableTimerTask) task.fire();
    retire(state, event.timerId);
  },
  EntityOperationCompleted: ({ state, sections }, event) => {
    sections.endCall(event.taskScheduledId);
    settleTask(state.actions.get(event.taskScheduledId)?.task, event.result);
    retire(state, event.taskScheduledId);
  },
  EntityOperationFailed: ({ state, sections }, event) => {
    sections.endCall(event.taskScheduledId);
    failTask(state.actions.get(event.taskScheduledId), event.failureDetails);
    retire(state, event.taskScheduledId);
  },
  EntityLockGranted: ({ state, sections }, event) => {
    sections.grant(event.taskScheduledId);
    retire(state, event.taskScheduledId);
  },
  EventRaised: ({ state }, event) => {
    const waiter = state.events.raise(event);
    if (waiter !== undefined) settleTask(waiter, event.input);
  },
  // Committed markers are known before replay starts (the code may ask before replay reaches one); a marker applied
  // as a new event (a test's last episode) is learnt here. The code calling no ctx.patched for a marker is no error:
  // the patch's clean-up (removing ctx.deprecatePatch) leaves markers in old histories.
  PatchMarker: ({ state }, event) => state.patches.learn(event.patchId),

  ExecutionCompleted: nothingForTheCode,
  ContinueAsNew: nothingForTheCode,
  GenericEvent: nothingForTheCode,
  EntityRequest: nothingForTheCode,
  EntityLockRequest: nothingForTheCode,
  EntityUnlock: nothingForTheCode,
};

/**
 * While suspended, only what the code would react to is held back (answers to its actions and raised events) until
 * ExecutionResumed. Episode markers and the records of the code's own actions are applied in place: they must stay
 * in step with the episodes they belong to, or a later replay would check an episode against actions recorded after
 * the resume and report a false non-determinism (or re-issue an action recorded during the suspension).
 */
export function isHeldWhileSuspended(event: HistoryEvent): boolean {
  const role = roleOf(event);
  return role === 'answers' || role === 'input';
}
