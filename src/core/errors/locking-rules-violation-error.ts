import { DurableError } from '../durable-error.js';

/**
 * Which critical-section rule an orchestration broke (Durable Functions' rules):
 * - `NestedLock`: `lockEntities` while already in a critical section (a lock held, or a lock request pending);
 * - `CallBeforeLockGranted`: `callEntity` while the lock request has not been granted yet (await it first);
 * - `CallToUnlockedEntity`: `callEntity` inside a critical section to an entity that is not one of the locked ones;
 * - `ConcurrentCall`: `callEntity` inside a critical section to a locked entity whose previous call has not finished;
 * - `SignalToLockedEntity`: `signalEntity` inside a critical section to one of the locked entities;
 * - `SubOrchestrationInCriticalSection`: `callSubOrchestrator` inside a critical section.
 */
export type LockingRule =
  | 'NestedLock' | 'CallBeforeLockGranted' | 'CallToUnlockedEntity' | 'ConcurrentCall' | 'SignalToLockedEntity'
  | 'SubOrchestrationInCriticalSection';

/**
 * An orchestration broke a rule of critical sections (`ctx.lockEntities`). Thrown synchronously by the context call
 * that broke it, so the orchestrator can catch it; if it does not, the orchestration fails with it (and its locks are
 * released). Code `LOCKING_RULES_VIOLATION`.
 *
 * @example
 * ```ts
 * using lock = await ctx.lockEntities(from, to);
 * await ctx.callEntity(audit, 'log', 'transfer');   // throws LockingRulesViolationError: `audit` is not locked
 * ```
 */
export class LockingRulesViolationError extends DurableError {
  /** The rule that was broken. */
  readonly rule: LockingRule;

  constructor(rule: LockingRule, message: string) {
    super('LOCKING_RULES_VIOLATION', message);
    this.rule = rule;
  }
}
