import type { CallActivityOptions } from '../engine/orchestration-context.js';
import type { RunnableClass } from '../engine/task-types.js';
import type { EntityClass } from '../entities/entity-class.js';
import type { RunnableKind } from './runnable-kind.js';

/** A class that can be registered: an activity or orchestrator (with `run`), or an entity. */
export type RegistrableClass = RunnableClass | EntityClass;

/** An activity, orchestrator or entity class as registered in one {@link DurableRegistry}. */
export interface RegisteredRunnable {
  readonly kind: RunnableKind;
  /** The registered name: the persisted identifier written into histories, instance documents and entity IDs. */
  readonly name: string;
  /** The class; instances are created through tsyringe. */
  readonly type: RegistrableClass;
  /** `path:line` of the `@Activity()` / `@Orchestrator()` / `@Entity()` decorator, when known. */
  readonly declaredAt?: string;
  /** `path:line` of the code that registered the class (e.g. the `Durably.create` call), when known. */
  readonly registeredAt?: string;
  /** An activity's call defaults: its decorator's, each overridden by `addActivity`'s options. */
  readonly activityDefaults?: CallActivityOptions;
}
