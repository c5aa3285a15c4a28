import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { OrchestratorActionType, type OrchestratorAction } from '../history/orchestrator-action.js';
import type { CriticalSectionTracker } from './critical-section-tracker.js';
import { completionEventFor, scheduledEventFor } from './decision-events.js';
import type { ExecutionState } from './execution-state.js';
import type { OrchestrationDecision } from './orchestration-decision.js';

/**
 * The decision of the episode just applied: the code's actions not recorded yet (each with the event that records
 * it), the end of the execution if it ended (releasing the entity locks it still holds), the custom status and
 * whether the execution is suspended. History grows by `newHistory`: the records, the end, then
 * OrchestratorCompleted, all at the episode's time.
 */
export function buildDecision(state: ExecutionState, sections: CriticalSectionTracker): OrchestrationDecision {
  const timestamp = state.now;
  const actions: OrchestratorAction[] = [];
  const newHistory: HistoryEvent[] = [];
  const completion = state.completion;
  if (completion !== undefined) sections.releaseAtEnd();
  // Only the actions not recorded yet: this loop must not grow with the history of a long-running execution.
  for (const open of state.actions.unrecorded()) {
    if (open.dropped === true) continue;
    // A terminated execution starts nothing more, not even what the code asked for before the termination arrived
    // (in the same episode) — except releasing entity locks, which must never outlive the execution.
    if (completion?.status === 'Terminated' && open.action.type !== OrchestratorActionType.UnlockEntity) continue;
    actions.push(open.action);
    newHistory.push(scheduledEventFor(open.action, timestamp));
  }
  // The code's cancellations, after the actions (an action cancelled in the episode that took it is recorded first).
  newHistory.push(...state.cancels.unrecordedEvents(timestamp));
  // The patches it took: no sequence numbers, so where they stand among the episode's records does not matter.
  newHistory.push(...state.patches.unrecordedEvents(timestamp));
  if (completion !== undefined) newHistory.push(completionEventFor(completion, timestamp));
  newHistory.push({ type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp });
  return {
    // Kept even when the execution completes in this episode: a fire-and-forget call made before returning runs.
    actions,
    customStatus: state.customStatus,
    completion,
    suspended: state.suspended,
    newHistory,
  };
}
