import type { EncodedPayload } from '../core/codec.js';
import type { FailureDetails } from '../core/failure-details.js';
import type { TraceContext } from '../core/trace-context.js';

/**
 * The persisted names of history events (Durable Task's names, so that the Durable Functions `showHistory` view is a
 * projection). Changing one is a storage migration.
 */
export const HistoryEventType = {
  ExecutionStarted: 'ExecutionStarted',
  ExecutionCompleted: 'ExecutionCompleted',
  ExecutionTerminated: 'ExecutionTerminated',
  ExecutionSuspended: 'ExecutionSuspended',
  ExecutionResumed: 'ExecutionResumed',
  ExecutionRewound: 'ExecutionRewound',
  ContinueAsNew: 'ContinueAsNew',
  OrchestratorStarted: 'OrchestratorStarted',
  OrchestratorCompleted: 'OrchestratorCompleted',
  TaskScheduled: 'TaskScheduled',
  TaskCompleted: 'TaskCompleted',
  TaskFailed: 'TaskFailed',
  TaskCancelRequested: 'TaskCancelRequested',
  SubOrchestrationInstanceCreated: 'SubOrchestrationInstanceCreated',
  SubOrchestrationInstanceCompleted: 'SubOrchestrationInstanceCompleted',
  SubOrchestrationInstanceFailed: 'SubOrchestrationInstanceFailed',
  TimerCreated: 'TimerCreated',
  TimerFired: 'TimerFired',
  TimerCanceled: 'TimerCanceled',
  EventRaised: 'EventRaised',
  EventSent: 'EventSent',
  GenericEvent: 'GenericEvent',
  PatchMarker: 'PatchMarker',
  // Entities, as seen from an orchestration's history (Durable Task's entity event names).
  EntityOperationCalled: 'EntityOperationCalled',
  EntityOperationSignaled: 'EntityOperationSignaled',
  EntityOperationCompleted: 'EntityOperationCompleted',
  EntityOperationFailed: 'EntityOperationFailed',
  EntityLockRequested: 'EntityLockRequested',
  EntityLockGranted: 'EntityLockGranted',
  EntityUnlockSent: 'EntityUnlockSent',
  // Messages to an entity (its inbox; never in an orchestration's history).
  EntityRequest: 'EntityRequest',
  EntityLockRequest: 'EntityLockRequest',
  EntityUnlock: 'EntityUnlock',
} as const;

/** The name of a history event type: one of the values of {@link HistoryEventType}. */
export type HistoryEventType = (typeof HistoryEventType)[keyof typeof HistoryEventType];

export type { EncodedPayload } from '../core/codec.js';

/** Final states an execution can record. */
export type TerminalStatus = 'Completed' | 'Failed' | 'Terminated' | 'ContinuedAsNew';

interface EventBase {
  /**
   * For events that record an orchestrator action (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated,
   * EventSent): the action's sequence number, which the matching completion refers to. Otherwise -1.
   */
  readonly eventId: number;
  /** When the event was recorded (the runtime's clock, never read by orchestrator code except via history). */
  readonly timestamp: Date;
}

