import { RegistrationError } from '../core/errors/registration-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import { DurableEntity } from './durable-entity.js';
import type { EntityAction } from './entity-action.js';
import type { EntityBatchRequest } from './entity-batch-request.js';
import type { EntityBatchResult, EntityOperationOutcome } from './entity-batch-result.js';
import { bindEntity, unbindEntity } from './entity-binding.js';
import type { FunctionEntity } from './entity-class.js';
import type { EntityContext } from './entity-context.js';
import { entityDispatchTable, IMPLICIT_DELETE_OPERATION } from './entity-dispatch-table.js';
import { EntityOperationNotFoundError } from '../core/errors/entity-operation-not-found-error.js';
import { EntityOperationScope } from './entity-operation-scope.js';

/** Runs one operation on the entity's code; returns what the operation returned (possibly a promise). */
type Invoke = (scope: EntityOperationScope) => unknown;

/**
 * Applies a batch of operations to one entity — pure: data in, data out; no storage, no clock.
 *
 * Operations run one at a time, in order, each on the state the previous one left. An operation that throws (or
 * rejects) is rolled back — its state change and its signals and orchestration starts are dropped — and its outcome
 * is its failure (`failureDetailsFrom(error)`); later operations still run. After each successful operation its
 * result and the state are encoded and checked against `maxPayloadBytes`: a value that cannot be encoded, or is too
 * large, fails that operation alone (`InvalidPayloadError`, `PayloadTooLargeError`), so stored state never reaches
 * MongoDB's document limit.
 *
 * A class-based entity (extending `DurableEntity`) gets each operation dispatched to its method of that name,
 * ignoring case, with the decoded input as its argument; `delete` deletes the state unless the class defines it;
 * an unknown operation fails with `EntityOperationNotFoundError`. A function-style entity gets every operation in
 * `run(ctx)`. One instance serves the whole batch.
 *
 * @throws RegistrationError (the promise rejects) when `request.entity` is not an entity, or its class cannot be
 * dispatched (a method with more than one parameter) — no operation has run then.
 *
 * @example
 * ```ts
 * const result = await executeEntityBatch({
 *   entityId: new EntityId('Counter', 'c1'), state: undefined, entity: new Counter(),
 *   operations: [{ id: 'm1', operation: 'add', input: encodePayload(5, 'input') }, { id: 'm2', operation: 'get', input: undefined }],
 *   resolveOrchestratorName: (ref) => registry.nameOf('orchestrator', ref), newInstanceId: () => randomUUID(), maxPayloadBytes: 1 << 20,
 * });
 * // result.state === '5'; result.outcomes[1] is { id: 'm2', success: true, result: '5' }
 * ```
 */
export async function executeEntityBatch(request: EntityBatchRequest): Promise<EntityBatchResult> {
  const { entity } = request;
  const invoke = invokerFor(request);
  let state = request.state;
  const outcomes: EntityOperationOutcome[] = [];
  const actions: EntityAction[] = [];
  for (const operation of request.operations) {
    const scope = new EntityOperationScope(request, operation, state);
    const observed = request.observe?.(operation);
    bindEntity(entity, scope);
    try {
      const returned = observed === undefined ? invoke(scope) : observed.run(() => invoke(scope));
      // Synchronous operations do not wait for a microtask.
      const value = isPromiseLike(returned) ? await returned : returned;
      const output = scope.finish(value);
      state = output.state;
      outcomes.push({ id: operation.id, success: true, result: output.result });
      actions.push(...output.actions);
      observed?.end();
    } catch (error) {
      const failureDetails = failureDetailsFrom(error);
      outcomes.push({ id: operation.id, success: false, failureDetails });
      observed?.end(failureDetails);
    } finally {
      scope.end();
      unbindEntity(entity);
    }
  }
  return { state, outcomes, actions };
}

function invokerFor(request: EntityBatchRequest): Invoke {
  const { entity, entityId } = request;
  if (entity instanceof DurableEntity) {
    const table = entityDispatchTable(entity.constructor as abstract new () => object);
    if (table.problems.length > 0) {
      throw new RegistrationError(`Entity class ${entity.constructor.name} cannot be dispatched: ${table.problems.join('; ')}.`);
    }
    const methods = entity as unknown as Record<string, (input?: unknown) => unknown>;
    return (scope) => {
      const methodName = table.methods.get(scope.operationName.toLowerCase());
      if (methodName !== undefined) {
        const method = methods[methodName] as (input?: unknown) => unknown;
        // Without an input the method is called without arguments, so that parameter defaults apply.
        return scope.hasInput ? method.call(entity, scope.input()) : method.call(entity);
      }
      if (table.implicitDelete && scope.operationName.toLowerCase() === IMPLICIT_DELETE_OPERATION) {
        scope.deleteState();
        return undefined;
      }
      throw new EntityOperationNotFoundError(entityId.name, entityId.instanceId, scope.operationName, table.operationNames);
    };
  }
  if (typeof entity === 'object' && entity !== null && typeof (entity as Partial<FunctionEntity>).run === 'function') {
    const functionEntity = entity as FunctionEntity;
    return (scope) => functionEntity.run(scope.context as unknown as EntityContext<never>);
  }
  throw new RegistrationError(
    `The instance given for entity ${entityId.instanceId} (${describeInstance(entity)}) is not an entity: an entity class ` +
      'extends DurableEntity or has a run(ctx: EntityContext) method.',
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describeInstance(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  return `an instance of ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'an object without prototype'}`;
}
