import { DurableEntity } from './durable-entity.js';
import type { EntityContext } from './entity-context.js';

/** An instance of a function-style entity: one `run(ctx)` method handles every operation. */
export interface FunctionEntity {
  run(ctx: EntityContext<never>): unknown;
}

/** An entity instance as resolved for a batch: class-based or function-style. */
export type EntityInstance = DurableEntity<unknown> | FunctionEntity;

/**
 * An entity class: one extending {@link DurableEntity} (class-based), or one with a `run(ctx: EntityContext)` method
 * (function-style). Abstract classes type-check, but only concrete ones can be resolved.
 */
export type EntityClass = abstract new (...args: never[]) => EntityInstance;

/** Whether `type` extends {@link DurableEntity} (a class-based entity whose methods are its operations). */
export function isDurableEntityClass(type: unknown): boolean {
  return typeof type === 'function' && (type as { prototype?: unknown }).prototype instanceof DurableEntity;
}

/** Whether `type` can be an entity: it extends {@link DurableEntity}, or it has a `run` method (an inherited one counts). */
export function isEntityClass(type: unknown): boolean {
  if (isDurableEntityClass(type)) return true;
  return typeof type === 'function' && typeof (type.prototype as { run?: unknown } | undefined)?.run === 'function';
}
