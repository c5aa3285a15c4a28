import { bindingOf } from './entity-binding.js';
import type { EntityOperationContext } from './entity-operation-context.js';

/**
 * The base class of class-based entities: each public method is an operation, dispatched by name like .NET's
 * `TaskEntity<TState>` / `DispatchAsync`.
 *
 * **Dispatch.** An operation name selects the method of the same name, **ignoring case**, looked up along the
 * prototype chain (methods of an app's own base entity count; a subclass's method overrides the base's). Not
 * operations: the constructor, accessors, members of `DurableEntity` itself (`state`, `context`,
 * `initializeState`, `deleteState`), names starting with `_`, `#private` methods and arrow-function fields.
 * TypeScript's `private` / `protected` do not exist at run time: **a `protected` helper method is an operation
 * too** — make helpers `#private` or start their names with `_`.
 *
 * **Methods** take at most one parameter, the operation's input (decoded); a method declaring more is rejected at
 * registration. What a method returns — or resolves to, when async — is the operation's result, delivered to callers
 * (`ctx.callEntity`). An operation `delete` is built in: it deletes the state, unless the class defines its own
 * `delete` method. An unknown operation fails with `EntityOperationNotFoundError`.
 *
 * **State.** `this.state` is the entity's state during an operation. Reading it while the entity has none calls
 * {@link DurableEntity.initializeState} (once) and makes the result the state. Changes, in place or by assignment,
 * are stored when the operation succeeds; an operation that throws rolls back its state change and its signals.
 * Assigning `undefined` deletes the state. Keep everything durable in `this.state`: one instance serves a whole
 * batch of operations, and other fields are neither stored nor rolled back.
 *
 * Instances are created through tsyringe (constructor injection), a fresh one per batch.
 *
 * @typeParam TState - the entity's state.
 *
 * @example
 * ```ts
 * @Entity()
 * export class Counter extends DurableEntity<number> {
 *   protected initializeState(): number { return 0; }
 *   add(amount: number): void { this.state += amount; }
 *   reset(): void { this.state = 0; }
 *   get(): number { return this.state; }
 * }
 * ```
 */
export abstract class DurableEntity<TState = unknown> {
  /**
   * The entity's state during the current operation. Reading it while the entity has no state calls
   * {@link DurableEntity.initializeState} once and uses (and keeps) its result; assigning `undefined` deletes it.
   */
  protected get state(): TState {
    return bindingOf(this, 'state').readState(() => this.initializeState()) as TState;
  }

  protected set state(value: TState) {
    bindingOf(this, 'state').writeState(value);
  }

  /** The current operation: the entity ID, the operation name, and `signalEntity` / `startNewOrchestration`. */
  protected get context(): EntityOperationContext {
    return bindingOf(this, 'context').context;
  }

  /**
   * The state of an entity that has none yet (never written, or deleted), called when `this.state` is first read.
   * Default: `undefined` — override it whenever `TState` does not include `undefined` (e.g. return `0` for a
   * counter, `[]` for a list).
   */
  protected initializeState(): TState {
    return undefined as TState;
  }

  /** Deletes the state: the entity no longer exists once the operation succeeds (like the built-in `delete`). */
  protected deleteState(): void {
    bindingOf(this, 'deleteState').deleteState();
  }
}
