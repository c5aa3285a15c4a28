import type { EntityId } from '../core/entity-id.js';
import type { ActivityTask, DurableTask, TaskResult, TimerTask } from './durable-task.js';
import type { EntityLock, SignalEntityOptions } from './entity-lock.js';
import type { ClassBasedEntityCheck, EntityClassRef, EntityProxy } from './entity-proxy.js';
import type { RetryOptions } from './retry-options.js';
import type { ActivityOutput, ActivityInput, InputArgs, OrchestratorInput, OrchestratorOutput, RunnableClass } from './task-types.js';

/**
 * How long an activity call may take, in milliseconds (each unset: no limit). A timed-out attempt has its
 * `ctx.signal` aborted, its slot freed, and counts as a failed attempt for the retry policy; the orchestrator finally
 * sees a `TaskFailedError` whose `failureDetails.errorType` is `'ActivityTimeoutError'`. Enforced durably: if the
 * worker running the attempt dies, another one enforces it.
 */
export interface ActivityTimeouts {
  /** From an attempt's start to its result (Temporal's StartToClose). */
  readonly startToCloseTimeoutMs?: number;
  /** From the call to its final result, across every attempt and retry wait (Temporal's ScheduleToClose). */
  readonly scheduleToCloseTimeoutMs?: number;
  /**
   * Longest time between two `ctx.heartbeat()` calls of a running attempt (from its start for the first one). A worker
   * that dies mid-activity is detected within about this time, not the job lock's lifetime.
   */
  readonly heartbeatTimeoutMs?: number;
}

/** Options of `callActivity` (and the defaults an activity class declares with `@Activity({ ... })`). */
export interface CallActivityOptions extends ActivityTimeouts {
  readonly retry?: RetryOptions;
}

/** Options of `callSubOrchestrator`. */
export interface CallSubOrchestratorOptions {
  /** The child's instance ID. Default: `<parent instanceId>:<sequence>` (deterministic). */
  readonly instanceId?: string;
  readonly retry?: RetryOptions;
  /** The child's orchestration version (`ctx.version` in the child). Default: this orchestration's version. */
  readonly version?: string;
}

/** Options of `waitForExternalEvent`. */
export interface WaitForEventOptions {
  /** Fail with `TimeoutError` if the event has not arrived after this long (a durable timer). */
  readonly timeoutMs?: number;
}

/** Options of `continueAsNew`. */
export interface ContinueAsNewOptions {
  /** Carry raised-but-unconsumed external events into the new execution. Default false. */
  readonly preserveUnprocessedEvents?: boolean;
}

/** A logger whose calls are dropped while the orchestrator replays, so each line is written once. */
export interface ReplaySafeLogger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/**
 * What an orchestrator's `run` receives. Every member is deterministic under replay: time comes from history,
 * GUIDs are derived from the instance, and tasks complete from recorded events.
 *
 * @example
 * ```ts
 * @Orchestrator()
 * export class HelloSequence {
 *   async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
 *     const out: string[] = [];
 *     for (const city of ctx.input) out.push(await ctx.callActivity(SayHello, city));
 *     return out;
 *   }
 * }
 * ```
 */
export interface OrchestrationContext<TInput = unknown> {
  /** The orchestration's input (decoded). */
  readonly input: TInput;
  readonly instanceId: string;
  /** The parent's instance ID when this is a sub-orchestration. */
  readonly parentInstanceId: string | undefined;
  /**
   * The orchestration version this instance was started with (`startNew(O, { version })`, the starting app's
   * `version`, or its parent's); undefined when it has none. Durable Functions' `context.Version`: branch on it with
   * `compareVersions` to keep old instances on their old path.
   */
  readonly version: string | undefined;
  /** True while re-executing recorded history; use it to avoid repeating side effects such as logging. */
  readonly isReplaying: boolean;
  /** The current time, from history (the start of the current episode). Never the wall clock. */
  readonly currentUtcDateTime: Date;
  /**
   * The number of history events of this execution up to the one the code is reacting to (deterministic: the same on
   * every replay). It restarts with each `continueAsNew`.
   */
  readonly historyLength: number;
  /** The size of those events, in bytes: each one's JSON text in UTF-8 (the measure of `status.historySizeBytes`). */
  readonly historySizeBytes: number;
  /**
   * True once `historyLength` reaches 80% of the runtime's `maxHistoryEvents` (as it was when this execution started):
   * time to `continueAsNew` before the execution fails at the limit.
   *
   * @example
   * ```ts
   * for (;;) {
   *   await ctx.callActivity(PollQueue);
   *   if (ctx.continueAsNewSuggested) { ctx.continueAsNew(ctx.input); return; }
   * }
   * ```
   */
  readonly continueAsNewSuggested: boolean;
  /** A replay-safe logger. */
  readonly log: ReplaySafeLogger;

