import { encodePayload } from '../core/codec.js';
import type { FailureDetails } from '../core/failure-details.js';
import { unreleasedEntityLocks } from '../engine/critical-section.js';
import type { OrchestrationDecision } from '../engine/orchestration-decision.js';
import { HistoryEventType, type EncodedPayload, type EventRaisedEvent, type HistoryEvent } from '../history/history-event.js';
import { carriesAction } from '../history/history-event-traits.js';
import type { EpisodeCommit, HistoryChunk, InstanceState, RuntimeStatus } from '../ports/instance-store.js';
import type { HistoryView } from './history-view.js';
import type { Intake } from './plan-intake.js';

/** The limits an episode is checked against (the app's tuning). */
export interface EpisodeLimits {
  readonly maxHistoryEvents: number;
  readonly maxActionsPerEpisode: number;
}

/** What the engine made of the episode: a decision, or an error that keeps the code from running this history. */
export type EngineOutcome =
  | { readonly ok: true; readonly decision: OrchestrationDecision }
  /** NonDeterminismError, NonDurableAwaitError or RegistrationError: the instance is stuck until the code changes. */
  | { readonly ok: false; readonly error: Error };

/** What an episode commits, decided from data alone. */
export type CommitPlan =
  /** The code cannot run this history, and nothing terminates the instance: it is marked stuck (nothing committed). */
  | { readonly kind: 'stuck'; readonly error: Error }
  | {
    readonly kind: 'commit';
    /** Appended at the history's end; it is the commit point. */
    readonly chunk: HistoryChunk;
    /**
     * Instance fields to change with the chunk. Undefined when nothing a reader of the instance sees changed (same
     * status and custom status, no stuck flag to clear, not a first episode): then the chunk alone is the commit, one
     * write, and the instance's summary fields (history length, last update) catch up when the lease is released.
     */
    readonly update: EpisodeCommit['update'] | undefined;
    readonly runtimeStatus: RuntimeStatus;
    readonly customStatus: EncodedPayload;
    /** The chunk holds exactly the engine's decision: a live execution that made it may continue from it. */
    readonly continuable: boolean;
    /** The execution continues as new with this input and these carried-over events, once the chunk is committed. */
    readonly continueAsNew: { readonly input: EncodedPayload; readonly carryoverEvents: readonly EventRaisedEvent[] } | undefined;
    /** Something for the operator (a history close to its limit). */
    readonly warning: string | undefined;
  };

/** The instance fields of an ended execution. Durable Functions reports a failed instance's error message as its output. */
export function endedUpdate(
  runtimeStatus: 'Completed' | 'Failed' | 'Terminated', result: EncodedPayload, failureDetails: FailureDetails | undefined, completedTime: Date,
): EpisodeCommit['update'] {
  return failureDetails === undefined
    ? { runtimeStatus, output: result, completedTime, stuck: undefined }
    : { runtimeStatus, output: encodePayload(failureDetails.errorMessage, 'output'), failureDetails, completedTime, stuck: undefined };
}

function statusUpdate(decision: OrchestrationDecision, now: Date): EpisodeCommit['update'] & { runtimeStatus: RuntimeStatus } {
  const { completion, customStatus } = decision;
  if (completion === undefined) return { runtimeStatus: decision.suspended ? 'Suspended' : 'Running', customStatus, stuck: undefined };
  switch (completion.status) {
    case 'Completed': return { ...endedUpdate('Completed', completion.output, undefined, now), runtimeStatus: 'Completed', customStatus };
    case 'Failed': return { ...endedUpdate('Failed', undefined, completion.failureDetails, now), runtimeStatus: 'Failed', customStatus };
    case 'Terminated': return { ...endedUpdate('Terminated', completion.reason, undefined, now), runtimeStatus: 'Terminated', customStatus };
    case 'ContinuedAsNew': return { runtimeStatus: 'ContinuedAsNew', customStatus, stuck: undefined };
  }
}

/**
 * Releases of the entity locks `history` leaves held, for an execution that ends without the engine (a stuck instance
 * terminated, a limit exceeded): the engine releases them itself otherwise. Numbered after every recorded action.
 */
export function lockReleases(history: readonly HistoryEvent[], now: Date): HistoryEvent[] {
  let sequence = history.reduce((max, event) => Math.max(max, event.eventId), -1);
  return unreleasedEntityLocks(history).map((lock) => ({
    type: HistoryEventType.EntityUnlockSent, eventId: ++sequence, timestamp: now, criticalSectionId: lock.criticalSectionId, targetInstanceId: lock.targetInstanceId,
  }));
}

