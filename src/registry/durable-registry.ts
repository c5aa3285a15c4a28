import { container as globalContainer, injectable, type DependencyContainer } from 'tsyringe';
import { RegistrationError } from '../core/errors/registration-error.js';
import type { EntityClassRef } from '../engine/entity-proxy.js';
import { activityCallDefaults } from '../engine/activity-call-policy.js';
import type { CallActivityOptions, OrchestrationContext } from '../engine/orchestration-context.js';
import type { RunnableClass } from '../engine/task-types.js';
import { isDurableEntityClass, isEntityClass, type EntityClass, type EntityInstance } from '../entities/entity-class.js';
import { entityDispatchTable } from '../entities/entity-dispatch-table.js';
import { ActivityResolver } from './activity-resolver.js';
import type { ActivityOptions, EntityOptions, OrchestratorOptions } from './decorators.js';
import type { RegistrableClass, RegisteredRunnable } from './registered-runnable.js';
import {
  decoratedAsOtherKind,
  duplicateName,
  invalidName,
  kindConflict,
  missingRun,
  notAClass,
  notAnEntity,
  notRegistered,
  renamedRegistration,
  untypedConstructor,
  undispatchableEntity,
  unknownName,
  type RunnableDescription,
} from './registration-messages.js';
import { kindAddMethod, type RunnableKind } from './runnable-kind.js';
import { assertReflectMetadata, getRunnableMetadata } from './runnable-metadata.js';
import { entityNameProblem, nameKey, nameProblem } from './runnable-name.js';
import { captureSourceLocation } from './source-location.js';
// Types of Reflect.getMetadata & co. only: the polyfill itself is loaded once by the app (or the library entry).
import type {} from 'reflect-metadata';

/** The classes to register at once with {@link DurableRegistry.from} (the same lists `Durably.create` takes). */
export interface DurableRegistryOptions {
  readonly orchestrators?: readonly RunnableClass[];
  readonly activities?: readonly RunnableClass[];
  readonly entities?: readonly EntityClass[];
}

/** An orchestrator instance, ready to be replayed once. */
export interface OrchestratorInstance {
  run(ctx: OrchestrationContext): unknown;
}

// tsyringe types tokens as concrete classes; registered classes are concrete by the time they are resolved.
type Concrete = new (...args: unknown[]) => object;

// Parameter tokens recorded by tsyringe's @inject(): enough to construct a class without `design:paramtypes`.
const tsyringeInjectionTokensKey = 'injectionTokens';

/**
 * The activities, orchestrators and entities of ONE Durably app, by name. Never global: each app (and each test) owns its
 * registry, and two registries in one process never see each other's registrations.
 *
 * `@Activity()` / `@Orchestrator()` / `@Entity()` only record metadata; a class is registered when it is added here,
 * usually by `Durably.create({ orchestrators, activities, entities })` through {@link DurableRegistry.from}. A name is
 * 1–256 characters, without leading/trailing whitespace, a leading `@` (for entities: any `@`), `/ \ # ?`, control
 * characters or the reserved `durably.` prefix; names are unique ignoring case across all three kinds. Activity and
 * orchestrator names are then looked up exactly; entity names ignoring case (entity instance IDs lower-case them). Registering the same class again under the same name is a
 * no-op. Every mistake is a {@link RegistrationError} naming the classes involved and where each was declared and
 * registered.
 *
 * @example
 * ```ts
 * const registry = DurableRegistry.from({ orchestrators: [HelloSequence], activities: [SayHello] });
 * registry.addActivity(LegacyGreeter, { name: 'Greet' });            // an undecorated class, programmatically
 * registry.nameOf('activity', SayHello);                              // 'SayHello'
 * const activities = registry.createActivityResolver(appContainer);
 * await activities.resolve('SayHello').run('Tokyo');
 * const orchestrator = registry.resolveOrchestrator('HelloSequence', activities.container);   // fresh per replay
 * const counter = registry.addEntity(Counter).resolveEntity('counter', activities.container);   // fresh per batch
 * ```
 */