  /** A GUID that is the same on every replay (name-based UUID v5 of the instance, time and a counter). */
  newGuid(): string;

  /**
   * Code-level versioning (Temporal's `patched`): whether this execution takes the new code path of patch `patchId`.
   * True in new executions, and in replays of histories that recorded the patch's marker; false when replaying a
   * history that passed this point without it (an instance started on the old code keeps the old path). The first
   * true answer records the marker in history; the answer for one `patchId` stays the same for the whole execution.
   * Markers take no action number: adding or removing a patch does not shift the other steps.
   *
   * @throws DurableError `INVALID_ARGUMENT` unless `patchId` is a non-empty string of at most 256 characters.
   *
   * @example
   * ```ts
   * if (ctx.patched('send-receipt')) {
   *   await ctx.callActivity(SendReceipt, order);   // new code: only instances that reach here on it
   * } else {
   *   await ctx.callActivity(SendEmail, order);     // old code: instances that passed here before the deploy
   * }
   * ```
   */
  patched(patchId: string): boolean;

  /**
   * The clean-up phase of patch `patchId`, once no running instance can still take its old path: the `if` is
   * removed and the new code stays, with this call in its place. Records the marker when not replaying (so that
   * code rolled back to `ctx.patched(patchId)` keeps this execution on the new path); never fails a replay, whether
   * its history holds the marker or not. Remove the call too once no running instance started before it was added.
   *
   * @throws DurableError `INVALID_ARGUMENT` unless `patchId` is a non-empty string of at most 256 characters.
   *
   * @example
   * ```ts
   * ctx.deprecatePatch('send-receipt');
   * await ctx.callActivity(SendReceipt, order);
   * ```
   */
  deprecatePatch(patchId: string): void;

  /** Schedules an activity; typed from the class's `run`. */
  callActivity<C extends RunnableClass>(activity: C, ...args: InputArgs<ActivityInput<C>, CallActivityOptions>): ActivityTask<ActivityOutput<C>>;
  /** Schedules an activity by its registered name (untyped). */
  callActivity<TOutput = unknown>(activity: string, input?: unknown, options?: CallActivityOptions): ActivityTask<TOutput>;

  /** Durable Functions' spelling of `callActivity(activity, input, { retry })`. */
  callActivityWithRetry<C extends RunnableClass>(activity: C, retry: RetryOptions, ...args: InputArgs<ActivityInput<C>, never>): ActivityTask<ActivityOutput<C>>;
  callActivityWithRetry<TOutput = unknown>(activity: string, retry: RetryOptions, input?: unknown): ActivityTask<TOutput>;

  /** Starts a sub-orchestration and completes with its output. */
  callSubOrchestrator<C extends RunnableClass>(orchestrator: C, ...args: InputArgs<OrchestratorInput<C>, CallSubOrchestratorOptions>): DurableTask<OrchestratorOutput<C>>;
  callSubOrchestrator<TOutput = unknown>(orchestrator: string, input?: unknown, options?: CallSubOrchestratorOptions): DurableTask<TOutput>;

  /** Durable Functions' spelling of `callSubOrchestrator(orchestrator, input, { retry, instanceId })`. */
  callSubOrchestratorWithRetry<C extends RunnableClass>(orchestrator: C, retry: RetryOptions, input?: OrchestratorInput<C>, instanceId?: string): DurableTask<OrchestratorOutput<C>>;
  callSubOrchestratorWithRetry<TOutput = unknown>(orchestrator: string, retry: RetryOptions, input?: unknown, instanceId?: string): DurableTask<TOutput>;

  /** A durable timer that fires at `fireAt` (a `Date`, typically derived from `currentUtcDateTime`). */
  createTimer(fireAt: Date): TimerTask;

  /** Completes when an event with this name is raised (events raised earlier are buffered, first in first out). */
  waitForExternalEvent<T = unknown>(name: string, options?: WaitForEventOptions): DurableTask<T>;

  /** Completes when every task has; fails with the first failure once every task is terminal. */
  whenAll<const T extends readonly DurableTask<unknown>[]>(tasks: T): DurableTask<{ -readonly [K in keyof T]: TaskResult<T[K]> }>;
  whenAll<T>(tasks: readonly DurableTask<T>[]): DurableTask<T[]>;

