import type { FailureDetails } from '../core/failure-details.js';

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
  ContinueAsNew: 'ContinueAsNew',
  OrchestratorStarted: 'OrchestratorStarted',
  OrchestratorCompleted: 'OrchestratorCompleted',
  TaskScheduled: 'TaskScheduled',
  TaskCompleted: 'TaskCompleted',
  TaskFailed: 'TaskFailed',
  SubOrchestrationInstanceCreated: 'SubOrchestrationInstanceCreated',
  SubOrchestrationInstanceCompleted: 'SubOrchestrationInstanceCompleted',
  SubOrchestrationInstanceFailed: 'SubOrchestrationInstanceFailed',
  TimerCreated: 'TimerCreated',
  TimerFired: 'TimerFired',
  EventRaised: 'EventRaised',
  EventSent: 'EventSent',
  GenericEvent: 'GenericEvent',
} as const;

/** A payload after the codec: a string (see `src/core/codec.ts`), or undefined for "no value". */
export type EncodedPayload = string | undefined;

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
  readonly scheduledStartTime?: Date;
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
}
export interface ExecutionSuspendedEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionSuspended;
  readonly reason?: string;
}
export interface ExecutionResumedEvent extends EventBase {
  readonly type: typeof HistoryEventType.ExecutionResumed;
  readonly reason?: string;
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
export interface TaskScheduledEvent extends EventBase {
  readonly type: typeof HistoryEventType.TaskScheduled;
  readonly name: string;
  readonly input: EncodedPayload;
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
}
export interface SubOrchestrationInstanceCreatedEvent extends EventBase {
  readonly type: typeof HistoryEventType.SubOrchestrationInstanceCreated;
  readonly name: string;
  readonly instanceId: string;
  readonly input: EncodedPayload;
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
 * A fact recorded in an orchestration's history. Plain, JSON/BSON-safe data: the same shape in memory, in MongoDB
 * and in test fixtures.
 */
export type HistoryEvent =
  | ExecutionStartedEvent | ExecutionCompletedEvent | ExecutionTerminatedEvent | ExecutionSuspendedEvent
  | ExecutionResumedEvent | ContinueAsNewEvent | OrchestratorStartedEvent | OrchestratorCompletedEvent
  | TaskScheduledEvent | TaskCompletedEvent | TaskFailedEvent
  | SubOrchestrationInstanceCreatedEvent | SubOrchestrationInstanceCompletedEvent | SubOrchestrationInstanceFailedEvent
  | TimerCreatedEvent | TimerFiredEvent | EventRaisedEvent | EventSentEvent | GenericEvent;
