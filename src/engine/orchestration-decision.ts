import type { FailureDetails } from '../core/failure-details.js';
import type { EncodedPayload, EventRaisedEvent, HistoryEvent } from '../history/history-event.js';
import type { OrchestratorAction } from '../history/orchestrator-action.js';

/** How an execution ended, when it did in this episode. */
export type OrchestrationCompletion =
  | { readonly status: 'Completed'; readonly output: EncodedPayload }
  | { readonly status: 'Failed'; readonly failureDetails: FailureDetails }
  | { readonly status: 'ContinuedAsNew'; readonly input: EncodedPayload; readonly carryoverEvents: readonly EventRaisedEvent[] }
  | { readonly status: 'Terminated'; readonly reason: EncodedPayload };

/** The result of replaying one episode: what to do next and what to append to history. */
export interface OrchestrationDecision {
  /** New actions for the runtime to carry out (activities, timers, sub-orchestrations, events to send). */
  readonly actions: readonly OrchestratorAction[];
  /** The latest custom status set by the orchestrator (encoded), or undefined if never set. */
  readonly customStatus: EncodedPayload;
  /** Set when the execution ended in this episode. */
  readonly completion: OrchestrationCompletion | undefined;
  /** True when the execution is suspended (events are kept until it resumes). */
  readonly suspended: boolean;
  /**
   * Events to append after the episode's new events: one per new action (TaskScheduled, TimerCreated, ...), then
   * the completion record (ExecutionCompleted or ContinueAsNew) if any, then OrchestratorCompleted.
   */
  readonly newHistory: readonly HistoryEvent[];
}
