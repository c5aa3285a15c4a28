import type { DurableEntity } from './durable-entity.js';

type InstanceOf<C> = C extends abstract new (...args: never[]) => infer I ? I : never;

/** The public methods of a class-based entity instance that are operations (names starting with `_` are not). */
type MethodOperationName<I> = {
  [K in keyof I]-?: K extends string ? (K extends `_${string}` ? never : I[K] extends (...args: never[]) => unknown ? K : never) : never;
}[keyof I];

/**
 * The operation names of a class-based entity class `C` (a `DurableEntity` subclass): its public methods, plus the
 * built-in `delete`. `string` for a function-style entity.
 *
 * @example
 * ```ts
 * type CounterOperation = EntityOperationName<typeof Counter>;   // 'add' | 'reset' | 'get' | 'delete'
 * ```
 */
export type EntityOperationName<C> = InstanceOf<C> extends DurableEntity<unknown> ? MethodOperationName<InstanceOf<C>> | 'delete' : string;

/**
 * The argument list of operation `K` of entity class `C`: `[input: T]`, `[input?: T]` or `[]`, as the method
 * declares it (`[]` for the built-in `delete`; `[input?: unknown]` for a function-style entity).
 */
export type EntityOperationArgs<C, K extends EntityOperationName<C>> = InstanceOf<C> extends DurableEntity<unknown>
  ? K extends keyof InstanceOf<C>
    ? InstanceOf<C>[K] extends (...args: infer P) => unknown ? P : never
    : []
  : [input?: unknown];

/** The input type of operation `K` of entity class `C` (`undefined` when the method takes none). */
export type EntityOperationInput<C, K extends EntityOperationName<C>> = EntityOperationArgs<C, K> extends [] ? undefined : EntityOperationArgs<C, K>[0];

/** The result type of operation `K` of entity class `C`: the method's return value, awaited (`unknown` for a function-style entity). */
export type EntityOperationResult<C, K extends EntityOperationName<C>> = InstanceOf<C> extends DurableEntity<unknown>
  ? K extends keyof InstanceOf<C>
    ? InstanceOf<C>[K] extends (...args: never[]) => infer R ? Awaited<R> : never
    : undefined
  : unknown;

/**
 * A typed, one-way proxy of an entity: each operation of class-based entity `C` becomes a method taking the same
 * input and returning `Promise<void>` (sent, not awaited by the entity) — e.g. `client.entity(Counter, 'c1').add(1)`,
 * type-checked against `Counter.add(amount: number)`. A method declaring more than one parameter maps to `never`
 * (such a class is rejected at registration). For a function-style entity every property is an operation.
 *
 * @example
 * ```ts
 * declare const counter: EntitySignalProxy<typeof Counter>;
 * await counter.add(1);       // ok
 * await counter.reset();      // ok
 * await counter.add('one');   // type error: add takes a number
 * ```
 */
export type EntitySignalProxy<C> = InstanceOf<C> extends DurableEntity<unknown>
  ? { readonly [K in EntityOperationName<C>]: SignalMethod<EntityOperationArgs<C, K>> }
  : { readonly [operation: string]: (input?: unknown) => Promise<void> };

type SignalMethod<P extends readonly unknown[]> = P['length'] extends 0 | 1 ? (...args: P) => Promise<void> : never;
