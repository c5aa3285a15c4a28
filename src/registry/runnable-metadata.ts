import { RegistrationError } from '../core/errors/registration-error.js';
import type { CallActivityOptions } from '../engine/orchestration-context.js';
import type { RunnableKind } from './runnable-kind.js';
// Types of Reflect.getMetadata & co. only: the polyfill itself is loaded once by the app (or the library entry).
import type {} from 'reflect-metadata';

/**
 * What `@Activity()` / `@Orchestrator()` / `@Entity()` record on a class. Read with {@link getRunnableMetadata}, which only sees the
 * class's OWN metadata: a subclass of a decorated class is not thereby decorated (it keeps its own default name).
 */
export interface RunnableMetadata {
  readonly kind: RunnableKind;
  /** The explicit `name` option, if one was given; otherwise the class name is used at registration. */
  readonly name: string | undefined;
  /** `path:line` of the decorator, when the stack trace reveals it. */
  readonly declaredAt: string | undefined;
  /** An activity's call defaults (`@Activity({ startToCloseTimeoutMs, retry, ... })`), if it declares any. */
  readonly activityDefaults?: CallActivityOptions;
}

// Symbol.for: two copies of the library loaded in one process (e.g. ESM and a bundled copy) still agree on the key.
const runnableMetadataKey = Symbol.for('durably.runnable');

/**
 * Throws a {@link RegistrationError} unless the `reflect-metadata` polyfill is loaded. Without it decorators cannot
 * record anything, and tsyringe cannot see constructor parameter types.
 */
export function assertReflectMetadata(subject: string): void {
  // The polyfill's declarations say these exist; at run time they may not.
  const reflect = Reflect as Partial<Record<'getMetadata' | 'getOwnMetadata' | 'defineMetadata', unknown>>;
  if (typeof reflect.getMetadata !== 'function' || typeof reflect.getOwnMetadata !== 'function' || typeof reflect.defineMetadata !== 'function') {
    throw new RegistrationError(
      `${subject} needs the 'reflect-metadata' polyfill, which is not loaded. Add \`import 'reflect-metadata';\` once, ` +
        'as the first import of your entry point (and to your test setup, e.g. jest `setupFiles: [\'reflect-metadata\']`).',
    );
  }
}

/** Records `metadata` as the class's own runnable metadata. */
export function defineRunnableMetadata(type: object, metadata: RunnableMetadata): void {
  Reflect.defineMetadata(runnableMetadataKey, metadata, type);
}

/** The class's OWN `@Activity()` / `@Orchestrator()` / `@Entity()` metadata (never a base class's), or `undefined`. */
export function getRunnableMetadata(type: object): RunnableMetadata | undefined {
  return Reflect.getOwnMetadata(runnableMetadataKey, type) as RunnableMetadata | undefined;
}
