import type { RunnableClass } from '../engine/task-types.js';
import type { EncodedPayload } from '../history/history-event.js';
import type { EntityId } from '../core/entity-id.js';
import type { FailureDetails } from '../core/failure-details.js';

/** One queued operation of an {@link EntityBatchRequest}. */
export interface EntityOperationRequest {
  /** Identifies the operation in the batch's outcomes and actions (e.g. its message ID). */
  readonly id: string;
  /** The operation name as sent. */
  readonly operation: string;
  readonly input: EncodedPayload;
}

/** The input of `executeEntityBatch`: one entity, its stored state, and the operations to apply in order. */
export interface EntityBatchRequest {
  readonly entityId: EntityId;
  /** The stored state; `undefined` when the entity has none (it does not exist). */
  readonly state: EncodedPayload | undefined;
  readonly operations: readonly EntityOperationRequest[];
  /**
   * The resolved entity instance (`registry.resolveEntity`): a `DurableEntity` subclass, or a function-style entity
   * with `run(ctx)`. It serves the whole batch.
   */
  readonly entity: object;
  /**
   * The registered name of an orchestrator for `startNewOrchestration`; throws (a `RegistrationError`) for an unknown
   * one, which fails the operation.
   */
  readonly resolveOrchestratorName: (ref: string | RunnableClass) => string;
  /** A new unique instance ID, for `startNewOrchestration` without one. */
  readonly newInstanceId: () => string;
  /** The largest encoded state, result or outgoing input, in UTF-8 bytes. */
  readonly maxPayloadBytes: number;
  /**
   * Watches each operation (the runtime's spans and metrics): called before it runs; the operation's code runs inside
   * `run`, and `end` is called with its failure, if it failed.
   */
  readonly observe?: (operation: EntityOperationRequest) => ObservedOperation;
}

/** What {@link EntityBatchRequest.observe} returns for one operation. */
export interface ObservedOperation {
  /** Runs the operation's code (e.g. with its span active). */
  run<T>(work: () => T): T;
  /** The operation ended: successfully, or with `failure`. */
  end(failure?: FailureDetails): void;
}
