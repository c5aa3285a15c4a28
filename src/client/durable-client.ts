import { randomUUID } from 'node:crypto';
import { decodePayload, encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { InstanceAlreadyExistsError } from '../core/errors/instance-already-exists-error.js';
import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { TimeoutError } from '../core/errors/timeout-error.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import type { OrchestratorInput, RunnableClass } from '../engine/task-types.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { TERMINAL_STATUSES, type InstanceQuery, type InstanceState, type InstanceStore, type RuntimeStatus } from '../ports/instance-store.js';
import type { WorkScheduler } from '../ports/work-scheduler.js';
import type { DurableRegistry } from '../registry/durable-registry.js';
import { assertValidInstanceId } from '../runtime/instance-id.js';
import { toHistoryView } from './history-view.js';
import { toOrchestrationStatus, type OrchestrationStatus } from './orchestration-status.js';

/** Options of {@link DurableClient.startNew}. */
export interface StartNewOptions<TInput> {
  readonly input?: TInput;
  /** Default: a new random ID (32 hex digits). */
  readonly instanceId?: string;
  /** Start at this time instead of now. */
  readonly startAt?: Date;
}

/** Options of {@link DurableClient.getStatus}. */
export interface GetStatusOptions {
  readonly showHistory?: boolean;
  readonly showHistoryOutput?: boolean;
  /** Default true. */
  readonly showInput?: boolean;
}

/** Options of {@link DurableClient.listInstances}. */
export interface ListInstancesOptions extends InstanceQuery {
  readonly pageSize?: number;
  readonly continuationToken?: string;
}

/** The Durable Functions check-status payload (`createCheckStatusResponse`). */
export interface CheckStatusPayload {
  readonly id: string;
  readonly statusQueryGetUri: string;
  readonly sendEventPostUri: string;
  readonly terminatePostUri: string;
  readonly purgeHistoryDeleteUri: string;
  readonly restartPostUri: string;
  readonly suspendPostUri: string;
  readonly resumePostUri: string;
}

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
    private readonly options: { readonly maxPayloadBytes: number; readonly wake: () => void },
  ) {}

  /** Starts an orchestration; returns its instance ID. @throws InstanceAlreadyExistsError if that ID is active. */
  async startNew<C extends RunnableClass>(orchestrator: C | string, options: StartNewOptions<OrchestratorInput<C>> = {}): Promise<string> {
    const name = this.registry.nameOf('orchestrator', orchestrator);
    const instanceId = options.instanceId ?? randomUUID().replaceAll('-', '');
    assertValidInstanceId(instanceId);
    if (options.startAt !== undefined && (!(options.startAt instanceof Date) || Number.isNaN(options.startAt.getTime()))) {
      throw new DurableError('INVALID_ARGUMENT', 'startAt must be a valid Date');
    }
    const input = assertPayloadSize(encodePayload(options.input, 'input'), 'input', this.options.maxPayloadBytes);
    await this.store.createInstance({
      instanceId,
      executionId: randomUUID(),
      name,
      input,
      ...(options.startAt === undefined ? {} : { scheduledStartTime: options.startAt }),
      now: new Date(),
    });
    this.options.wake();
    return instanceId;
  }

  /** The instance's status, or undefined when there is no such instance. */
  async getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<OrchestrationStatus | undefined> {
    assertInstanceIdArgument(instanceId);
    const state = await this.store.getInstance(instanceId);
    if (state === undefined) return undefined;
    const status = toOrchestrationStatus(state, options);
    if (options.showHistory !== true) return status;
    const events = await this.#history(state.instanceId, state.executionId);
    return { ...status, historyEvents: toHistoryView(events, options) };
  }

  /** The raw history events of the current execution (for replay tests and export). */
  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    const state = await this.#require(instanceId);
    return this.#history(state.instanceId, state.executionId);
  }

  /** Instances matching the filters, a page at a time. */
  async listInstances(options: ListInstancesOptions = {}): Promise<{ instances: OrchestrationStatus[]; continuationToken?: string }> {
    const page = await this.store.listInstances(options);
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
    await this.#send(instanceId, { type: HistoryEventType.EventRaised, eventId: -1, timestamp: new Date(), name: eventName, input });
  }

  /** Terminates a running instance for good: its pending work is dropped and late results are ignored. */
  async terminate(instanceId: string, reason?: unknown): Promise<void> {
    const state = await this.#require(instanceId);
    if (TERMINAL_STATUSES.has(state.runtimeStatus)) return;
    await this.#send(instanceId, { type: HistoryEventType.ExecutionTerminated, eventId: -1, timestamp: new Date(), reason: encodePayload(reason, 'reason') });
  }

  /** Suspends an instance: it makes no progress until resumed (events raised meanwhile are kept, in order). */
  async suspend(instanceId: string, reason?: string): Promise<void> {
    const state = await this.#require(instanceId);
    this.#requireActive(state.instanceId, state.runtimeStatus, 'suspend');
    await this.#send(instanceId, { type: HistoryEventType.ExecutionSuspended, eventId: -1, timestamp: new Date(), ...(reason === undefined ? {} : { reason }) });
  }

  /** Resumes a suspended instance. */
  async resume(instanceId: string, reason?: string): Promise<void> {
    const state = await this.#require(instanceId);
    this.#requireActive(state.instanceId, state.runtimeStatus, 'resume');
    await this.#send(instanceId, { type: HistoryEventType.ExecutionResumed, eventId: -1, timestamp: new Date(), ...(reason === undefined ? {} : { reason }) });
  }

  /** Starts a finished instance again with its original input, under the same ID or a new one. */
  async restart(instanceId: string, options: { restartWithNewInstanceId?: boolean } = {}): Promise<string> {
    const state = await this.#require(instanceId);
    if (!TERMINAL_STATUSES.has(state.runtimeStatus) && options.restartWithNewInstanceId !== true) {
      throw new InstanceAlreadyExistsError(instanceId, state.runtimeStatus);
    }
    return this.startNew(state.name, {
      input: decodePayload(state.input),
      ...(options.restartWithNewInstanceId === true ? {} : { instanceId }),
    });
  }

  /** Deletes an instance, its history and its pending jobs. */
  async purgeInstanceHistory(instanceId: string): Promise<{ instancesDeleted: number }> {
    await this.scheduler.cancelInstanceJobs(instanceId);
    return { instancesDeleted: await this.store.purgeInstance(instanceId) };
  }

  /** Deletes every matching instance (created in the range, optionally with these statuses). */
  async purgeInstances(filter: { createdTimeFrom: Date; createdTimeTo?: Date; runtimeStatus?: readonly RuntimeStatus[] }): Promise<{ instancesDeleted: number }> {
    if (!(filter.createdTimeFrom instanceof Date)) throw new DurableError('INVALID_ARGUMENT', 'purgeInstances needs createdTimeFrom');
    let page = await this.store.listInstances({ ...filter, pageSize: 1000 });
    for (;;) {
      for (const state of page.instances) await this.scheduler.cancelInstanceJobs(state.instanceId);
      if (page.continuationToken === undefined) break;
      page = await this.store.listInstances({ ...filter, pageSize: 1000, continuationToken: page.continuationToken });
    }
    return { instancesDeleted: await this.store.purgeInstances(filter) };
  }

  /** Resolves once the instance is Completed, Failed, Terminated or Canceled. @throws TimeoutError */
  async waitForCompletion(instanceId: string, options: { timeoutMs?: number } = {}): Promise<OrchestrationStatus> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let delay = 10;
    for (;;) {
      const status = await this.getStatus(instanceId);
      if (status === undefined) throw new InstanceNotFoundError(instanceId);
      if (TERMINAL_STATUSES.has(status.runtimeStatus)) return status;
      if (Date.now() >= deadline) throw new TimeoutError(`Instance '${instanceId}' did not complete within ${options.timeoutMs ?? 60_000} ms (it is ${status.runtimeStatus})`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
      delay = Math.min(delay * 2, 250);
    }
  }

  /** The Durable Functions check-status payload for an instance, with URLs under `baseUrl`. */
  createCheckStatusResponse(baseUrl: string, instanceId: string): CheckStatusPayload {
    const base = `${baseUrl.replace(/\/+$/, '')}/instances/${encodeURIComponent(instanceId)}`;
    return {
      id: instanceId,
      statusQueryGetUri: base,
      sendEventPostUri: `${base}/raiseEvent/{eventName}`,
      terminatePostUri: `${base}/terminate?reason={text}`,
      purgeHistoryDeleteUri: base,
      restartPostUri: `${base}/restart`,
      suspendPostUri: `${base}/suspend?reason={text}`,
      resumePostUri: `${base}/resume?reason={text}`,
    };
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
    const sent = await this.store.sendMessage(instanceId, event, { now: new Date() });
    if (!sent) throw new InstanceNotFoundError(instanceId);
    this.options.wake();
  }
}

/** The ID argument of a lookup: any non-empty string (IDs that could never be created are simply not found). */
function assertInstanceIdArgument(instanceId: unknown): asserts instanceId is string {
  if (typeof instanceId !== 'string' || instanceId.length === 0) throw new DurableError('INVALID_INSTANCE_ID', 'instanceId must be a non-empty string');
}