/** The first event of every execution. */
export interface ExecutionStartedEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionStarted;
  readonly name: string;
  readonly instanceId: string;
  readonly executionId: string;
  readonly input: EncodedPayload;
  /** Set for sub-orchestrations: the parent and the parent's action sequence number. */
  readonly parentInstance?: { readonly instanceId: string; readonly name: string; readonly taskScheduledId: number };
  /** Engine behaviour version this execution started under; replay keeps that behaviour. */
  readonly engineVersion: number;
  /** The instance's orchestration version (`ctx.version`), when it has one. */
  readonly version?: string;
  readonly scheduledStartTime?: Date;
  /** The runtime's `maxHistoryEvents` when the execution started: `ctx.continueAsNewSuggested` compares with it. */
  readonly maxHistoryEvents?: number;
  /**
   * The span that started the execution (the client's `create_orchestration` span, or the parent orchestration's
   * span for a sub-orchestration), when tracing was on: the execution's span is its child.
   */
  readonly parentTraceContext?: TraceContext;
  /**
   * The execution's own `orchestration:<Name>` span, when tracing was on: the parent of every activity, timer,
   * sub-orchestration and entity operation span of the execution, in whichever process they run.
   */
  readonly traceContext?: TraceContext;
}
export interface ExecutionCompletedEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionCompleted;
  readonly orchestrationStatus: TerminalStatus;
  readonly result?: EncodedPayload;
  readonly failureDetails?: FailureDetails;
}
export interface ExecutionTerminatedEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionTerminated;
  readonly reason?: EncodedPayload;
  /**
   * Whether the instance's running sub-orchestrations are terminated with it (recursively): carried out by the
   * dispatch of the chunk that ends the execution, so a crash in between finishes it on recovery. Absent (events
   * recorded before the field existed): not recursive.
   */
  readonly recursive?: boolean;
}
export interface ExecutionSuspendedEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionSuspended;
  readonly reason?: string;
}
export interface ExecutionResumedEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionResumed;
  readonly reason?: string;
}
/**
 * An operator rewound the failed execution (`client.rewind`): read with the events before it, it undoes the failure
 * that ended the execution — the ExecutionCompleted, and the TaskFailed / SubOrchestrationInstanceFailed answers
 * recorded after the code's last action — so that replay waits for those tasks again (see `rewoundEvents`). Sent by
 * the client as a message; the episode that applies it fills in `rerun`.
 */
export interface ExecutionRewoundEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionRewound;
  readonly reason?: string;
  /**
   * The sequence numbers of the actions the rewind runs again (activities, timers, sub-orchestrations without an
   * answer once the failure is undone), carried out by the dispatch of the chunk that records the rewind.
   */
  readonly rerun?: readonly number[];
}
/** Recorded when an execution continues as new: the next execution's input and the events carried over. */
export interface ContinueAsNewEvent extends EventBase {
  readonly type: typeof HistoryEventType.ContinueAsNew;
  readonly input: EncodedPayload;
  readonly carryoverEvents?: readonly EventRaisedEvent[];
}
/** Starts an episode; its timestamp is `ctx.currentUtcDateTime` from here until the next one. */
export interface OrchestratorStartedEvent extends EventBase {
  readonly type: typeof HistoryEventType.OrchestratorStarted;
}
export interface OrchestratorCompletedEvent extends EventBase {
  readonly type: typeof HistoryEventType.OrchestratorCompleted;
}
/**
 * The per-attempt limits of an activity call, enforced by the worker running it (and, if that worker dies, by any
 * other): `startToCloseTimeoutMs` from the attempt's start to its result, `heartbeatTimeoutMs` between heartbeats.
 */
export interface ActivityAttemptLimits {
  readonly startToCloseTimeoutMs?: number;
  readonly heartbeatTimeoutMs?: number;
}
export interface TaskScheduledEvent extends EventBase {
  readonly type: typeof HistoryEventType.TaskScheduled;
  readonly name: string;
  readonly input: EncodedPayload;
  /** The attempt's limits (absent: none). */
  readonly limits?: ActivityAttemptLimits;
  /** Which attempt of its call this is, 1-based (absent: 1): the retry policy's count. */
  readonly attempt?: number;
  /** The heartbeat details the previous attempt left (what `ctx.lastHeartbeatDetails` starts from). */
  readonly heartbeatDetails?: EncodedPayload;
}
export interface TaskCompletedEvent extends EventBase {
  readonly type: typeof HistoryEventType.TaskCompleted;
  readonly taskScheduledId: number;
  readonly result: EncodedPayload;
}
export interface TaskFailedEvent extends EventBase {
  readonly type: typeof HistoryEventType.TaskFailed;
  readonly taskScheduledId: number;
  readonly failureDetails: FailureDetails;
  /** The last heartbeat details of the failed attempt, handed to the next attempt of a retried call. */
  readonly heartbeatDetails?: EncodedPayload;
}
/**
 * The code cancelled an activity it no longer waits for (a `cancel()`, a schedule-to-close timeout, the losing branch
 * of a race): the activity's signal is aborted wherever it runs, and its result, if one still comes, is not recorded.
 * Counts as the answer of `taskScheduledId`. Recorded by executions of engine version 2 and later.
 */
