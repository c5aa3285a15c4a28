import { injectable } from 'tsyringe';
import { RegistrationError } from '../core/errors/registration-error.js';
import { activityCallDefaults } from '../engine/activity-call-policy.js';
import type { CallActivityOptions } from '../engine/orchestration-context.js';
import type { RunnableClass } from '../engine/task-types.js';
import type { EntityClass } from '../entities/entity-class.js';
import type { RegistrableClass } from './registered-runnable.js';
import { kindTitle, type RunnableKind } from './runnable-kind.js';
import { assertReflectMetadata, defineRunnableMetadata, getRunnableMetadata, type RunnableMetadata } from './runnable-metadata.js';
import { captureSourceLocation } from './source-location.js';

/**
 * Options of {@link Activity} and `DurableRegistry.addActivity`: the name, and the defaults of every call of the
 * activity (`retry`, `startToCloseTimeoutMs`, `scheduleToCloseTimeoutMs`, `heartbeatTimeoutMs`), which a call's own
 * options override one by one.
 */
export interface ActivityOptions extends CallActivityOptions {
  /**
   * The name written into orchestration histories and used by `callActivity('Name')`. Default: the class name.
   * Prefer setting it explicitly: it must keep resolving after the class is renamed or a bundler minifies it.
   */
  readonly name?: string;
}

/** Options of {@link Orchestrator} and `DurableRegistry.addOrchestrator`. */
export interface OrchestratorOptions {
  /**
   * The name stored with every instance, used by `startNew('Name')`, the HTTP API and `callSubOrchestrator('Name')`.
   * Default: the class name. Prefer setting it explicitly: it must keep resolving after the class is renamed or a
   * bundler minifies it.
   */
  readonly name?: string;
}

/** Options of {@link Entity} and `DurableRegistry.addEntity`. */
export interface EntityOptions {
  /**
   * The entity name: the `name` of its `EntityId`s, part of every stored entity's instance ID (`@name@key`, lower-cased)
   * and of the HTTP routes. Default: the class name. Prefer setting it explicitly: it must keep resolving after the class
   * is renamed or a bundler minifies it. Matched ignoring case.
   */
  readonly name?: string;
}

/**
 * Marks a class as an activity: records its name and makes it injectable (tsyringe), so its constructor receives
 * the app's services. Nothing is registered yet — list the class in `Durably.create({ activities: [...] })` (or call
 * `registry.addActivity(Class)`); a new instance is created for every execution.
 *
 * **The name is a persisted contract.** It is written into the history of every orchestration that calls the activity
 * and must keep resolving while such instances are in flight. It defaults to the class name, which changes when the
 * class is renamed and is mangled by minifiers (esbuild/terser `--minify`): give classes that may be renamed or
 * bundled an explicit `name`, and keep it when refactoring.
 *
 * Names are at most 256 characters, unique per app ignoring case (activities, orchestrators and entities included), and may not
 * start with `@` or `durably.`, contain `/ \ # ?` or control characters, or start/end with whitespace.
 *
 * Requires `import 'reflect-metadata'` once at the entry point, before any decorated class is loaded.
 *
 * @example
 * ```ts
 * @Activity({ name: 'SayHello' })
 * export class SayHello {
 *   constructor(private readonly greeter: Greeter) {}   // injected from the app's container
 *   async run(city: string): Promise<string> { return this.greeter.hello(city); }
 * }
 * ```
 */
export function Activity(options: ActivityOptions = {}): (target: RunnableClass) => void {
  const declaredAt = captureSourceLocation();
  const defaults = checkedDefaults(options, declaredAt);
  const decorate = runnableDecorator('activity', options, declaredAt);
  return (target) => {
    decorate(target);
    if (defaults !== undefined) defineRunnableMetadata(target, { ...(getRunnableMetadata(target) as RunnableMetadata), activityDefaults: defaults });
  };
}

