import { DurableError } from '../core/durable-error.js';
import { encodePayload } from '../core/codec.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import type { FailureDetails } from '../core/failure-details.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { ENGINE_VERSION } from '../engine/engine-version.js';
import { criticalSectionIdFor } from '../engine/critical-section.js';
import { EntityId } from '../core/entity-id.js';

/** Options of {@link HistoryBuilder}. */
export interface HistoryBuilderOptions {
  /** The orchestrator's registered name. */
  readonly name: string;
  readonly instanceId?: string;
  readonly executionId?: string;
  /** The orchestration input (encoded with Durably's codec). */
  readonly input?: unknown;
  /** The clock's start. Default 2026-01-01T00:00:00Z. */
  readonly startTime?: Date;
  readonly parentInstance?: { readonly instanceId: string; readonly name: string; readonly taskScheduledId: number };
}

/**
 * Builds orchestration histories that read like the story they tell, for replay tests. The builder keeps a clock
 * (advanced explicitly) and numbers recorded actions in order, as the engine does.
 *
 * @example
 * ```ts
 * const history = new HistoryBuilder({ name: 'HelloSequence', input: ['Tokyo'] })  // episode 1 starts
 *   .taskScheduled('SayHello', 'Tokyo')                                          // action #0
 *   .orchestratorCompleted()
 *   .advance(1_000).orchestratorStarted()                                        // episode 2 starts
 *   .taskCompleted(0, 'Hello Tokyo!');
 * const { pastEvents, newEvents } = history.split();   // new = the last episode
 * ```
 */
export class HistoryBuilder {
  #events: HistoryEvent[] = [];
  #now: Date;
  #nextSequence = 0;
  #timers = new Map<number, Date>();
  /** Lock requests by sequence: their critical section and lock set. */
  #locks = new Map<number, { readonly criticalSectionId: string; readonly lockSet: readonly string[] }>();
  /** The start of the current episode (what the engine derives critical section IDs from). */
  #episodeStart: Date;
  readonly #executionId: string;
  readonly instanceId: string;