export interface TaskCancelRequestedEvent extends EventBase {
  readonly type: typeof HistoryEventType.TaskCancelRequested;
  readonly taskScheduledId: number;
  readonly reason?: string;
}
export interface SubOrchestrationInstanceCreatedEvent extends EventBase {
  readonly type: typeof HistoryEventType.SubOrchestrationInstanceCreated;
  readonly name: string;
  readonly instanceId: string;
  readonly input: EncodedPayload;
  /** The child's orchestration version when the call named one; absent, the child inherits its parent's. */
  readonly version?: string;
}
export interface SubOrchestrationInstanceCompletedEvent extends EventBase {
  readonly type: typeof HistoryEventType.SubOrchestrationInstanceCompleted;
  readonly taskScheduledId: number;
  readonly result: EncodedPayload;
}
export interface SubOrchestrationInstanceFailedEvent extends EventBase {
  readonly type: typeof HistoryEventType.SubOrchestrationInstanceFailed;
  readonly taskScheduledId: number;
  readonly failureDetails: FailureDetails;
}
export interface TimerCreatedEvent extends EventBase {
  readonly type: typeof HistoryEventType.TimerCreated;
  readonly fireAt: Date;
}
export interface TimerFiredEvent extends EventBase {
  readonly type: typeof HistoryEventType.TimerFired;
  readonly timerId: number;
  readonly fireAt: Date;
}
/**
 * The code cancelled a timer that had not fired: its job is removed, so it never wakes the instance. Counts as the
 * answer of `timerId`. Recorded by executions of engine version 2 and later.
 */
export interface TimerCanceledEvent extends EventBase {
  readonly type: typeof HistoryEventType.TimerCanceled;
  readonly timerId: number;
}
export interface EventRaisedEvent extends EventBase {
  readonly type: typeof HistoryEventType.EventRaised;
  readonly name: string;
  readonly input: EncodedPayload;
}
export interface EventSentEvent extends EventBase {
  readonly type: typeof HistoryEventType.EventSent;
  readonly instanceId: string;
  readonly name: string;
  readonly input: EncodedPayload;
}
export interface GenericEvent extends EventBase {
  readonly type: typeof HistoryEventType.GenericEvent;
  readonly data?: string;
}
/**
 * The code took patch `patchId`'s new path (`ctx.patched(patchId)` answered true in a live episode), or, `deprecated`,
 * passed its `ctx.deprecatePatch(patchId)`. No action and no sequence number: adding or removing a patch never shifts
 * the numbers of the code's actions. A replay of this execution answers `ctx.patched(patchId)` with true.
 */
export interface PatchMarkerEvent extends EventBase {
  readonly type: typeof HistoryEventType.PatchMarker;
  readonly patchId: string;
  /** Recorded by `ctx.deprecatePatch` (absent: by `ctx.patched`). */
  readonly deprecated?: boolean;
}

/** An orchestration called an entity operation and awaits its result (`eventId` = the call's sequence number). */
export interface EntityOperationCalledEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityOperationCalled;
  /** The entity's instance ID, `@name@key`. */
  readonly targetInstanceId: string;
  readonly operation: string;
  readonly input: EncodedPayload;
}
/** An orchestration signaled an entity (one-way; `eventId` = the signal's sequence number). */
export interface EntityOperationSignaledEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityOperationSignaled;
  readonly targetInstanceId: string;
  readonly operation: string;
  readonly input: EncodedPayload;
  /** Deliver not before this time. */
  readonly scheduledTime?: Date;
}
/** The result of a called entity operation. */
export interface EntityOperationCompletedEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityOperationCompleted;
  readonly taskScheduledId: number;
  readonly result: EncodedPayload;
}
/** A called entity operation threw (its state change was rolled back). */
export interface EntityOperationFailedEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityOperationFailed;
  readonly taskScheduledId: number;
  readonly failureDetails: FailureDetails;
}
/**
 * An orchestration asked to lock entities (a critical section; `eventId` = the request's sequence number). The
 * request goes to `lockSet[0]`, which forwards it to the next entity once it holds the lock, and so on; the last one
 * answers with EntityLockGranted. Acquiring in one global order (sorted instance IDs) rules out deadlocks.
 */
