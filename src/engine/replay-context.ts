import { encodePayload as encodeValue } from '../core/codec.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import { DurableError } from '../core/durable-error.js';
import { TimeoutError } from '../core/errors/timeout-error.js';
import { assertVersion } from '../core/orchestration-version.js';
import { EntityId } from '../core/entity-id.js';
import type { EncodedPayload } from '../history/history-event.js';
import { CompletableTask, type TaskObserver } from './completable-task.js';
import { WhenAllTask, WhenAnyTask } from './composite-tasks.js';
import { uuidV5 } from './deterministic-guid.js';
import type { ActivityAttemptTask } from './activity-attempt-task.js';
import { scheduleActivityCall, type ActivityAttemptOptions } from './activity-call.js';
import { activityCallPolicy } from './activity-call-policy.js';
import type { ActivityTask, DurableTask, TimerTask } from './durable-task.js';
import type { EntityLock, SignalEntityOptions } from './entity-lock.js';
import { createEntityProxy, type EntityClassRef } from './entity-proxy.js';
import { checkPatchId } from './patch-ledger.js';
import type {
  CallActivityOptions, CallSubOrchestratorOptions, ContinueAsNewOptions, OrchestrationContext, ReplaySafeLogger,
  WaitForEventOptions,
} from './orchestration-context.js';
import { validateRetryOptions, withRetry } from './retry-task.js';
import type { RetryOptions } from './retry-options.js';
import type { RunnableClass } from './task-types.js';
import type { DurableTimerTask } from './timer-task.js';

import type { LogLevel } from '../core/runtime-logger.js';

/** Log levels of the replay-safe logger: the runtime's own (one type). */
export type { LogLevel } from '../core/runtime-logger.js';

/** What the context needs from the executor that replays it. */
export interface ContextHost {
  readonly observer: TaskObserver;
  readonly instanceId: string;
  readonly parentInstanceId: string | undefined;
  /** The orchestration version recorded in ExecutionStarted. */
  readonly version: string | undefined;
  readonly input: unknown;
  readonly isReplaying: boolean;
  readonly currentUtcDateTime: Date;
  readonly historyLength: number;
  readonly historySizeBytes: number;
  readonly continueAsNewSuggested: boolean;
  /** `ctx.patched` (the ID checked): see `PatchLedger`. */
  patched(patchId: string): boolean;
  /** `ctx.deprecatePatch` (the ID checked). */
  deprecatePatch(patchId: string): void;
  /** The registered name of a class (or a checked name string). @throws RegistrationError when not registered. */
  resolveName(kind: 'activity' | 'orchestrator' | 'entity', ref: RunnableClass | EntityClassRef | string): string;
  scheduleActivity(name: string, input: EncodedPayload, options?: ActivityAttemptOptions): ActivityAttemptTask<unknown>;
  /** The defaults the activity's class declares, if any. */
  activityDefaults(name: string): CallActivityOptions | undefined;
  scheduleSubOrchestration(name: string, instanceId: string | undefined, input: EncodedPayload, version?: string): CompletableTask<unknown>;
  /** @throws LockingRulesViolationError inside a critical section. */
  assertMayCallSubOrchestrator(): void;
  /** @throws LockingRulesViolationError when the critical-section rules forbid this call. */
  callEntity(entity: EntityId, operation: string, input: EncodedPayload): CompletableTask<unknown>;
  /** @throws LockingRulesViolationError when the entity is locked by this orchestration. */
  signalEntity(entity: EntityId, operation: string, input: EncodedPayload, scheduledTime: Date | undefined): void;
  /** @throws LockingRulesViolationError inside a critical section. */
  lockEntities(entities: readonly EntityId[]): CompletableTask<EntityLock>;
  readonly isInCriticalSection: boolean;
  readonly lockedEntities: readonly EntityId[];
  createTimer(fireAt: Date): DurableTimerTask;
  waitForEvent(name: string): CompletableTask<unknown>;
  abandonEventWait(name: string, task: CompletableTask<unknown>): void;
  continueAsNew(input: EncodedPayload, preserveUnprocessedEvents: boolean): void;
  setCustomStatus(status: EncodedPayload): void;
  log(level: LogLevel, message: string, args: unknown[]): void;
  /** Largest encoded payload accepted at a call site, in bytes (undefined: no limit). */
  readonly maxPayloadBytes: number | undefined;
}

function asTasks(tasks: readonly DurableTask<unknown>[], what: string): CompletableTask<unknown>[] {
  if (!Array.isArray(tasks)) throw new DurableError('INVALID_ARGUMENT', `${what} expects an array of durable tasks`);
  return tasks.map((task, i) => {
    if (!(task instanceof CompletableTask)) {
      throw new DurableError('INVALID_ARGUMENT', `${what}: element ${i} is not a durable task (got ${typeof task}). Pass tasks from ctx.callActivity, ctx.createTimer, ... — not plain promises.`);
    }
    return task as CompletableTask<unknown>;
  });
}

