import type { EntityId } from '../core/entity-id.js';

/** Options of `ctx.signalEntity`. */
export interface SignalEntityOptions {
  /**
   * Deliver the operation not before this time (a scheduled signal). Derive it from `ctx.currentUtcDateTime`, never
   * from the wall clock.
   */
  readonly scheduledTime?: Date;
}

/**
 * The locks of a critical section, from `await ctx.lockEntities(...ids)`: while it is held, no other orchestration
 * or client operation reaches the locked entities, and this orchestration may call them (one call per entity at a
 * time) but not signal them. Release it with `release()`, or let `using` do it; whatever is still held when the
 * execution ends (completes, fails, continues as new or is terminated) is released then.
 *
 * @example
 * ```ts
 * {
 *   using lock = await ctx.lockEntities(from, to);
 *   const balance = await ctx.callEntity<number>(from, 'get');
 *   if (balance >= amount) {
 *     await ctx.whenAll([ctx.callEntity(from, 'add', -amount), ctx.callEntity(to, 'add', amount)]);
 *   }
 * }   // released here
 * ```
 */
export interface EntityLock {
  /** The critical section's ID, as recorded in history (the same on every replay). */
  readonly criticalSectionId: string;
  /** The locked entities, sorted by instance ID, without duplicates. */
  readonly entities: readonly EntityId[];
  /** True once released: by `release()`, by `[Symbol.dispose]()`, or by the end of the execution. */
  readonly isReleased: boolean;
  /** Releases every locked entity and ends the critical section. Idempotent. */
  release(): void;
  /** Same as `release()`, for `using lock = await ctx.lockEntities(...)`. */
  [Symbol.dispose](): void;
}
