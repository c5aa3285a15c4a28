import type { EntityOperationContext } from './entity-operation-context.js';

/**
 * The context of a function-style entity: an `@Entity()` class whose `run(ctx)` handles every operation, switching
 * on {@link EntityContext.operationName} — the style of the Durable Functions JavaScript and overview samples.
 *
 * State is `undefined` when the entity has none (never written, or deleted); `undefined` is never stored, so
 * `setState(undefined)` deletes the state like {@link EntityContext.deleteState}.
 *
 * @typeParam TState - the entity's state.
 *
 * @example
 * ```ts
 * @Entity()
 * export class Counter {
 *   run(ctx: EntityContext<number>): void {
 *     const value = ctx.getState(() => 0);
 *     switch (ctx.operationName) {
 *       case 'add': ctx.setState(value + ctx.getInput<number>()); break;
 *       case 'reset': ctx.setState(0); break;
 *       case 'get': ctx.return(value); break;
 *     }
 *   }
 * }
 * ```
 */
export interface EntityContext<TState = unknown> extends EntityOperationContext {
  /** The entity's name as addressed (`entityId.name`). */
  readonly entityName: string;
  /** The entity's key (`entityId.key`). */
  readonly entityKey: string;

  /**
   * The operation's input, decoded (`undefined` when none was sent). The type parameter is not checked.
   * @throws InvalidPayloadError when the stored input cannot be decoded.
   */
  getInput<T = unknown>(): T;

  /**
   * The current state. When the entity has none, `initializer()` is called and its result becomes the state (the
   * entity then exists once the operation succeeds, even if the state is not changed).
   */
  getState(initializer: () => TState): TState;
  /** The current state, or `undefined` when the entity has none. */
  getState(): TState | undefined;

  /** Replaces the state (stored when the operation succeeds; `undefined` deletes it). */
  setState(state: TState): void;

  /** Deletes the state: the entity no longer exists once the operation succeeds. */
  deleteState(): void;

  /**
   * Sets the operation's result, delivered to a caller that awaits it (`ctx.callEntity`). Encoded immediately.
   * Without a call to `return`, the result is what `run` returns (awaited).
   * @throws InvalidPayloadError when the value cannot cross the durable boundary.
   */
  return(value: unknown): void;

  /** The Durable Functions JavaScript name of {@link EntityContext.deleteState}. */
  destructOnExit(): void;
}
