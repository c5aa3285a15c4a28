import type { HistoryEvent } from '../history/history-event.js';
import type { ExecutionState } from './execution-state.js';
import { stepOfEvent } from './replay-step.js';

/**
 * The non-determinism check of a replayed record of a step (TaskScheduled, TimerCreated, ...): it must be the code's
 * action of the same sequence number, of the same kind and key (see `ActionTable.match`). A mismatch becomes the
 * execution's fatal error (the first one found is kept). Events new in this episode are not checked: the code has
 * not been compared with them yet.
 */
export function matchRecordedStep(state: ExecutionState, event: HistoryEvent): void {
  if (!state.replaying) return;
  const recorded = stepOfEvent(event);
  if (recorded === undefined) return;
  const mismatch = state.actions.match(event, recorded);
  if (mismatch !== undefined) state.fatal ??= mismatch;
}

/**
 * At a replayed OrchestratorCompleted: every action taken in a recorded episode was recorded before the episode's
 * end, so one that was not is a step the old code never took (a fatal non-determinism).
 */
export function checkEpisodeRecorded(state: ExecutionState): void {
  const unrecorded = state.actions.unrecordedStep();
  if (unrecorded !== undefined) state.fatal ??= unrecorded;
}
