import type { EncodedPayload } from '../history/history-event.js';

/** The `type` of each {@link EntityAction}. */
export const EntityActionType = {
  Signal: 'signal',
  StartOrchestration: 'startOrchestration',
} as const;

/** A one-way operation an entity operation sent to an entity (`this.context.signalEntity`). */
export interface EntitySignalAction {
  readonly type: typeof EntityActionType.Signal;
  /** The target entity's instance ID, `@name@key`. */
  readonly targetInstanceId: string;
  readonly operation: string;
  readonly input: EncodedPayload;
  /** Deliver not before this time. */
  readonly scheduledTime?: Date;
  /** The `id` of the operation that sent it. */
  readonly operationId: string;
}

/** An orchestration an entity operation started (`this.context.startNewOrchestration`). */
export interface EntityStartOrchestrationAction {
  readonly type: typeof EntityActionType.StartOrchestration;
  /** The orchestrator's registered name. */
  readonly name: string;
  readonly instanceId: string;
  readonly input: EncodedPayload;
  /** The `id` of the operation that started it. */
  readonly operationId: string;
}

/** What an entity batch asks to send once its state is stored; only successful operations' actions are kept. */
export type EntityAction = EntitySignalAction | EntityStartOrchestrationAction;