  constructor(options: HistoryBuilderOptions) {
    this.#now = new Date((options.startTime ?? new Date('2026-01-01T00:00:00Z')).getTime());
    this.instanceId = options.instanceId ?? 'test-instance';
    this.#executionId = options.executionId ?? 'test-execution';
    this.#episodeStart = this.now;
    this.orchestratorStarted();
    this.#push({
      type: HistoryEventType.ExecutionStarted,
      eventId: -1,
      timestamp: this.now,
      name: options.name,
      instanceId: this.instanceId,
      executionId: this.#executionId,
      input: encodePayload(options.input, 'input'),
      engineVersion: ENGINE_VERSION,
      ...(options.parentInstance === undefined ? {} : { parentInstance: options.parentInstance }),
    });
  }

  /** The builder's clock. */
  get now(): Date {
    return new Date(this.#now.getTime());
  }

  /** The sequence number the next recorded action gets. */
  get nextSequence(): number {
    return this.#nextSequence;
  }

  /** Moves the clock forward. */
  advance(ms: number): this {
    this.#now = new Date(this.#now.getTime() + ms);
    return this;
  }

  /** Starts an episode (its time is what `ctx.currentUtcDateTime` returns). */
  orchestratorStarted(): this {
    this.#episodeStart = this.now;
    return this.#push({ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: this.now });
  }

  /** Ends an episode. */
  orchestratorCompleted(): this {
    return this.#push({ type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: this.now });
  }

  /** Records an activity call (next action number). */
  taskScheduled(name: string, input?: unknown): this {
    return this.#push({ type: HistoryEventType.TaskScheduled, eventId: this.#nextSequence++, timestamp: this.now, name, input: encodePayload(input, 'input') });
  }

  /** Records a timer (next action number), `fireAt` as a Date or as milliseconds from now. */
  timerCreated(fireAt: Date | number): this {
    const at = typeof fireAt === 'number' ? new Date(this.#now.getTime() + fireAt) : fireAt;
    const sequence = this.#nextSequence++;
    this.#timers.set(sequence, at);
    return this.#push({ type: HistoryEventType.TimerCreated, eventId: sequence, timestamp: this.now, fireAt: at });
  }

  /** Records a sub-orchestration call (next action number). Default instance ID as the engine: `<instanceId>:<seq>`. */
  subOrchestrationCreated(name: string, input?: unknown, instanceId?: string): this {
    const sequence = this.#nextSequence++;
    return this.#push({
      type: HistoryEventType.SubOrchestrationInstanceCreated, eventId: sequence, timestamp: this.now, name,
      instanceId: instanceId ?? `${this.instanceId}:${sequence}`, input: encodePayload(input, 'input'),
    });
  }

  /** An activity's result. */
  taskCompleted(sequence: number, result?: unknown): this {
    return this.#push({ type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: this.now, taskScheduledId: sequence, result: encodePayload(result, 'result') });
  }

  /** An activity's failure (from an Error or FailureDetails). */
  taskFailed(sequence: number, error: Error | FailureDetails): this {
    return this.#push({ type: HistoryEventType.TaskFailed, eventId: -1, timestamp: this.now, taskScheduledId: sequence, failureDetails: toDetails(error) });
  }

  /** A sub-orchestration's output. */
  subOrchestrationCompleted(sequence: number, result?: unknown): this {
    return this.#push({ type: HistoryEventType.SubOrchestrationInstanceCompleted, eventId: -1, timestamp: this.now, taskScheduledId: sequence, result: encodePayload(result, 'result') });
  }

  /** A sub-orchestration's failure. */
  subOrchestrationFailed(sequence: number, error: Error | FailureDetails): this {
    return this.#push({ type: HistoryEventType.SubOrchestrationInstanceFailed, eventId: -1, timestamp: this.now, taskScheduledId: sequence, failureDetails: toDetails(error) });
  }

  /** A timer firing (at its recorded time). */
  timerFired(sequence: number): this {
    const fireAt = this.#timers.get(sequence) ?? this.now;
    return this.#push({ type: HistoryEventType.TimerFired, eventId: -1, timestamp: this.now, timerId: sequence, fireAt });
  }

  /** An external event raised for the instance. */
  eventRaised(name: string, input?: unknown): this {
    return this.#push({ type: HistoryEventType.EventRaised, eventId: -1, timestamp: this.now, name, input: encodePayload(input, 'input') });
  }

  /** Records an entity call (next action number). `entity`: an EntityId or its instance ID (`@name@key`). */
  entityOperationCalled(entity: EntityId | string, operation: string, input?: unknown): this {
    return this.#push({
      type: HistoryEventType.EntityOperationCalled, eventId: this.#nextSequence++, timestamp: this.now,
      targetInstanceId: instanceIdOf(entity), operation, input: encodePayload(input, 'input'),
    });
  }

  /** Records an entity signal (next action number), optionally scheduled: a Date or milliseconds from now. */
  entityOperationSignaled(entity: EntityId | string, operation: string, input?: unknown, scheduledTime?: Date | number): this {
    const at = typeof scheduledTime === 'number' ? new Date(this.#now.getTime() + scheduledTime) : scheduledTime;
    return this.#push({
      type: HistoryEventType.EntityOperationSignaled, eventId: this.#nextSequence++, timestamp: this.now,
      targetInstanceId: instanceIdOf(entity), operation, input: encodePayload(input, 'input'),
      ...(at === undefined ? {} : { scheduledTime: at }),
    });
  }

  /** The result of an entity call. */
  entityOperationCompleted(sequence: number, result?: unknown): this {
    return this.#push({ type: HistoryEventType.EntityOperationCompleted, eventId: -1, timestamp: this.now, taskScheduledId: sequence, result: encodePayload(result, 'result') });
  }

  /** An entity call's failure (the operation threw; from an Error or FailureDetails). */
  entityOperationFailed(sequence: number, error: Error | FailureDetails): this {
    return this.#push({ type: HistoryEventType.EntityOperationFailed, eventId: -1, timestamp: this.now, taskScheduledId: sequence, failureDetails: toDetails(error) });
  }

  /**
   * Records a lock request (next action number) for these entities (sorted and deduplicated, as the engine does).
   * The critical section ID defaults to the one the engine derives for this request in the current episode.
   */
  entityLockRequested(entities: readonly (EntityId | string)[], criticalSectionId?: string): this {
    const sequence = this.#nextSequence++;
    const lockSet = [...new Set(entities.map(instanceIdOf))].sort();
    const id = criticalSectionId ?? criticalSectionIdFor(this.instanceId, this.#executionId, this.#episodeStart, sequence);
    this.#locks.set(sequence, { criticalSectionId: id, lockSet });
    return this.#push({ type: HistoryEventType.EntityLockRequested, eventId: sequence, timestamp: this.now, criticalSectionId: id, lockSet });
  }

  /** The lock request `sequence` is granted: every entity is locked. */
  entityLockGranted(sequence: number): this {
    return this.#push({ type: HistoryEventType.EntityLockGranted, eventId: -1, timestamp: this.now, taskScheduledId: sequence, criticalSectionId: this.#lock(sequence).criticalSectionId });
  }

  /** Records the release of one entity of the lock requested at `lockSequence` (next action number). */
  entityUnlockSent(lockSequence: number, entity: EntityId | string): this {
    const { criticalSectionId } = this.#lock(lockSequence);
    return this.#push({ type: HistoryEventType.EntityUnlockSent, eventId: this.#nextSequence++, timestamp: this.now, criticalSectionId, targetInstanceId: instanceIdOf(entity) });
  }

  /** Records the release of every entity of the lock requested at `lockSequence`, in lock order (as `lock.release()`). */
  entityLockReleased(lockSequence: number): this {
    for (const target of this.#lock(lockSequence).lockSet) this.entityUnlockSent(lockSequence, target);
    return this;
  }

  executionSuspended(reason?: string): this {
    return this.#push({ type: HistoryEventType.ExecutionSuspended, eventId: -1, timestamp: this.now, ...(reason === undefined ? {} : { reason }) });
  }

  executionResumed(reason?: string): this {
    return this.#push({ type: HistoryEventType.ExecutionResumed, eventId: -1, timestamp: this.now, ...(reason === undefined ? {} : { reason }) });
  }

  /** The code took patch `patchId`'s new path (`ctx.patched`), or, `deprecated`, passed its `ctx.deprecatePatch`. */
  patchMarker(patchId: string, deprecated?: boolean): this {
    return this.#push({ type: HistoryEventType.PatchMarker, eventId: -1, timestamp: this.now, patchId, ...(deprecated === true ? { deprecated } : {}) });
  }

  executionTerminated(reason?: unknown): this {
    return this.#push({ type: HistoryEventType.ExecutionTerminated, eventId: -1, timestamp: this.now, reason: encodePayload(reason, 'reason') });
  }

  /** Appends events as they are (e.g. a decision's `newHistory`). Keeps the action numbering in step. */
  append(events: readonly HistoryEvent[]): this {
    for (const event of events) {
      if (event.eventId >= this.#nextSequence) this.#nextSequence = event.eventId + 1;
      if (event.type === HistoryEventType.TimerCreated) this.#timers.set(event.eventId, event.fireAt);
      if (event.type === HistoryEventType.EntityLockRequested) this.#locks.set(event.eventId, { criticalSectionId: event.criticalSectionId, lockSet: event.lockSet });
      if (event.type === HistoryEventType.OrchestratorStarted) this.#episodeStart = new Date(event.timestamp.getTime());
      this.#events.push(event);
    }
    return this;
  }

  /** Every event so far. */
  build(): HistoryEvent[] {
    return [...this.#events];
  }

  /** Past = everything before the last OrchestratorStarted; new = the last episode. */
  split(): { pastEvents: HistoryEvent[]; newEvents: HistoryEvent[] } {
    let cut = 0;
    this.#events.forEach((event, i) => {
      if (event.type === HistoryEventType.OrchestratorStarted) cut = i;
    });
    return { pastEvents: this.#events.slice(0, cut), newEvents: this.#events.slice(cut) };
  }

  #push(event: HistoryEvent): this {
    this.#events.push(event);
    return this;
  }

  #lock(sequence: number): { readonly criticalSectionId: string; readonly lockSet: readonly string[] } {
    const lock = this.#locks.get(sequence);
    if (lock === undefined) throw new DurableError('INVALID_ARGUMENT', `HistoryBuilder: no lock request was recorded at action #${sequence}`);
    return lock;
  }
}

function instanceIdOf(entity: EntityId | string): string {
  return entity instanceof EntityId ? entity.instanceId : entity;
}

function toDetails(error: Error | FailureDetails): FailureDetails {
  return error instanceof Error ? failureDetailsFrom(error) : error;
}
