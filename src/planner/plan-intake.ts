import type { TraceContext } from '../core/trace-context.js';
import { HistoryEventType, type ContinueAsNewEvent, type ExecutionCompletedEvent, type ExecutionTerminatedEvent, type HistoryEvent } from '../history/history-event.js';
import { answeredSequence, isAnswerable } from '../history/history-event-traits.js';
import { TERMINAL_STATUSES, type InboxMessage, type InstanceState } from '../ports/instance-store.js';
import type { HistoryView } from './history-view.js';
import { pickRewind, recordedRewind } from './plan-rewind.js';

/** What an episode starts from: the instance, its committed history, and what arrived for it. */
export interface IntakeInput {
  /** The instance as the session knows it (claimed, then updated by the session's own commits). */
  readonly instance: InstanceState;
  readonly view: HistoryView;
  /** Inbox messages read for this episode, oldest first (none when the session skipped the read). */
  readonly queued: readonly InboxMessage[];
  /** Results handed over in this process (activity results, timers fired here), in arrival order. */
  readonly local: readonly HistoryEvent[];
  /** The episode's timestamp (OrchestratorStarted, and ExecutionStarted for a first episode). */
  readonly now: Date;
  /** Recorded in ExecutionStarted: the engine behaviour version the execution starts under. */
  readonly engineVersion: number;
  /** Recorded in ExecutionStarted: the history limit the execution starts under (for `ctx.continueAsNewSuggested`). */
  readonly maxHistoryEvents?: number;
  /** Recorded in ExecutionStarted for a first episode: the execution's span (tracing on), from the runtime. */
  readonly traceContext?: TraceContext;
}

/** Messages that need no episode: applied before (duplicates), or for another execution or an earlier one (stale). */
interface Discards {
  /** Inbox messages to delete. */
  readonly deleteMessageIds: readonly string[];
  /** Indexes into `local` of results already recorded (the activity need not send them anywhere). */
  readonly localRecorded: readonly number[];
}

/** What the episode is to do, decided from data alone. */
export type Intake =
  /** History ends with ContinueAsNew but the instance was not switched (the worker died in between): switch it. */
  | { readonly kind: 'continue-as-new'; readonly ending: ContinueAsNewEvent }
  /** History records the end of the execution but the instance document does not: record it there. */
  | { readonly kind: 'sync-completion'; readonly ending: ExecutionCompletedEvent }
  /** The instance has finished: late messages are dropped. */
  | ({ readonly kind: 'finished' } & Discards)
  /** Nothing new to apply (duplicates only, or results waiting for their scheduling commit). */
  | ({ readonly kind: 'idle'; readonly deferred: readonly InboxMessage[] } & Discards)
  /** Run the orchestrator on `newEvents`. */
  | ({
    readonly kind: 'run';
    /** OrchestratorStarted, ExecutionStarted and carried-over events for a first episode, then the accepted messages. */
    readonly newEvents: readonly HistoryEvent[];
    /** Inbox messages applied by `newEvents` (the chunk lists them, so they are never applied twice). */
    readonly consumedMessageIds: readonly string[];
    /** Indexes into `local` of results applied by `newEvents`. */
    readonly localAccepted: readonly number[];
    /** Results for actions not in history yet (they arrived before their scheduling commit): kept for later. */
    readonly deferred: readonly InboxMessage[];
    /** A termination among the accepted messages (it needs no orchestrator code). */
    readonly termination: ExecutionTerminatedEvent | undefined;
    /** True for the execution's first episode. */
    readonly starting: boolean;
    /** True when the episode applies a rewind: the failed execution runs again (its failure fields are cleared). */
    readonly rewound: boolean;
  } & Discards);

/**
 * Sorts queued messages against history: results for actions already answered are duplicates (absorbed); results for
 * actions not yet in history arrived before the scheduling commit and wait (deferred, never dropped); the rest apply
 * now, the first answer of each action winning.
 */
export function classifyMessages(view: Pick<HistoryView, 'isAnswered' | 'isScheduled'>, messages: readonly InboxMessage[]): {
  accepted: InboxMessage[]; duplicates: InboxMessage[]; deferred: InboxMessage[];
} {
  const answeredNow = new Set<number>();
  const accepted: InboxMessage[] = [];
  const duplicates: InboxMessage[] = [];
  const deferred: InboxMessage[] = [];
  for (const message of messages) {
    const sequence = answeredSequence(message.event);
    if (sequence === undefined) accepted.push(message);
    else if (view.isAnswered(sequence) || answeredNow.has(sequence)) duplicates.push(message);
    else if (!view.isScheduled(sequence)) deferred.push(message);
    else {
      answeredNow.add(sequence);
      accepted.push(message);
    }
  }
  return { accepted, duplicates, deferred };
}

// Local results travel as messages with these IDs (never stored: they are not inbox messages).
const LOCAL_PREFIX = 'local:';
const localIndex = (message: InboxMessage): number | undefined =>
  message.id.startsWith(LOCAL_PREFIX) ? Number(message.id.slice(LOCAL_PREFIX.length)) : undefined;

