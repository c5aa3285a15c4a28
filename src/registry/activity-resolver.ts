import { container as globalContainer, type DependencyContainer } from 'tsyringe';
import type { ActivityContext } from '../core/activity-context.js';
import type { RunnableClass } from '../engine/task-types.js';
import type { DurableRegistry } from './durable-registry.js';

/** An activity instance, ready to execute one task. */
export interface ActivityInstance {
  run(input: unknown, ctx?: ActivityContext): unknown;
}

// tsyringe types tokens as concrete classes; registered activities are concrete by the time they are resolved.
type Concrete = new (...args: unknown[]) => object;

/**
 * Creates activity instances by registered name, through a CHILD of the app's tsyringe container: constructor
 * parameters are resolved from the app's services (keeping their own lifecycles, e.g. a singleton stays shared), while
 * whatever Durably registers — the activity classes themselves, and anything added to {@link ActivityResolver.container} — stays in
 * the child and never leaks into the app's container.
 *
 * Every {@link ActivityResolver.resolve} creates a NEW instance (transient): keep shared state in injected services,
 * not in activity fields. An activity class the app's container has a registration for is resolved through that
 * registration instead (`useValue`, `useClass`, `useFactory`, with its lifecycle): that is how tests replace an
 * activity with a fake.
 *
 * Obtain one per app with `registry.createActivityResolver(container)`.
 *
 * @example
 * ```ts
 * const resolver = registry.createActivityResolver(appContainer);
 * const output = await resolver.resolve('SayHello').run('Tokyo');
 * ```
 */
export class ActivityResolver {
  /** The child container activities are resolved from. Durably's own services for activities belong here. */
  readonly container: DependencyContainer;
  readonly #registry: DurableRegistry;
  readonly #app: DependencyContainer;

  /**
   * @param registry - where names are looked up; classes added to it later are resolvable too.
   * @param container - the app's container. Default: tsyringe's global container (which is never written to).
   */
  constructor(registry: DurableRegistry, container: DependencyContainer = globalContainer) {
    this.#registry = registry;
    this.#app = container;
    this.container = container.createChildContainer();
  }

  /**
   * A new instance of the activity registered under `activity` (a name, or the class).
   *
   * @throws RegistrationError when nothing is registered under it (naming a case-insensitive match, if any).
   * @throws Error from tsyringe when a constructor dependency cannot be resolved, or from the constructor itself.
   */
  resolve(activity: string | RunnableClass): ActivityInstance {
    const token = this.#registry.definitionOf('activity', activity).type as unknown as Concrete;
    // Registered on the child only (not the parent: `isRegistered` without `recursive`), as a transient class —
    // unless the app registered the class itself (a replacement): the child then resolves the app's registration.
    if (!this.container.isRegistered(token) && !this.#app.isRegistered(token, true)) this.container.register(token, { useClass: token });
    return this.container.resolve(token) as ActivityInstance;
  }
}