/** The call defaults of `@Activity(options)`, checked (undefined: none). */
function checkedDefaults(options: ActivityOptions, declaredAt: string | undefined): CallActivityOptions | undefined {
  try {
    return activityCallDefaults(options, `@Activity()${at(declaredAt)}`);
  } catch (error) {
    throw new RegistrationError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Marks a class as an orchestrator: records its name and makes it injectable (tsyringe). Nothing is registered yet —
 * list the class in `Durably.create({ orchestrators: [...] })` (or call `registry.addOrchestrator(Class)`). A fresh
 * instance is created for every replay, so fields never carry state from one episode to the next. Extending
 * `DurableOrchestrator<TInput, TOutput>` is optional.
 *
 * **The name is a persisted contract.** It is stored with every instance and must keep resolving while instances are
 * in flight. It defaults to the class name, which changes when the class is renamed and is mangled by minifiers
 * (esbuild/terser `--minify`): give classes that may be renamed or bundled an explicit `name`, and keep it when
 * refactoring. A subclass of a decorated orchestrator is a different orchestrator: decorate (or register) it under
 * its own name.
 *
 * Names follow the same rules as {@link Activity} names and share their name space.
 *
 * Requires `import 'reflect-metadata'` once at the entry point, before any decorated class is loaded.
 *
 * @example
 * ```ts
 * @Orchestrator({ name: 'HelloSequence' })
 * export class HelloSequence extends DurableOrchestrator<string[], string[]> {
 *   async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
 *     const out: string[] = [];
 *     for (const city of ctx.input) out.push(await ctx.callActivity(SayHello, city));
 *     return out;
 *   }
 * }
 * ```
 */
export function Orchestrator(options: OrchestratorOptions = {}): (target: RunnableClass) => void {
  return runnableDecorator('orchestrator', options, captureSourceLocation());
}

/**
 * Marks a class as a durable entity: records its name and makes it injectable (tsyringe). Nothing is registered yet —
 * list the class in `Durably.create({ entities: [...] })` (or call `registry.addEntity(Class)`). A fresh instance is
 * created for every batch of operations; its constructor receives the app's services.
 *
 * Two styles: a class extending `DurableEntity<TState>`, whose methods are the operations (dispatched by name,
 * ignoring case, like .NET's `DispatchAsync`), or a function-style class whose `run(ctx: EntityContext<TState>)`
 * switches on `ctx.operationName`. Registration rejects any other class.
 *
 * **The name is a persisted contract**: stored entities are found by it (`@name@key`). It defaults to the class name,
 * which changes when the class is renamed and is mangled by minifiers: give classes that may be renamed or bundled an
 * explicit `name`. Names follow the {@link Activity} rules (and share their name space), and may not contain `@`.
 *
 * Requires `import 'reflect-metadata'` once at the entry point, before any decorated class is loaded.
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
export function Entity(options: EntityOptions = {}): (target: EntityClass) => void {
  return runnableDecorator('entity', options, captureSourceLocation());
}

function runnableDecorator(kind: RunnableKind, options: ActivityOptions | OrchestratorOptions | EntityOptions, declaredAt: string | undefined) {
  // Checked when the decorator expression is evaluated, before anything reads or writes metadata.
  assertReflectMetadata(`@${kindTitle(kind)}()${declaredAt === undefined ? '' : ` (at ${declaredAt})`}`);
  return (target: RegistrableClass): void => {
    const previous = getRunnableMetadata(target);
    if (previous !== undefined) {
      throw new RegistrationError(
        `Class ${target.name} is decorated twice: @${kindTitle(previous.kind)}()${at(previous.declaredAt)} and ` +
          `@${kindTitle(kind)}()${at(declaredAt)}. Keep one decorator: a class is one activity, one orchestrator or one entity.`,
      );
    }
    defineRunnableMetadata(target, { kind, name: options.name, declaredAt });
    // tsyringe's `injectable` is typed for concrete classes; abstract ones are resolved only through subclasses.
    injectable()(target as unknown as new (...args: unknown[]) => unknown);
  };
}

function at(location: string | undefined): string {
  return location === undefined ? '' : ` (at ${location})`;
}
