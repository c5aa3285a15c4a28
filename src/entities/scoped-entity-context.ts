import type { RunnableClass } from '../engine/task-types.js';
import type { EntityContext } from './entity-context.js';
import type { EntityId } from '../core/entity-id.js';
import type { SignalEntityOptions } from './entity-operation-context.js';
import type { EntityOperationScope } from './entity-operation-scope.js';

/**
 * The {@link EntityContext} of one operation, over its scope: `ctx` of a function-style entity, and `this.context`
 * of a class-based one (typed there as `EntityOperationContext`). Internal: users see only the interfaces.
 */
export class ScopedEntityContext implements EntityContext<unknown> {
  readonly #scope: EntityOperationScope;

  constructor(scope: EntityOperationScope) {
    this.#scope = scope;
  }

  get entityId(): EntityId {
    return this.#scope.entityId;
  }

  get entityName(): string {
    return this.#scope.entityId.name;
  }

  get entityKey(): string {
    return this.#scope.entityId.key;
  }

  get operationName(): string {
    return this.#scope.operationName;
  }

  getInput<T = unknown>(): T {
    return this.#scope.input() as T;
  }

  getState(initializer?: () => unknown): unknown {
    return this.#scope.readState(initializer);
  }

  setState(state: unknown): void {
    this.#scope.writeState(state);
  }

  deleteState(): void {
    this.#scope.deleteState();
  }

  destructOnExit(): void {
    this.#scope.deleteState();
  }

  return(value: unknown): void {
    this.#scope.setResult(value);
  }

  signalEntity(entityId: EntityId, operation: string, input?: unknown, options?: SignalEntityOptions): void {
    this.#scope.signalEntity(entityId, operation, input, options);
  }

  startNewOrchestration(orchestrator: RunnableClass | string, input?: unknown, instanceId?: string): string {
    return this.#scope.startNewOrchestration(orchestrator, input, instanceId);
  }
}
