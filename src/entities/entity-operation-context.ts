import type { OrchestratorInput, RunnableClass } from '../engine/task-types.js';
import type { EntityId } from '../core/entity-id.js';

/** Options of {@link EntityOperationContext.signalEntity}. */
export interface SignalEntityOptions {
  /** Deliver the signal not before this time (a scheduled signal). Default: as soon as possible. */
  readonly scheduledTime?: Date;
}

/**
 * What an entity operation knows about itself and what it may send, available as `this.context` in a
 * `DurableEntity` method (and as part of the function-style `EntityContext`).
 *
 * Signals and orchestration starts are **sent only if the operation succeeds**: an operation that throws rolls back
 * its state change and everything it sent. They leave the entity after the batch's state is stored, in the order
 * they were issued.
 *
 * Only valid while the operation runs: calling it after the operation has returned (from a callback that was not
 * awaited) throws a `DurableError` with code `ENTITY_OPERATION_ENDED`.
 */
export interface EntityOperationContext {
  /** The entity running the operation. */
  readonly entityId: EntityId;
  /** The operation's name as the caller spelled it (dispatch to methods ignores case). */
  readonly operationName: string;

  /**
   * Sends a one-way operation to an entity (this one included), optionally not before `options.scheduledTime`.
   * The input is encoded now: a value that cannot cross the durable boundary throws `InvalidPayloadError`, an
   * input over the payload limit throws `PayloadTooLargeError`.
   */
  signalEntity(entityId: EntityId, operation: string, input?: unknown, options?: SignalEntityOptions): void;

  /**
   * Starts an orchestration (by class or registered name) once the operation has succeeded, and returns its
   * instance ID: `instanceId` when given, a new unique ID otherwise. Starting an ID that is already in use is
   * dropped, as in Durable Functions.
   *
   * @throws RegistrationError when no orchestrator is registered under `orchestrator`.
   */
  startNewOrchestration<C extends RunnableClass>(orchestrator: C, input?: OrchestratorInput<C>, instanceId?: string): string;
  startNewOrchestration(orchestrator: string, input?: unknown, instanceId?: string): string;
}
