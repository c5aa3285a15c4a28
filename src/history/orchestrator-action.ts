import type { EncodedPayload } from './history-event.js';

/** Persisted action kind names. */
export const OrchestratorActionType = {
  ScheduleTask: 'ScheduleTask',
  CreateTimer: 'CreateTimer',
  CreateSubOrchestration: 'CreateSubOrchestration',
  SendEvent: 'SendEvent',
} as const;

export interface ScheduleTaskAction {
  readonly type: typeof OrchestratorActionType.ScheduleTask;
  readonly sequence: number;
  readonly name: string;
  readonly input: EncodedPayload;
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
}
export interface SendEventAction {
  readonly type: typeof OrchestratorActionType.SendEvent;
  readonly sequence: number;
  readonly instanceId: string;
  readonly name: string;
  readonly input: EncodedPayload;
}

/** A request the orchestrator makes of the runtime: the imperative twin of a history event. */
export type OrchestratorAction = ScheduleTaskAction | CreateTimerAction | CreateSubOrchestrationAction | SendEventAction;
