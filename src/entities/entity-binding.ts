import { DurableError } from '../core/durable-error.js';
import type { EntityOperationContext } from './entity-operation-context.js';

/**
 * What a `DurableEntity` instance reaches through `this.state` / `this.context` while one operation runs. Internal:
 * the executor binds an instance to its current operation, and unbinds it when the operation ends.
 */
export interface EntityBinding {
  readState(initializer?: () => unknown): unknown;
  writeState(value: unknown): void;
  deleteState(): void;
  readonly context: EntityOperationContext;
}

// A WeakMap rather than a property on the instance: nothing user code could overwrite, and nothing to serialise.
const bindings = new WeakMap<object, EntityBinding>();

/** Makes `binding` the current operation of `entity`. */
export function bindEntity(entity: object, binding: EntityBinding): void {
  bindings.set(entity, binding);
}

/** Ends `entity`'s current operation: `this.state` / `this.context` throw until the next one. */
export function unbindEntity(entity: object): void {
  bindings.delete(entity);
}

/**
 * The current operation of `entity`.
 * @throws DurableError `ENTITY_OPERATION_ENDED` outside an operation (in the constructor, or after it returned).
 */
export function bindingOf(entity: object, member: string): EntityBinding {
  const binding = bindings.get(entity);
  if (binding !== undefined) return binding;
  throw new DurableError(
    'ENTITY_OPERATION_ENDED',
    `this.${member} of entity ${entity.constructor.name} is available only while one of its operations runs — not in the ` +
      'constructor, and not after the operation has returned (from a callback or promise it did not await). ' +
      'Await all work inside the operation.',
  );
}
