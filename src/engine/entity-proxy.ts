import type { EntityId } from '../core/entity-id.js';
import type { DurableTask } from './durable-task.js';
import type { SignalEntityOptions } from './entity-lock.js';

// The typed entity proxy of `ctx.entity(EntityClass, key)`. The engine may not import `entities/` (the layering of
// docs/architecture.md), so the types here read an entity class structurally: its public methods are its operations,
// as `DurableEntity`'s dispatch makes them (its own members are protected, so `keyof` does not see them).

/**
 * An entity class passed to `ctx.entity`: any class. Its registration (`@Entity({ name })`, or the class name) gives
 * the entity's name; an unregistered class fails with `RegistrationError` naming it.
 */
export type EntityClassRef = abstract new (...args: never[]) => object;

type InstanceOf<C> = C extends abstract new (...args: never[]) => infer I ? I : never;

// A function-style entity: `run(ctx)` whose parameter is an entity context. A class-based entity may have an
// operation named `run` too; only the parameter tells them apart without importing `DurableEntity`.
type IsFunctionStyle<I> = I extends { run(ctx: infer X): unknown }
  ? [X] extends [{ readonly operationName: string; readonly entityKey: string }] ? true : false
  : false;

/** The operation names of a class-based entity instance: its public methods not starting with `_`, plus the built-in `delete`. */
type OperationName<I> =
  | { [K in keyof I]-?: K extends string ? (K extends `_${string}` ? never : I[K] extends (...args: never[]) => unknown ? K : never) : never }[keyof I]
  | 'delete';

type OperationArgs<I, K> = K extends keyof I ? (I[K] extends (...args: infer P) => unknown ? P : never) : [];

type OperationResult<I, K> = K extends keyof I ? (I[K] extends (...args: never[]) => infer R ? Awaited<R> : never) : undefined;

/**
 * Names the proxy cannot offer as two-way calls: `signal` is the proxy's one-way view, and `then` would make the
 * proxy a thenable (`await` would call it). Call such an operation with `ctx.callEntity(id, name, input)`.
 */
export type ReservedEntityProxyName = 'signal' | 'then';

/** A two-way call of an operation: the method's parameters (at most one), completing with its awaited result. */
type CallMethod<P extends readonly unknown[], R> = P['length'] extends 0 | 1 ? (...args: P) => DurableTask<R> : never;

/** A one-way signal of an operation: its input (`undefined` for an operation without one), then the signal options. */
type SignalMethod<P extends readonly unknown[]> = P['length'] extends 0 | 1
  ? (...args: P extends [] ? [input?: undefined, options?: SignalEntityOptions] : [...P, options?: SignalEntityOptions]) => void
  : never;

/**
 * The one-way view of an entity proxy (`ctx.entity(Counter, key).signal`): each operation of class-based entity `C`
 * is a method taking the operation's input and, optionally, {@link SignalEntityOptions} (`scheduledTime`); it sends
 * the operation without waiting for it, like `ctx.signalEntity`. An operation without input takes `undefined` first
 * when options follow: `signal.reset(undefined, { scheduledTime })`.
 *
 * @example
 * ```ts
 * const counter = ctx.entity(Counter, 'orders');
 * counter.signal.add(1);
 * counter.signal.reset(undefined, { scheduledTime: new Date(ctx.currentUtcDateTime.getTime() + 60_000) });
 * ```
 */
export type EntitySignals<C extends EntityClassRef> = {
  readonly [K in Exclude<OperationName<InstanceOf<C>>, 'then'>]: SignalMethod<OperationArgs<InstanceOf<C>, K>>;
};

/**
 * The typed proxy `ctx.entity(EntityClass, key)` returns: each operation of class-based entity `C` is a method with
 * the operation's parameter (none, or one input) returning a `DurableTask` of its awaited result — a two-way call,
 * like `ctx.callEntity`, checked against the class. `signal` holds the same operations as one-way signals
 * ({@link EntitySignals}). An operation named `signal` or `then` is only on `signal` (see
 * {@link ReservedEntityProxyName}).
 *
 * @example
 * ```ts
 * const counter = ctx.entity(Counter, 'orders');
 * await counter.add(5);                    // DurableTask<void>: waits for the operation
 * const total = await counter.get();       // number
 * counter.signal.add(1);                   // one-way
 * ```
 */
export type EntityProxy<C extends EntityClassRef> = {
  readonly [K in Exclude<OperationName<InstanceOf<C>>, ReservedEntityProxyName>]: CallMethod<OperationArgs<InstanceOf<C>, K>, OperationResult<InstanceOf<C>, K>>;
} & { readonly signal: EntitySignals<C> };

/**
 * `ctx.entity`'s check of its class argument: a function-style entity (one `run(ctx)` for every operation) has no
 * typed operations, so passing one fails to compile with this message as the missing property.
 */
export type ClassBasedEntityCheck<C extends EntityClassRef> = IsFunctionStyle<InstanceOf<C>> extends true
  ? { readonly 'ctx.entity needs a class-based entity (extends DurableEntity): call a function-style entity with ctx.callEntity / ctx.signalEntity': never }
  : unknown;

/** What the proxy needs of the context: the string API it forwards to (argument checks and encoding included). */
export interface EntityProxyTarget {
  callEntity(entityId: EntityId, operation: string, input?: unknown): DurableTask<unknown>;
  signalEntity(entityId: EntityId, operation: string, input?: unknown, options?: SignalEntityOptions): void;
}

type Operations = Readonly<Record<string, unknown>>;

// A property read returns the operation's method (the same function each time); `then` and symbols return
// undefined, so `await`ing the proxy, or logging it, sends nothing.
function operationProxy(method: (operation: string) => unknown): Operations {
  const methods = new Map<string, unknown>();
  return new Proxy<Operations>({}, {
    get: (_target, property) => {
      if (typeof property !== 'string' || property === 'then') return undefined;
      let found = methods.get(property);
      if (found === undefined) {
        found = method(property);
        methods.set(property, found);
      }
      return found;
    },
  });
}

/**
 * The proxy of `ctx.entity`: calls and signals forwarded to `target`'s `callEntity` / `signalEntity` with the
 * entity's ID. The operation names are not checked here (the types check them; a cast-away name reaches the entity,
 * which fails the call with `EntityOperationNotFoundError`).
 */
export function createEntityProxy(target: EntityProxyTarget, entityId: EntityId): Operations {
  const signals = operationProxy((operation) => (input?: unknown, options?: SignalEntityOptions): void => {
    target.signalEntity(entityId, operation, input, options);
  });
  return operationProxy((operation) => (operation === 'signal'
    ? signals
    : (input?: unknown): DurableTask<unknown> => target.callEntity(entityId, operation, input)));
}