export interface EntityLockRequestedEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityLockRequested;
  /** Identifies the critical section (deterministic: derived from the orchestration under replay). */
  readonly criticalSectionId: string;
  /** The entities' instance IDs, sorted, without duplicates. */
  readonly lockSet: readonly string[];
}
/** Every entity of a lock request is locked for the orchestration (answers the request's sequence number). */
export interface EntityLockGrantedEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityLockGranted;
  readonly taskScheduledId: number;
  readonly criticalSectionId: string;
}
/** An orchestration released one entity of a critical section (`eventId` = this action's sequence number). */
export interface EntityUnlockSentEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityUnlockSent;
  readonly criticalSectionId: string;
  readonly targetInstanceId: string;
}

/** Who is waiting for an entity's answer: the orchestration execution and its action's sequence number. */
export interface EntityRequester {
  readonly instanceId: string;
  readonly executionId: string;
  readonly taskScheduledId: number;
}

/**
 * A message to an entity: run `operation` with `input`. Two-way when `parent` is set (the result goes back to it as
 * EntityOperationCompleted / EntityOperationFailed), one-way (a signal) otherwise. `senderId` is the sending instance,
 * if any (an entity locked by an orchestration accepts operations from that orchestration only).
 */
export interface EntityRequestEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityRequest;
  readonly operation: string;
  readonly input: EncodedPayload;
  readonly parent?: EntityRequester;
  readonly senderId?: string;
  /** Not to be applied before this time (a scheduled signal). */
  readonly scheduledTime?: Date;
  /** The span of the sender (an orchestration's span, the client's active span): the operation's span is its child. */
  readonly traceContext?: TraceContext;
}
/** A lock request travelling along `lockSet`: this entity is `lockSet[position]`. */
export interface EntityLockRequestEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityLockRequest;
  readonly criticalSectionId: string;
  readonly lockSet: readonly string[];
  readonly position: number;
  readonly parent: EntityRequester;
}
/** Releases this entity from a critical section of `parentInstanceId`. */
export interface EntityUnlockEvent extends EventBase {
  readonly type: typeof HistoryEventType.EntityUnlock;
  readonly criticalSectionId: string;
  readonly parentInstanceId: string;
}

/**
 * A fact recorded in an orchestration's history. Plain, JSON/BSON-safe data: the same shape in memory, in MongoDB
 * and in test fixtures.
 */
export type HistoryEvent =
  | ExecutionStartedEvent | ExecutionCompletedEvent | ExecutionTerminatedEvent | ExecutionSuspendedEvent
  | ExecutionResumedEvent | ExecutionRewoundEvent | ContinueAsNewEvent | OrchestratorStartedEvent | OrchestratorCompletedEvent
  | TaskScheduledEvent | TaskCompletedEvent | TaskFailedEvent | TaskCancelRequestedEvent
  | SubOrchestrationInstanceCreatedEvent | SubOrchestrationInstanceCompletedEvent | SubOrchestrationInstanceFailedEvent
  | TimerCreatedEvent | TimerFiredEvent | TimerCanceledEvent | EventRaisedEvent | EventSentEvent | GenericEvent | PatchMarkerEvent
  | EntityOperationCalledEvent | EntityOperationSignaledEvent | EntityOperationCompletedEvent | EntityOperationFailedEvent
  | EntityLockRequestedEvent | EntityLockGrantedEvent | EntityUnlockSentEvent
  | EntityRequestEvent | EntityLockRequestEvent | EntityUnlockEvent;

/** Accepts only `never`: names what is left when it is not. */
type NothingLeft<T extends never> = T;
// Every name in HistoryEventType has its interface in the HistoryEvent union (a name added to one and not the other
// fails to compile here, naming it).
type _NamesWithoutAnEvent = NothingLeft<Exclude<HistoryEventType, HistoryEvent['type']>>;