export class DurableRegistry {
  // Keyed by nameKey(name): one name space for all kinds, case-insensitive.
  readonly #byName = new Map<string, RegisteredRunnable>();
  readonly #byType = new Map<RegistrableClass, RegisteredRunnable>();

  /** A registry holding `options.orchestrators`, then `options.activities`, then `options.entities`, in list order. */
  static from(options: DurableRegistryOptions): DurableRegistry {
    const registry = new DurableRegistry();
    const registeredAt = captureSourceLocation();
    (options.orchestrators ?? []).forEach((type, index) => registry.#add('orchestrator', type, {}, registeredAt, `orchestrators[${index}]`));
    (options.activities ?? []).forEach((type, index) => registry.#add('activity', type, {}, registeredAt, `activities[${index}]`));
    (options.entities ?? []).forEach((type, index) => registry.#add('entity', type, {}, registeredAt, `entities[${index}]`));
    return registry;
  }

  /**
   * Registers an orchestrator class — the programmatic twin of `@Orchestrator()`, also for undecorated classes (which
   * are made injectable). The name is `options.name`, else the decorator's `name`, else the class name.
   *
   * @returns this registry, for chaining.
   * @throws RegistrationError for an invalid or duplicate name, a class without `run`, or a class decorated as an activity.
   */
  addOrchestrator(type: RunnableClass, options: OrchestratorOptions = {}): this {
    this.#add('orchestrator', type, options, captureSourceLocation(), 'registry.addOrchestrator()');
    return this;
  }

  /**
   * Registers an activity class — the programmatic twin of `@Activity()`, also for undecorated classes (which are
   * made injectable). The name is `options.name`, else the decorator's `name`, else the class name.
   *
   * @returns this registry, for chaining.
   * @throws RegistrationError for an invalid or duplicate name, a class without `run`, or a class decorated as an orchestrator.
   */
  addActivity(type: RunnableClass, options: ActivityOptions = {}): this {
    this.#add('activity', type, options, captureSourceLocation(), 'registry.addActivity()');
    return this;
  }

  /**
   * Registers an entity class — the programmatic twin of `@Entity()`, also for undecorated classes (which are made
   * injectable). The name is `options.name`, else the decorator's `name`, else the class name.
   *
   * @returns this registry, for chaining.
   * @throws RegistrationError for an invalid or duplicate name, a class that neither extends `DurableEntity` nor has
   * `run(ctx)`, a `DurableEntity` method that cannot be an operation (more than one parameter; names differing only in
   * case), or a class decorated as an activity or orchestrator.
   */
  addEntity(type: EntityClass, options: EntityOptions = {}): this {
    this.#add('entity', type, options, captureSourceLocation(), 'registry.addEntity()');
    return this;
  }

  /** The call defaults of the activity registered under exactly `name` (`@Activity({ ... })`), if any. */
  activityDefaults(name: string): CallActivityOptions | undefined {
    return this.#exact('activity', name)?.activityDefaults;
  }

  /** The orchestrator registered under exactly `name`, or `undefined`. */
  getOrchestrator(name: string): RegisteredRunnable | undefined {
    return this.#exact('orchestrator', name);
  }

  /** The activity registered under exactly `name`, or `undefined`. */
  getActivity(name: string): RegisteredRunnable | undefined {
    return this.#exact('activity', name);
  }

  /**
   * The entity registered under `name` ignoring case (an entity instance ID `@counter@key` carries the name
   * lower-cased), or `undefined`.
   */
  getEntity(name: string): RegisteredRunnable | undefined {
    const found = typeof name === 'string' ? this.#byName.get(nameKey(name)) : undefined;
    return found?.kind === 'entity' ? found : undefined;
  }

  /** The registered orchestrator names, in registration order. */
  orchestratorNames(): string[] {
    return this.#names('orchestrator');
  }

  /** The registered activity names, in registration order. */
  activityNames(): string[] {
    return this.#names('activity');
  }

  /** The registered entity names (as registered, not lower-cased), in registration order. */
  entityNames(): string[] {
    return this.#names('entity');
  }

  /**
   * The name to persist for `ref`: a class's registered name, or a string that is exactly a registered name — for
   * entities, a registered name ignoring case (`nameOf('entity', 'counter')` is `'Counter'`).
   *
   * @throws RegistrationError when the class is not registered here as a `kind` (saying how to register it), or when
   * no `kind` has the name (suggesting a name that differs only in case, if there is one).
   */
  nameOf(kind: RunnableKind, ref: RegistrableClass | EntityClassRef | string): string {
    return this.definitionOf(kind, ref).name;
  }

  /** Like {@link nameOf}, but returns the whole registration. */
  definitionOf(kind: RunnableKind, ref: RegistrableClass | EntityClassRef | string): RegisteredRunnable {
    if (typeof ref === 'string') {
      const found = kind === 'entity' ? this.getEntity(ref) : this.#exact(kind, ref);
      if (found !== undefined) return found;
      throw new RegistrationError(unknownName(kind, ref, this.#byName.get(nameKey(ref)), this.#names(kind)));
    }
    if (typeof ref !== 'function') throw new RegistrationError(notAClass(ref, `nameOf('${kind}', …)'s argument`));
    // Any class may be asked about (ctx.entity takes any class): one that is not registered is simply not found.
    const found = this.#byType.get(ref as RegistrableClass);
    if (found?.kind === kind) return found;
    throw new RegistrationError(notRegistered(kind, ref, getRunnableMetadata(ref)?.declaredAt, found));
  }

  /**
   * A NEW instance of the orchestrator registered under `orchestrator` (a name, or the class) — one per replay, so
   * fields never carry state between episodes, even if the app registered the class as a singleton. Constructor
   * parameters are resolved from `container` (pass `ActivityResolver.container` to share the activities' services);
   * nothing is registered in it.
   *
   * @param container - default: tsyringe's global container (which is never written to).
   * @throws RegistrationError when nothing is registered under the name.
   */
  resolveOrchestrator(orchestrator: string | RunnableClass, container: DependencyContainer = globalContainer): OrchestratorInstance {
    const token = this.definitionOf('orchestrator', orchestrator).type as unknown as Concrete;
    // A throw-away child: registering the class there as transient overrides any registration the app made for it.
    const scope = container.createChildContainer();
    scope.register(token, { useClass: token });
    return scope.resolve(token) as OrchestratorInstance;
  }

  /**
   * A NEW instance of the entity registered under `entity` (a name, matched ignoring case, or the class) — one per
   * batch of operations, even if the app registered the class as a singleton: keep durable data in its state.
   * Constructor parameters are resolved from `container`; nothing is registered in it. Pass the instance to
   * `executeEntityBatch`.
   *
   * @param container - default: tsyringe's global container (which is never written to).
   * @throws RegistrationError when no entity is registered under the name.
   */
  resolveEntity(entity: string | EntityClass, container: DependencyContainer = globalContainer): EntityInstance {
    const token = this.definitionOf('entity', entity).type as unknown as Concrete;
    // A throw-away child: registering the class there as transient overrides any registration the app made for it.
    const scope = container.createChildContainer();
    scope.register(token, { useClass: token });
    return scope.resolve(token) as EntityInstance;
  }

  /**
   * An {@link ActivityResolver} that creates activities through a child of `container` (default: tsyringe's global
   * container). Create one per app: the child holds Durably's registrations.
   */
  createActivityResolver(container?: DependencyContainer): ActivityResolver {
    return new ActivityResolver(this, container);
  }

  #exact(kind: RunnableKind, name: string): RegisteredRunnable | undefined {
    const found = typeof name === 'string' ? this.#byName.get(nameKey(name)) : undefined;
    return found?.kind === kind && found.name === name ? found : undefined;
  }

  #names(kind: RunnableKind): string[] {
    return [...this.#byType.values()].filter((r) => r.kind === kind).map((r) => r.name);
  }

  #add(kind: RunnableKind, type: RegistrableClass, options: ActivityOptions, registeredAt: string | undefined, where: string): void {
    assertReflectMetadata(`registry.${kindAddMethod(kind)}()`);
    if (typeof type !== 'function') throw new RegistrationError(notAClass(type, where));
    const metadata = getRunnableMetadata(type);
    if (metadata !== undefined && metadata.kind !== kind) {
      throw new RegistrationError(decoratedAsOtherKind(type, metadata.kind, metadata.declaredAt, kind, registeredAt));
    }
    const candidate: RunnableDescription = { kind, type, declaredAt: metadata?.declaredAt, registeredAt };
    const name = options.name ?? metadata?.name ?? type.name;

    const existing = this.#byType.get(type);
    if (existing !== undefined) {
      if (existing.kind !== kind) throw new RegistrationError(kindConflict(existing, candidate));
      if (existing.name === name) return; // the same class under the same name: idempotent
      throw new RegistrationError(renamedRegistration(existing, name, registeredAt));
    }

    const problem = nameProblem(name) ?? (kind === 'entity' ? entityNameProblem(name) : undefined);
    if (problem !== undefined) throw new RegistrationError(invalidName(name, problem, candidate));
    if (kind === 'entity') {
      if (!isEntityClass(type)) throw new RegistrationError(notAnEntity(candidate));
      const problems = isDurableEntityClass(type) ? entityDispatchTable(type).problems : [];
      if (problems.length > 0) throw new RegistrationError(undispatchableEntity(candidate, problems));
    } else if (typeof (type.prototype as { run?: unknown } | undefined)?.run !== 'function') {
      // Property access walks the prototype chain: an inherited `run` counts.
      throw new RegistrationError(missingRun(candidate));
    }
    const clash = this.#byName.get(nameKey(name));
    if (clash !== undefined) throw new RegistrationError(duplicateName(name, clash, candidate));

    // Without parameter types tsyringe would call the constructor with no arguments (or fail at the first resolve).
    const untyped = untypedConstructorOwner(type);
    if (untyped !== undefined) throw new RegistrationError(untypedConstructor(candidate, untyped));
    // What the decorator would have done; for a subclass without its own constructor this picks up the base's types.
    if (metadata === undefined) injectable()(type as unknown as Concrete);

    const defaults = kind === 'activity' ? mergedDefaults(metadata?.activityDefaults, options, registeredAt) : undefined;
    const registration: RegisteredRunnable = Object.freeze({
      kind,
      name,
      type,
      ...(defaults === undefined ? {} : { activityDefaults: defaults }),
      ...(metadata?.declaredAt === undefined ? {} : { declaredAt: metadata.declaredAt }),
      ...(registeredAt === undefined ? {} : { registeredAt }),
    });
    this.#byName.set(nameKey(name), registration);
    this.#byType.set(type, registration);
  }
}

/**
 * The class whose constructor `type` runs and which takes parameters that tsyringe has no types for, or `undefined`.
 * TypeScript records `design:paramtypes` only on a decorated class that declares its own constructor: a decorated
 * subclass that inherits the constructor of an undecorated base records nothing, and tsyringe would silently pass
 * `undefined` for every base parameter. So walk up while a class declares no types and takes no parameters (an
 * inherited constructor has length 0).
 */
function untypedConstructorOwner(type: RegistrableClass): RegistrableClass | undefined {
  for (let current: unknown = type; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const owner = current as RegistrableClass;
    if (Reflect.getOwnMetadata('design:paramtypes', owner) !== undefined) return undefined;
    if (Reflect.getOwnMetadata(tsyringeInjectionTokensKey, owner) !== undefined) return undefined;
    if (owner.length > 0) return owner;
  }
  return undefined;
}

/** An activity's call defaults: `addActivity`'s options over the decorator's, checked. */
function mergedDefaults(decorated: CallActivityOptions | undefined, options: ActivityOptions, registeredAt: string | undefined): CallActivityOptions | undefined {
  let own: CallActivityOptions | undefined;
  try {
    own = activityCallDefaults(options, `registry.addActivity()${registeredAt === undefined ? '' : ` (at ${registeredAt})`}`);
  } catch (error) {
    throw new RegistrationError(error instanceof Error ? error.message : String(error));
  }
  if (decorated === undefined) return own;
  return own === undefined ? decorated : { ...decorated, ...own };
}
