import type { ActivityAttemptLimits, EncodedPayload } from './history-event.js';

/** Persisted action kind names. */
export const OrchestratorActionType = {
  ScheduleTask: 'ScheduleTask',
  CreateTimer: 'CreateTimer',
  CreateSubOrchestration: 'CreateSubOrchestration',
  SendEvent: 'SendEvent',
  CallEntity: 'CallEntity',
  SignalEntity: 'SignalEntity',
  LockEntities: 'LockEntities',
  UnlockEntity: 'UnlockEntity',
} as const;

/** The name of an action kind: one of the values of {@link OrchestratorActionType}. */
export type OrchestratorActionType = (typeof OrchestratorActionType)[keyof typeof OrchestratorActionType];

export interface ScheduleTaskAction {
  readonly type: typeof OrchestratorActionType.ScheduleTask;
  readonly sequence: number;
  readonly name: string;
  readonly input: EncodedPayload;
  /** The attempt's limits (timeouts); not part of the step's identity. */
  readonly limits?: ActivityAttemptLimits;
  /** The attempt number of the call (1-based; absent: 1). */
  readonly attempt?: number;
  /** Heartbeat details of the previous attempt. */
  readonly heartbeatDetails?: EncodedPayload;
}
export interface CreateTimerAction {
  readonly type: typeof OrchestratorActionType.CreateTimer;
  readonly sequence: number;
  readonly fireAt: Date;
}
export interface CreateSubOrchestrationAction {
  readonly type: typeof OrchestratorActionType.CreateSubOrchestration;
  readonly sequence: number;
  readonly name: string;
  readonly instanceId: string;
  readonly input: EncodedPayload;
  /** The child's orchestration version (`callSubOrchestrator(..., { version })`); absent, the parent's. */
  readonly version?: string;
}
export interface SendEventAction {
  readonly type: typeof OrchestratorActionType.SendEvent;
  readonly sequence: number;
  readonly instanceId: string;
  readonly name: string;
  readonly input: EncodedPayload;
}

/** Call an entity operation and wait for its result (EntityOperationCalled). */
export interface CallEntityAction {
  readonly type: typeof OrchestratorActionType.CallEntity;
  readonly sequence: number;
  readonly targetInstanceId: string;
  readonly operation: string;
  readonly input: EncodedPayload;
}
/** Signal an entity (EntityOperationSignaled). */
export interface SignalEntityAction {
  readonly type: typeof OrchestratorActionType.SignalEntity;
  readonly sequence: number;
  readonly targetInstanceId: string;
  readonly operation: string;
  readonly input: EncodedPayload;
  readonly scheduledTime?: Date;
}
/** Lock entities for a critical section (EntityLockRequested). */
export interface LockEntitiesAction {
  readonly type: typeof OrchestratorActionType.LockEntities;
  readonly sequence: number;
  readonly criticalSectionId: string;
  readonly lockSet: readonly string[];
}
/** Release one locked entity (EntityUnlockSent). */
export interface UnlockEntityAction {
  readonly type: typeof OrchestratorActionType.UnlockEntity;
  readonly sequence: number;
  readonly criticalSectionId: string;
  readonly targetInstanceId: string;
}

/** A request the orchestrator makes of the runtime: the imperative twin of a history event. */
export type OrchestratorAction =
  | ScheduleTaskAction | CreateTimerAction | CreateSubOrchestrationAction | SendEventAction
  | CallEntityAction | SignalEntityAction | LockEntitiesAction | UnlockEntityAction;

/** Accepts only `never`: names what is left when it is not. */
type NothingLeft<T extends never> = T;
// Every name in OrchestratorActionType has its interface in the OrchestratorAction union (a name added to one and not
// the other fails to compile here, naming it).
type _NamesWithoutAnAction = NothingLeft<Exclude<OrchestratorActionType, OrchestratorAction['type']>>;