/** An `EntityId` argument, checked (a structurally equal object is re-created, which validates it). */
function asEntityId(value: unknown, what: string): EntityId {
  if (value instanceof EntityId) return value;
  if (value !== null && typeof value === 'object') {
    const { name, key } = value as { name?: unknown; key?: unknown };
    if (typeof name === 'string' && typeof key === 'string') return new EntityId(name, key);
  }
  throw new DurableError('INVALID_ARGUMENT', `${what} expects an EntityId (new EntityId(name, key)), got ${value === null ? 'null' : typeof value}`);
}

function checkOperation(operation: unknown, what: string): asserts operation is string {
  if (typeof operation !== 'string' || operation.length === 0) {
    throw new DurableError('INVALID_ARGUMENT', `${what} expects a non-empty operation name`);
  }
}

/**
 * The `OrchestrationContext` handed to orchestrator code: argument checking, encoding at the call site, retries and
 * timeouts composed from durable primitives. The replay itself is the executor's.
 */
class ReplayContext {
  #guidCounter = 0;
  readonly log: ReplaySafeLogger;

  constructor(readonly host: ContextHost) {
    this.log = {
      debug: (message, ...args) => host.log('debug', message, args),
      info: (message, ...args) => host.log('info', message, args),
      warn: (message, ...args) => host.log('warn', message, args),
      error: (message, ...args) => host.log('error', message, args),
    };
  }

  get input(): unknown {
    return this.host.input;
  }
  get instanceId(): string {
    return this.host.instanceId;
  }
  get parentInstanceId(): string | undefined {
    return this.host.parentInstanceId;
  }
  get version(): string | undefined {
    return this.host.version;
  }
  get isReplaying(): boolean {
    return this.host.isReplaying;
  }
  get currentUtcDateTime(): Date {
    return new Date(this.host.currentUtcDateTime.getTime());
  }
  get historyLength(): number {
    return this.host.historyLength;
  }
  get historySizeBytes(): number {
    return this.host.historySizeBytes;
  }
  get continueAsNewSuggested(): boolean {
    return this.host.continueAsNewSuggested;
  }