  /**
   * Completes with the first of `tasks` to complete — the task itself. `yield ctx.whenAny([...])` in a generator
   * orchestrator gets that task, as in Durable Functions JavaScript. In `async` code, `await` unwraps it (JavaScript
   * promises always unwrap thenables, and TypeScript types the `await` that way): you get the winner's result, or its
   * error is thrown, like `Promise.race`; check `task.isCompleted` to see which task won.
   *
   * @example
   * ```ts
   * const timeout = ctx.createTimer(deadline);
   * const approval = ctx.waitForExternalEvent<boolean>('Approval');
   * await ctx.whenAny([approval, timeout]);
   * if (approval.isCompleted) { timeout.cancel(); ... } else { ...escalate... }
   * ```
   */
  whenAny<T extends DurableTask<unknown>>(tasks: readonly T[]): DurableTask<T>;

  /**
   * Calls an entity operation and completes with its return value; fails with `TaskFailedError` (`taskKind`
   * `'entity'`) when the operation throws (its state change is then rolled back). Inside a critical section only
   * locked entities may be called, and only one call per entity at a time.
   *
   * @throws LockingRulesViolationError when a critical-section rule forbids the call (synchronously).
   *
   * @example
   * ```ts
   * const total = await ctx.callEntity<number>(new EntityId('Counter', 'orders'), 'get');
   * ```
   */
  callEntity<TResult = unknown>(entityId: EntityId, operation: string, input?: unknown): DurableTask<TResult>;

  /**
   * Sends an operation to an entity without waiting for it (one-way; the entity is created on demand). With
   * `options.scheduledTime` the operation is not applied before that time. Inside a critical section, locked entities
   * may not be signaled (call them instead).
   *
   * @throws LockingRulesViolationError when the entity is locked by this orchestration.
   *
   * @example
   * ```ts
   * ctx.signalEntity(new EntityId('Counter', 'orders'), 'add', 1);
   * ```
   */
  signalEntity(entityId: EntityId, operation: string, input?: unknown, options?: SignalEntityOptions): void;

  /**
   * A typed proxy of one entity: each operation of class-based entity `entity` (a `DurableEntity` subclass) is a
   * method checked against the class — `await ctx.entity(Counter, 'orders').add(5)` calls `add` like
   * `ctx.callEntity`, and `.signal.add(1)` sends it one-way like `ctx.signalEntity` (options, such as
   * `scheduledTime`, after the input). The entity's name is the class's registered name (`@Entity({ name })`, or the
   * class name). A function-style entity (one `run(ctx)` for all operations) does not compile here: use
   * `callEntity` / `signalEntity`, which also reach an operation named `signal` or `then` as a two-way call.
   *
   * @throws RegistrationError when the class is not registered as an entity in this app, naming it.
   * @throws LockingRulesViolationError from a call or signal that the critical-section rules forbid (synchronously).
   *
   * @example
   * ```ts
   * const counter = ctx.entity(Counter, 'orders');
   * await counter.add(5);
   * counter.signal.add(1);
   * const total = await counter.get();   // number
   * ```
   */
  entity<C extends EntityClassRef>(entity: C & ClassBasedEntityCheck<C>, key: string): EntityProxy<C>;

  /**
   * Enters a critical section: locks the entities (in one global order, so critical sections never deadlock) and
   * completes with the lock once all are held. Until it is released — by `lock.release()`, `using`, or the end of the
   * execution (also a failure or a termination) — the orchestration may call only the locked entities (one call per
   * entity at a time), may not signal them, may not call sub-orchestrators and may not lock again.
   *
   * @throws LockingRulesViolationError when already in a critical section (a lock held or requested).
   *
   * @example
   * ```ts
   * using lock = await ctx.lockEntities(from, to);
   * await ctx.whenAll([ctx.callEntity(from, 'add', -amount), ctx.callEntity(to, 'add', amount)]);
   * ```
   */
  lockEntities(...entityIds: EntityId[]): DurableTask<EntityLock>;

  /**
   * True inside a critical section: from the `lockEntities` call (the request may still be pending) until the lock
   * is released. The critical-section rules apply exactly while this is true.
   */
  readonly isInCriticalSection: boolean;

  /** The entities of the current critical section (sorted by instance ID; requested or held); empty outside one. */
  readonly lockedEntities: readonly EntityId[];

  /** Ends this execution and starts a new one with `input` and an empty history once `run` returns. */
  continueAsNew(input: TInput, options?: ContinueAsNewOptions): void;

  /** A JSON-like value shown in the instance's status. */
  setCustomStatus(value: unknown): void;
}
