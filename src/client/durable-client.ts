import { randomUUID } from 'node:crypto';
import { decodePayload, encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { InstanceAlreadyExistsError } from '../core/errors/instance-already-exists-error.js';
import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import type { OrchestratorInput, RunnableClass } from '../engine/task-types.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { TERMINAL_STATUSES, type InstanceState, type InstanceStore, type RuntimeStatus } from '../ports/instance-store.js';
import type { WorkScheduler } from '../ports/work-scheduler.js';
import type { DurableRegistry } from '../registry/durable-registry.js';
import type { EntityClass } from '../entities/entity-class.js';
import { EntityId } from '../core/entity-id.js';
import type { EntitySignalProxy } from '../entities/entity-signal-proxy.js';
import { assertValidInstanceId } from '../core/instance-id.js';
import type { DurableClientOptions } from './durable-client-options.js';
import { HistoryViewBuilder } from './history-view.js';
import { checkInstanceIdPolicy, createWithPolicy, type InstanceIdPolicy } from './instance-id-policy.js';
import { retryStuckInstance, startVersion } from './instance-versions.js';
import { listEntities, readEntityState, signalEntity } from './entity-operations.js';
import { toStoreBounds, type EntityMetadata, type ListEntitiesOptions, type ListInstancesOptions } from './list-options.js';
import { historySizeOf, toOrchestrationStatus, type OrchestrationStatus } from './orchestration-status.js';
import { assertSuspension } from './suspension-check.js';
import { purgeInstanceTree, recursiveOption, type PurgeInstanceOptions, type TerminateOptions } from './purge-instance-tree.js';
import { rewindInstance } from './rewind-instance.js';
import { tracedStart } from './traced-start.js';
import type { TraceContext } from '../core/trace-context.js';
import { purgeInstances, type PurgeInstancesFilter } from './purge-instances.js';
import { checkStatusPayloadOf, managementUrls, type CheckStatusPayload } from './management-urls.js';
import { waitForCompletionOrCheckStatus, type CheckStatusHttpResponse, type WaitOrCheckStatusOptions } from './wait-for-completion-or-check-status.js';
import { waitForCompletion } from './wait-for-completion.js';

/** Options of {@link DurableClient.startNew}. */
export interface StartNewOptions<TInput> extends InstanceIdPolicy {
  readonly input?: TInput;
  /** Default: a new random ID (32 hex digits). */
  readonly instanceId?: string;
  /** Start at this time instead of now. */
  readonly startAt?: Date;
  /** The instance's orchestration version (`ctx.version`, `status.version`). Default: the app's `version`, if any. */
  readonly version?: string;
  /**
   * The trace the start belongs to (a W3C trace context, e.g. from a queue message): its `create_orchestration` span is
   * a child of it. Default: the active OpenTelemetry context. See docs/observability.md.
   */
  readonly parentTrace?: TraceContext;
}

/** Options of {@link DurableClient.getStatus}. */
export interface GetStatusOptions {
  readonly showHistory?: boolean;
  readonly showHistoryOutput?: boolean;
  /** Default true. */
  readonly showInput?: boolean;
  /**
   * With `showHistory`: the history view stops before the row that would take its size (as JSON) past this many
   * bytes, and the status says so (`historyEventsTruncated: true`). The history is read an episode at a time, so a
   * long one is never held whole. Default: the whole history (as Durable Functions).
   */
  readonly maxHistoryBytes?: number;
  /**
   * With `showHistory`: a payload in the history view (`Input`, `Result`, `Reason`) larger than this many bytes is
   * left out of its row, which says so (`ResultOmitted: true`, ...). Default: none is left out.
   */
  readonly maxHistoryFieldBytes?: number;
}

export type { CheckStatusPayload, ManagementUrls, ManagementUrlOptions } from './management-urls.js';
export type { CheckStatusHttpResponse, WaitOrCheckStatusOptions } from './wait-for-completion-or-check-status.js';
export type { EntityMetadata, ListEntitiesOptions, ListInstancesOptions, ListPageBounds } from './list-options.js';

/**
 * Starts and manages orchestration instances. Available in every process, also in client-only ones (a
 * `Durably.create` without `start()`).
 *
 * @example
 * ```ts
 * const id = await durably.client.startNew(HelloSequence, { input: ['Tokyo', 'Seattle'] });
 * const status = await durably.client.waitForCompletion(id, { timeoutMs: 30_000 });
 * console.log(status.output); // ['Hello Tokyo!', 'Hello Seattle!']
 * ```
 */
export class DurableClient {
  constructor(
    private readonly store: InstanceStore,
    private readonly scheduler: WorkScheduler,
    private readonly registry: DurableRegistry,
    private readonly options: DurableClientOptions,
  ) {}

  /** Starts an orchestration; returns its instance ID (see {@link InstanceIdPolicy} for an ID in use). @throws InstanceAlreadyExistsError if that ID is active. */
  async startNew<C extends RunnableClass>(orchestrator: C | string, options: StartNewOptions<OrchestratorInput<C>> = {}): Promise<string> {
    const name = this.registry.nameOf('orchestrator', orchestrator);
    const instanceId = options.instanceId ?? randomUUID().replaceAll('-', '');
    assertValidInstanceId(instanceId);
    checkInstanceIdPolicy(options);
    if (options.startAt !== undefined && (!(options.startAt instanceof Date) || Number.isNaN(options.startAt.getTime()))) {
      throw new DurableError('INVALID_ARGUMENT', 'startAt must be a valid Date');
    }
    const input = assertPayloadSize(encodePayload(options.input, 'input'), 'input', this.options.maxPayloadBytes);
    const version = startVersion(options.version, this.options.version);
    const traced = { name, instanceId, version: version.orchestrationVersion, parentTrace: options.parentTrace };
    await tracedStart(this.options.telemetry, traced, (traceContext) => createWithPolicy(this.store, this.options, {
      instanceId,
      executionId: randomUUID(),
      name,
      input,
      ...(options.startAt === undefined ? {} : { scheduledStartTime: options.startAt }),
      ...version,
      ...(traceContext === undefined ? {} : { traceContext }),
      now: this.options.clock.now(),
    }, options));
    this.options.wake();
    return instanceId;
  }

  /**
   * The instance's status, or undefined when there is no such instance. Input, output and custom status are always
   * whole (each at most the app's `maxPayloadBytes`); with `showHistory`, the history view can be bounded
   * (`maxHistoryBytes`, `maxHistoryFieldBytes`).
   */
  async getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<OrchestrationStatus | undefined> {
    assertInstanceIdArgument(instanceId);
    const state = await this.store.getInstance(instanceId);
    if (state === undefined) return undefined;
    const status = { ...toOrchestrationStatus(state, options), ...await historySizeOf(this.store, state) };
    if (options.showHistory !== true) return status;
    const view = new HistoryViewBuilder({
      ...options,
      ...(options.maxHistoryBytes === undefined ? {} : { maxBytes: options.maxHistoryBytes }),
      ...(options.maxHistoryFieldBytes === undefined ? {} : { maxFieldBytes: options.maxHistoryFieldBytes }),
    });
    for await (const chunk of this.store.readHistory(state.instanceId, state.executionId)) {
      if (!view.add(chunk.events)) break;
    }
    return { ...status, historyEvents: view.rows, ...(view.truncated && { historyEventsTruncated: true }) };
  }

  /** The raw history events of the current execution (for replay tests and export). */
  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    const state = await this.#require(instanceId);
    return this.#history(state.instanceId, state.executionId);
  }

  /**
   * The raw history events of the current execution, an episode at a time, read from MongoDB as they are consumed:
   * {@link DurableClient.getHistory} for histories too long to hold in memory. The instance is looked up first.
   * @throws InstanceNotFoundError (before anything is read) when there is no such instance.
   * @example `for await (const events of await client.readHistory(id)) for (const e of events) out.write(JSON.stringify(e));`
   */
  async readHistory(instanceId: string): Promise<AsyncIterable<readonly HistoryEvent[]>> {
    const state = await this.#require(instanceId);
    const chunks = this.store.readHistory(state.instanceId, state.executionId);
    return (async function* episodes() {
      for await (const chunk of chunks) yield chunk.events;
    })();
  }

  /**
   * Instances matching the filters, a page at a time, in creation order. Pages are bounded (see
   * {@link ListPageBounds}): a payload larger than `maxFieldBytes` (default 64 KiB) is summarised — left out of its
   * entry, which is flagged `inputOmitted`, `outputOmitted` or `customStatusOmitted` — and read in full with
   * `getStatus`; a page holds at most `pageSize` (default 100, at most 1000) entries and ends early, with a
   * continuation token, once it reaches about `maxPageBytes` (default 4 MiB).
   *
   * @example
   * ```ts
   * let token: string | undefined;
   * do {
   *   const page = await client.listInstances({ runtimeStatus: ['Running'], ...(token && { continuationToken: token }) });
   *   for (const status of page.instances) console.log(status.instanceId, status.inputOmitted ? '(input too large to list)' : status.input);
   *   token = page.continuationToken;
   * } while (token !== undefined);
   * ```
   */
  async listInstances(options: ListInstancesOptions = {}): Promise<{ instances: OrchestrationStatus[]; continuationToken?: string }> {
    const { maxFieldBytes, maxPageBytes } = toStoreBounds(options);
    const page = await this.store.listInstances({ ...options, maxFieldBytes, maxPageBytes });
    return {
      instances: page.instances.map((state) => toOrchestrationStatus(state)),
      ...(page.continuationToken === undefined ? {} : { continuationToken: page.continuationToken }),
    };
  }

  /** Raises an external event (buffered until the orchestrator waits for it). */
  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<void> {
    if (typeof eventName !== 'string' || eventName.length === 0) throw new DurableError('INVALID_ARGUMENT', 'eventName must be a non-empty string');
    const state = await this.#require(instanceId);
    this.#requireActive(state.instanceId, state.runtimeStatus, 'raise an event for');
    const input = assertPayloadSize(encodePayload(data, 'event data'), 'event data', this.options.maxPayloadBytes);
    await this.#send(instanceId, { type: HistoryEventType.EventRaised, eventId: -1, timestamp: this.options.clock.now(), name: eventName, input });
  }

  /** Terminates a running instance for good (its pending work dropped, late results ignored), and its running sub-orchestrations too, recursively, unless {@link TerminateOptions | `recursive: false`}. */
  async terminate(instanceId: string, reason?: unknown, options?: TerminateOptions): Promise<void> {
    const recursive = recursiveOption(options, 'terminate');
    if (TERMINAL_STATUSES.has((await this.#require(instanceId)).runtimeStatus)) return;
    await this.#send(instanceId, { type: HistoryEventType.ExecutionTerminated, eventId: -1, timestamp: this.options.clock.now(), reason: encodePayload(reason, 'reason'), recursive });
  }

  /** Suspends an instance: it makes no progress until resumed (events raised meanwhile are kept, in order). @throws InstanceStateConflictError if already suspended. */
  async suspend(instanceId: string, reason?: string): Promise<void> {
    const state = await this.#require(instanceId);
    this.#requireActive(state.instanceId, state.runtimeStatus, 'suspend');
    await assertSuspension(this.store, state, 'suspend');
    await this.#send(instanceId, { type: HistoryEventType.ExecutionSuspended, eventId: -1, timestamp: this.options.clock.now(), ...(reason === undefined ? {} : { reason }) });
  }

  /** Resumes a suspended instance. @throws InstanceStateConflictError if it is not suspended. */
  async resume(instanceId: string, reason?: string): Promise<void> {
    const state = await this.#require(instanceId);
    this.#requireActive(state.instanceId, state.runtimeStatus, 'resume');
    await assertSuspension(this.store, state, 'resume');
    await this.#send(instanceId, { type: HistoryEventType.ExecutionResumed, eventId: -1, timestamp: this.options.clock.now(), ...(reason === undefined ? {} : { reason }) });
  }

  /** Rewinds a Failed instance: its failed activities and sub-orchestrations run again, its results are kept (see docs/operations.md). @throws InstanceNotFoundError; DurableError `INSTANCE_NOT_FAILED` unless Failed. */
  async rewind(instanceId: string, reason?: string): Promise<void> {
    await rewindInstance(this.store, this.options.clock, instanceId, reason);
    this.options.wake();
  }

  /** Starts a finished instance again with its original input, under the same ID or a new one. */
  async restart(instanceId: string, options: { restartWithNewInstanceId?: boolean } = {}): Promise<string> {
    const state = await this.#require(instanceId);
    if (!TERMINAL_STATUSES.has(state.runtimeStatus) && options.restartWithNewInstanceId !== true) {
      throw new InstanceAlreadyExistsError(instanceId, state.runtimeStatus);
    }
    return this.startNew(state.name, {
      input: decodePayload(state.input),
      ...(state.orchestrationVersion === undefined ? {} : { version: state.orchestrationVersion }),
      ...(options.restartWithNewInstanceId === true ? {} : { instanceId }),
    });
  }

  /** Retries a stuck instance at once instead of after its backoff: see {@link retryStuckInstance}. */
  async retryNow(instanceId: string): Promise<void> {
    await retryStuckInstance(this.store, this.options, instanceId);
    this.options.log?.('info', `retrying stuck instance '${instanceId}' now`, { event: 'instance.retried', instanceId });
  }

  /** Deletes an instance, its history and its pending jobs — and first its finished sub-orchestrations, recursively, unless {@link PurgeInstanceOptions | `recursive: false`}. */
  async purgeInstanceHistory(instanceId: string, options?: PurgeInstanceOptions): Promise<{ instancesDeleted: number }> {
    return purgeInstanceTree(this.store, this.scheduler, instanceId, recursiveOption(options, 'purgeInstanceHistory'));
  }

  /** Deletes every matching instance: created and/or finished in a time range, optionally with these statuses (see {@link PurgeInstancesFilter}). */
  async purgeInstances(filter: PurgeInstancesFilter): Promise<{ instancesDeleted: number }> {
    return purgeInstances(this.store, this.scheduler, filter);
  }

  /**
   * Resolves once the instance is Completed, Failed, Terminated or Canceled. On a replica set the app's change stream
   * tells it when the instance finishes (the status is also re-read every second as a safety net); else it polls.
   * @throws TimeoutError
   */
  async waitForCompletion(instanceId: string, options: { timeoutMs?: number } = {}): Promise<OrchestrationStatus> {
    assertInstanceIdArgument(instanceId);
    return waitForCompletion({ store: this.store, ...this.options }, instanceId, options.timeoutMs ?? 60_000);
  }

  /**
   * Signals an entity: queues `operation` with `input` for it and returns once the signal is stored (it is never
   * lost, and applied exactly once). One-way: the operation's result is not returned. The entity is created on
   * demand. With `scheduledTime`, the operation is not applied before that time.
   *
   * @example
   * ```ts
   * await durably.client.signalEntity(new EntityId('Counter', 'myCounter'), 'add', 1);
   * ```
   */
  async signalEntity(entityId: EntityId, operation: string, input?: unknown, options: { readonly scheduledTime?: Date } = {}): Promise<void> {
    await signalEntity(this.options, entityId, operation, input, options);
  }

  /**
   * A typed way to signal one entity: `client.entity(Counter, 'myCounter').add(1)` signals operation `add` with input
   * `1`, type-checked against `Counter`'s methods (a class-based entity registered with this app); each call resolves
   * once the signal is stored. With a name instead of a class, any operation name is accepted.
   *
   * @example
   * ```ts
   * const counter = durably.client.entity(Counter, 'myCounter');
   * await counter.add(5);
   * await counter.reset();
   * ```
   */
  entity<C extends EntityClass>(entity: C | string, key: string): EntitySignalProxy<C> {
    const id = new EntityId(typeof entity === 'string' ? entity : this.registry.nameOf('entity', entity), key);
    const methods = new Map<string, (input?: unknown) => Promise<void>>();
    return new Proxy({}, {
      get: (_target, operation) => {
        // Not a thenable: `await client.entity(...)` must not try to call a `then` operation.
        if (typeof operation !== 'string' || operation === 'then') return undefined;
        let method = methods.get(operation);
        if (method === undefined) {
          method = (input?: unknown) => this.signalEntity(id, operation, input);
          methods.set(operation, method);
        }
        return method;
      },
    }) as EntitySignalProxy<C>;
  }

  /** An entity's current state (`entityExists` false, and no state, when it has none: never written, or deleted). */
  async readEntityState<TState = unknown>(entityId: EntityId): Promise<{ entityExists: boolean; entityState: TState | undefined }> {
    return readEntityState<TState>(this.options, entityId);
  }

  /**
   * The task hub's entities, in instance ID order, optionally only those named `entityName`; `fetchState` adds each
   * one's state. Pages of `pageSize` (default 100, at most 1000), continued with `continuationToken`, bounded as
   * `listInstances`' are (see {@link ListPageBounds}): a state larger than `maxFieldBytes` (default 64 KiB) is left
   * out and flagged `stateOmitted` (read it with `readEntityState`), and a page ends early once it reaches about
   * `maxPageBytes` (default 4 MiB).
   */
  async listEntities(options: ListEntitiesOptions = {}): Promise<{ entities: EntityMetadata[]; continuationToken?: string }> {
    return listEntities(this.options, options);
  }

  /**
   * Removes entities that have no state and nothing queued, and releases locks held for orchestrations that are no
   * longer running (so the operations waiting behind them can run).
   */
  async cleanEntityStorage(): Promise<{ emptyEntitiesRemoved: number; orphanedLocksReleased: number }> {
    const result = await this.options.entities.cleanEntityStorage(this.options.clock.now());
    if (result.orphanedLocksReleased > 0) this.options.wake();
    return result;
  }

  /**
   * The Durable Functions check-status payload for an instance, with URLs under `baseUrl` (where the admin router is
   * mounted) carrying DF's `taskHub` and `connection` parameters, and `code=<key>` when `options.key` is given.
   */
  createCheckStatusResponse(baseUrl: string, instanceId: string, options: { readonly key?: string } = {}): CheckStatusPayload {
    return checkStatusPayloadOf(managementUrls(baseUrl, instanceId, { taskHub: this.options.taskHub ?? 'Durably', ...options }));
  }

  /**
   * Durable Functions' `WaitForCompletionOrCreateCheckStatusResponse`: waits up to `timeoutMs` (default 10 s) for the
   * instance to finish, then answers as DF's HTTP API does — `200` with the output when it completed, `200` with its
   * status when it failed, was terminated or canceled (`500` for a failure with `returnInternalServerErrorOnFailure`),
   * and `202` with the check-status payload and `Location`/`Retry-After` headers while it still runs. Send it as is.
   * @throws InstanceNotFoundError when there is no such instance.
   */
  async waitForCompletionOrCreateCheckStatusResponse(baseUrl: string, instanceId: string, options: WaitOrCheckStatusOptions = {}): Promise<CheckStatusHttpResponse> {
    return waitForCompletionOrCheckStatus(this, baseUrl, instanceId, options);
  }

  async #history(instanceId: string, executionId: string): Promise<HistoryEvent[]> {
    return (await this.store.loadHistory(instanceId, executionId)).flatMap((chunk) => chunk.events);
  }

  async #require(instanceId: string): Promise<InstanceState> {
    assertInstanceIdArgument(instanceId);
    const state = await this.store.getInstance(instanceId);
    if (state === undefined) throw new InstanceNotFoundError(instanceId);
    return state;
  }

  #requireActive(instanceId: string, status: RuntimeStatus, what: string): void {
    if (TERMINAL_STATUSES.has(status)) {
      throw new DurableError('INSTANCE_NOT_RUNNING', `Cannot ${what} instance '${instanceId}': it is ${status}.`);
    }
  }

  async #send(instanceId: string, event: HistoryEvent): Promise<void> {
    const sent = await this.store.sendMessage(instanceId, event, { now: this.options.clock.now() });
    if (!sent) throw new InstanceNotFoundError(instanceId);
    this.options.wake();
  }
}

/** The ID argument of a lookup: any non-empty string (IDs that could never be created are simply not found). */
function assertInstanceIdArgument(instanceId: unknown): asserts instanceId is string {
  if (typeof instanceId !== 'string' || instanceId.length === 0) throw new DurableError('INVALID_INSTANCE_ID', 'instanceId must be a non-empty string');
}