// Terminating needs no orchestrator code: a stuck instance (code that no longer replays, e.g. after an incompatible
// deploy) can still be terminated.
function terminatedDecision(history: readonly HistoryEvent[], reason: EncodedPayload, customStatus: EncodedPayload, now: Date): OrchestrationDecision {
  return {
    actions: [],
    customStatus,
    completion: { status: 'Terminated', reason },
    suspended: false,
    newHistory: [
      ...lockReleases(history, now),
      { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: now, orchestrationStatus: 'Terminated', result: reason },
      { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now },
    ],
  };
}

function limitFailure(historyLength: number, decision: OrchestrationDecision, limits: EpisodeLimits): FailureDetails | undefined {
  if (historyLength > limits.maxHistoryEvents) {
    return { errorType: 'HistoryLimitExceeded', errorMessage: `The execution's history reached ${historyLength} events, over the limit of ${limits.maxHistoryEvents}. Use ctx.continueAsNew() to restart long-running loops with a fresh history.`, isNonRetriable: true };
  }
  if (decision.actions.length > limits.maxActionsPerEpisode) {
    return { errorType: 'FanOutLimitExceeded', errorMessage: `One episode started ${decision.actions.length} actions, over the limit of ${limits.maxActionsPerEpisode} (maxActionsPerEpisode). Fan out in batches, or through sub-orchestrations.`, isNonRetriable: true };
  }
  return undefined;
}

/**
 * Decides what an episode commits: the chunk (the episode's new events, then the engine's decision — or a failure or
 * termination that replaces it), the instance fields that change with it, and what follows. Pure.
 */
export function planCommit(input: {
  readonly instance: InstanceState;
  readonly view: HistoryView;
  readonly intake: Extract<Intake, { kind: 'run' }>;
  readonly outcome: EngineOutcome;
  readonly now: Date;
  readonly limits: EpisodeLimits;
}): CommitPlan {
  const { instance, view, intake, outcome, now, limits } = input;
  let decision: OrchestrationDecision;
  let continuable = outcome.ok;
  if (outcome.ok) decision = outcome.decision;
  else if (intake.termination === undefined) return { kind: 'stuck', error: outcome.error };
  else decision = terminatedDecision(view.events, intake.termination.reason, instance.customStatus, now);

  let events: HistoryEvent[] = [...intake.newEvents, ...decision.newHistory];
  let update = statusUpdate(decision, now);
  // A rewound execution runs again: the failure it ended with is no longer its outcome.
  if (intake.rewound && decision.completion === undefined) update = { ...update, output: undefined, failureDetails: undefined, completedTime: undefined };
  const historyLength = view.length + events.length;
  const failure = limitFailure(historyLength, decision, limits);
  if (failure !== undefined) {
    continuable = false;
    events = [
      ...intake.newEvents,
      ...lockReleases(view.events, now),
      { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: now, orchestrationStatus: 'Failed', failureDetails: failure },
      { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now },
    ];
    update = { runtimeStatus: 'Failed', failureDetails: failure, completedTime: now, stuck: undefined };
  }
  const warning = failure === undefined && historyLength > limits.maxHistoryEvents * 0.8
    ? `the history of ${instance.name} '${instance.instanceId}' holds ${historyLength} of at most ${limits.maxHistoryEvents} events; consider ctx.continueAsNew()`
    : undefined;
  const completion = failure === undefined ? decision.completion : undefined;
  const customStatus = failure === undefined ? decision.customStatus : instance.customStatus;
  const visible = intake.starting || instance.stuck !== undefined || update.runtimeStatus !== instance.runtimeStatus ||
    customStatus !== instance.customStatus || instance.carryoverEvents !== undefined;
  return {
    kind: 'commit',
    // Flagged for dispatch only when it has something to carry out: else nothing needs marking once it is committed.
    chunk: { firstEventIndex: view.length, events, consumedMessageIds: intake.consumedMessageIds, undispatched: events.some((event) => carriesAction(event, instance.parentInstance !== undefined)) },
    update: visible ? update : undefined,
    runtimeStatus: update.runtimeStatus,
    customStatus,
    continuable: continuable && completion === undefined,
    continueAsNew: completion?.status === 'ContinuedAsNew' ? { input: completion.input, carryoverEvents: completion.carryoverEvents } : undefined,
    warning,
  };
}

// Stuck instances (non-determinism after a deploy, unknown orchestrator) are retried with a growing backoff — 5 s,
// 30 s, 2 min, then every 10 min — so a fixed deploy resumes them without anyone having to poke them. Retries happen
// at about 0, 5, 35 and 155 s after the instance got stuck, so the time since then tells which retry this is.
export function stuckRetryDelayMs(stuckForMs: number): number {
  if (stuckForMs < 4_000) return 5_000;
  if (stuckForMs < 30_000) return 30_000;
  if (stuckForMs < 150_000) return 120_000;
  return 600_000;
}
