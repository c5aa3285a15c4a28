/**
 * Durable entities: the authoring API (`DurableEntity`, `EntityContext`, `EntityId`, typed proxies) and the pure
 * batch executor that applies queued operations to one entity.
 *
 * @module
 */

// Authoring
export { DurableEntity } from './durable-entity.js';
export { EntityId } from '../core/entity-id.js';
export type { EntityContext } from './entity-context.js';
export type { EntityOperationContext, SignalEntityOptions } from './entity-operation-context.js';
export type { EntityClass, EntityInstance, FunctionEntity } from './entity-class.js';
export { entityOperationNames } from './entity-operation-names.js';
export type {
  EntityOperationName, EntityOperationArgs, EntityOperationInput, EntityOperationResult, EntitySignalProxy,
} from './entity-signal-proxy.js';
export { EntityOperationNotFoundError } from '../core/errors/entity-operation-not-found-error.js';

// Execution (pure: state and operations in, state, outcomes and actions out)
export { executeEntityBatch } from './execute-entity-batch.js';
export type { EntityBatchRequest, EntityOperationRequest, ObservedOperation } from './entity-batch-request.js';
export type { EntityBatchResult, EntityOperationOutcome, EntityOperationSuccess, EntityOperationFailure } from './entity-batch-result.js';
export { EntityActionType } from './entity-action.js';
export type { EntityAction, EntitySignalAction, EntityStartOrchestrationAction } from './entity-action.js';
