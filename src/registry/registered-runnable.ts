import type { RunnableClass } from '../engine/task-types.js';
import type { RunnableKind } from './runnable-kind.js';

/** An activity or orchestrator class as registered in one {@link DurableRegistry}. */
export interface RegisteredRunnable {
  readonly kind: RunnableKind;
  /** The registered name: the persisted identifier written into histories and instance documents. */
  readonly name: string;
  /** The class; instances are created through tsyringe. */
  readonly type: RunnableClass;
  /** `path:line` of the `@Activity()` / `@Orchestrator()` decorator, when known. */
  readonly declaredAt?: string;
  /** `path:line` of the code that registered the class (e.g. the `Durably.create` call), when known. */
  readonly registeredAt?: string;
}