  // Every value crossing the durable boundary is encoded (and size-checked) at the call site, so a bad value fails
  // where it is written, not later in a worker.
  #encode(value: unknown, what: string): EncodedPayload {
    return assertPayloadSize(encodeValue(value, what), what, this.host.maxPayloadBytes);
  }

  newGuid(): string {
    return uuidV5(`${this.host.instanceId}_${this.host.currentUtcDateTime.toISOString()}_${this.#guidCounter++}`);
  }

  patched(patchId: string): boolean {
    checkPatchId(patchId, 'patched');
    return this.host.patched(patchId);
  }

  deprecatePatch(patchId: string): void {
    checkPatchId(patchId, 'deprecatePatch');
    this.host.deprecatePatch(patchId);
  }

  callActivity(activity: RunnableClass | string, input?: unknown, options?: CallActivityOptions): ActivityTask<unknown> {
    const name = this.host.resolveName('activity', activity);
    const encoded = this.#encode(input, `input of activity '${name}'`);
    return scheduleActivityCall(this.host, name, encoded, activityCallPolicy(name, options, this.host.activityDefaults(name)));
  }

  callActivityWithRetry(activity: RunnableClass | string, retry: RetryOptions, input?: unknown): ActivityTask<unknown> {
    return this.callActivity(activity, input, { retry });
  }

  callSubOrchestrator(orchestrator: RunnableClass | string, input?: unknown, options?: CallSubOrchestratorOptions): DurableTask<unknown> {
    this.host.assertMayCallSubOrchestrator();
    const name = this.host.resolveName('orchestrator', orchestrator);
    const encoded = this.#encode(input, `input of sub-orchestration '${name}'`);
    const instanceId = options?.instanceId;
    if (instanceId !== undefined && (typeof instanceId !== 'string' || instanceId.length === 0)) {
      throw new DurableError('INVALID_ARGUMENT', 'callSubOrchestrator: instanceId must be a non-empty string');
    }
    const version = options?.version;
    if (version !== undefined) assertVersion(version, 'callSubOrchestrator: version');
    if (options?.retry === undefined) return this.host.scheduleSubOrchestration(name, instanceId, encoded, version);
    validateRetryOptions(options.retry);
    return withRetry(this.host, options.retry, () => this.host.scheduleSubOrchestration(name, instanceId, encoded, version));
  }

  callSubOrchestratorWithRetry(orchestrator: RunnableClass | string, retry: RetryOptions, input?: unknown, instanceId?: string): DurableTask<unknown> {
    return this.callSubOrchestrator(orchestrator, input, { retry, instanceId });
  }

  createTimer(fireAt: Date): TimerTask {
    if (!(fireAt instanceof Date) || Number.isNaN(fireAt.getTime())) {
      throw new DurableError('INVALID_ARGUMENT', 'createTimer expects a valid Date (derive it from ctx.currentUtcDateTime)');
    }
    return this.host.createTimer(new Date(fireAt.getTime()));
  }

  waitForExternalEvent(name: string, options?: WaitForEventOptions): DurableTask<unknown> {
    if (typeof name !== 'string' || name.length === 0) {
      throw new DurableError('INVALID_ARGUMENT', 'waitForExternalEvent expects a non-empty event name');
    }
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)) {
      throw new DurableError('INVALID_ARGUMENT', `waitForExternalEvent('${name}'): timeoutMs must be a finite number >= 0`);
    }
    const event = this.host.waitForEvent(name);
    if (timeoutMs === undefined || event.isCompleted) return event;
    const timer = this.host.createTimer(new Date(this.host.currentUtcDateTime.getTime() + timeoutMs));
    const result = new CompletableTask<unknown>(this.host.observer);
    event.onSettled(() => {
      timer.cancel();
      if (event.isFaulted) result.fail(event.error);
      else result.complete(event.result);
    });
    timer.onSettled(() => {
      if (result.isCompleted) return;
      // The event may still come later: it must then be buffered, not swallowed by this abandoned wait.
      this.host.abandonEventWait(name, event);
      result.fail(new TimeoutError(`Timed out after ${timeoutMs} ms waiting for external event '${name}'`));
    });
    return result;
  }

  whenAll(tasks: readonly DurableTask<unknown>[]): DurableTask<unknown[]> {
    return new WhenAllTask(this.host.observer, asTasks(tasks, 'whenAll'));
  }

  whenAny(tasks: readonly DurableTask<unknown>[]): DurableTask<unknown> {
    const list = asTasks(tasks, 'whenAny');
    if (list.length === 0) throw new DurableError('INVALID_ARGUMENT', 'whenAny needs at least one task');
    return new WhenAnyTask(this.host.observer, list);
  }

  get isInCriticalSection(): boolean {
    return this.host.isInCriticalSection;
  }
  get lockedEntities(): readonly EntityId[] {
    return [...this.host.lockedEntities];
  }

  callEntity(entityId: EntityId, operation: string, input?: unknown): DurableTask<unknown> {
    const entity = asEntityId(entityId, 'callEntity');
    checkOperation(operation, 'callEntity');
    const encoded = this.#encode(input, `input of operation '${operation}' on entity '${entity.instanceId}'`);
    return this.host.callEntity(entity, operation, encoded);
  }

  signalEntity(entityId: EntityId, operation: string, input?: unknown, options?: SignalEntityOptions): void {
    const entity = asEntityId(entityId, 'signalEntity');
    checkOperation(operation, 'signalEntity');
    const scheduledTime = options?.scheduledTime;
    if (scheduledTime !== undefined && (!(scheduledTime instanceof Date) || Number.isNaN(scheduledTime.getTime()))) {
      throw new DurableError('INVALID_ARGUMENT', 'signalEntity: scheduledTime must be a valid Date (derive it from ctx.currentUtcDateTime)');
    }
    const encoded = this.#encode(input, `input of operation '${operation}' on entity '${entity.instanceId}'`);
    this.host.signalEntity(entity, operation, encoded, scheduledTime === undefined ? undefined : new Date(scheduledTime.getTime()));
  }

  // Typed by `OrchestrationContext.entity`; the proxy forwards to callEntity / signalEntity, so their checks apply.
  entity(entity: EntityClassRef, key: string): unknown {
    return createEntityProxy(this, new EntityId(this.host.resolveName('entity', entity), key));
  }

  lockEntities(...entityIds: EntityId[]): DurableTask<EntityLock> {
    if (entityIds.length === 0) throw new DurableError('INVALID_ARGUMENT', 'lockEntities needs at least one entity');
    return this.host.lockEntities(entityIds.map((id, i) => asEntityId(id, `lockEntities (argument ${i})`)));
  }

  continueAsNew(input: unknown, options?: ContinueAsNewOptions): void {
    this.host.continueAsNew(this.#encode(input, 'input of continueAsNew'), options?.preserveUnprocessedEvents === true);
  }

  setCustomStatus(value: unknown): void {
    this.host.setCustomStatus(this.#encode(value, 'custom status'));
  }
}

/** Creates the context object orchestrator code receives. */
export function createOrchestrationContext(host: ContextHost): OrchestrationContext<unknown> {
  // The class implements every overload through one wide signature each; the interface gives users the typed ones.
  return new ReplayContext(host) as unknown as OrchestrationContext<unknown>;
}