/**
 * Decides what an episode does with what arrived: pure, data in and decision out. Local results are applied after
 * the inbox's messages, so that a result also sent to the inbox (by an earlier attempt of its activity) is the
 * duplicate; what came first is applied first (a whenAny sees the true winner).
 */
export function planIntake(input: IntakeInput): Intake {
  const { instance, view, queued, local, now } = input;
  const ending = view.ending;
  if (ending?.type === HistoryEventType.ContinueAsNew) return { kind: 'continue-as-new', ending };
  const rewind = pickRewind(view, queued.filter((m) => m.executionId === undefined || m.executionId === instance.executionId));
  const rewinding = rewind.message !== undefined;
  if (ending?.type === HistoryEventType.ExecutionCompleted && !rewinding && !TERMINAL_STATUSES.has(instance.runtimeStatus)) return { kind: 'sync-completion', ending };

  const allLocal = local.map((_, i) => i);
  if (TERMINAL_STATUSES.has(instance.runtimeStatus) && !rewinding) {
    // A finished instance ignores late results and events.
    return { kind: 'finished', deleteMessageIds: queued.map((m) => m.id), localRecorded: allLocal };
  }
  const stale = (m: InboxMessage): boolean => view.consumed(m.id) || (m.executionId !== undefined && m.executionId !== instance.executionId) ||
    rewind.staleIds.includes(m.id);
  // A rewind is applied first: what arrives with it answers the tasks it re-opened.
  const fresh = queued.filter((m) => !stale(m) && m !== rewind.message);
  if (rewind.message !== undefined) fresh.unshift(rewind.message);
  const staleIds = queued.filter(stale).map((m) => m.id);
  const localMessages: InboxMessage[] = local.map((event, i) => ({
    id: `${LOCAL_PREFIX}${i}`, instanceId: instance.instanceId, executionId: instance.executionId, event, createdAt: event.timestamp,
  }));
  const { accepted, duplicates, deferred } = classifyMessages(view, [...fresh, ...localMessages]);
  const discards: Discards = {
    deleteMessageIds: [...staleIds, ...duplicates.filter((m) => localIndex(m) === undefined).map((m) => m.id)],
    localRecorded: duplicates.map(localIndex).filter((i): i is number => i !== undefined),
  };
  const starting = view.length === 0;
  if (!starting && accepted.length === 0) return { kind: 'idle', deferred, ...discards };

  const newEvents: HistoryEvent[] = [{ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: now }];
  if (starting) {
    newEvents.push({
      type: HistoryEventType.ExecutionStarted, eventId: -1, timestamp: now, name: instance.name, instanceId: instance.instanceId,
      executionId: instance.executionId, input: instance.input, engineVersion: input.engineVersion,
      ...(instance.parentInstance === undefined ? {} : { parentInstance: { instanceId: instance.parentInstance.instanceId, name: instance.parentInstance.name, taskScheduledId: instance.parentInstance.taskScheduledId } }),
      ...(instance.scheduledStartTime === undefined ? {} : { scheduledStartTime: instance.scheduledStartTime }),
      ...(input.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: input.maxHistoryEvents }),
      ...(instance.orchestrationVersion === undefined ? {} : { version: instance.orchestrationVersion }),
      ...(instance.traceContext === undefined ? {} : { parentTraceContext: instance.traceContext }),
      ...(input.traceContext === undefined ? {} : { traceContext: input.traceContext }),
    });
    if (instance.carryoverEvents !== undefined) newEvents.push(...instance.carryoverEvents);
  }
  newEvents.push(...accepted.map((m) => m.event));
  if (rewind.message !== undefined) {
    // The rewind (first of the accepted messages) records what it runs again.
    const answers = accepted.slice(1).map((m) => m.event);
    newEvents[newEvents.indexOf(rewind.message.event)] = recordedRewind(view, rewind.message.event, answers);
  }
  const termination = accepted.find((m) => m.event.type === HistoryEventType.ExecutionTerminated)?.event;
  return {
    kind: 'run',
    newEvents,
    consumedMessageIds: accepted.filter((m) => localIndex(m) === undefined).map((m) => m.id),
    localAccepted: accepted.map(localIndex).filter((i): i is number => i !== undefined),
    deferred,
    termination: termination?.type === HistoryEventType.ExecutionTerminated ? termination : undefined,
    starting,
    rewound: rewinding,
    ...discards,
  };
}

/** Whether any of the deferred results answers an action that `events` (a chunk just committed) schedules. */
export function deferredNowApplicable(deferred: readonly InboxMessage[], events: readonly HistoryEvent[]): boolean {
  if (deferred.length === 0) return false;
  const scheduled = new Set(events.filter(isAnswerable).map((e) => e.eventId));
  return deferred.some((m) => {
    const sequence = answeredSequence(m.event);
    return sequence !== undefined && scheduled.has(sequence);
  });
}
