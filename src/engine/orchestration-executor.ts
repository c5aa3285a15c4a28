import { decodePayload, encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { NonDeterminismError } from '../core/errors/non-determinism-error.js';
import { NonDurableAwaitError } from '../core/errors/non-durable-await-error.js';
import { TaskFailedError } from '../core/errors/task-failed-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import type { FailureDetails } from '../core/failure-details.js';
import {
  HistoryEventType, type EncodedPayload, type EventRaisedEvent, type ExecutionStartedEvent, type HistoryEvent,
} from '../history/history-event.js';
import { OrchestratorActionType, type OrchestratorAction } from '../history/orchestrator-action.js';
import type { EntityId } from '../core/entity-id.js';
import { ActionTable } from './action-table.js';
import { CompletableTask, type TaskObserver } from './completable-task.js';
import { CriticalSection, criticalSectionIdFor } from './critical-section.js';
import { completionEventFor, scheduledEventFor } from './decision-events.js';
import type { EntityLock } from './entity-lock.js';
import { RaisedEvents } from './raised-events.js';
import { stepOfEvent } from './replay-step.js';
import { runOrchestrator } from './run-orchestrator.js';
import type { OrchestrationCompletion, OrchestrationDecision } from './orchestration-decision.js';
import { createOrchestrationContext, type ContextHost, type LogLevel } from './replay-context.js';
import type { RunnableClass } from './task-types.js';
import { DurableTimerTask } from './timer-task.js';

/** Everything one replay needs. All data; no I/O, clock or container behind it. */
export interface OrchestrationExecutionRequest {
  /** Events already committed, replayed to rebuild the orchestrator's state. */
  readonly pastEvents: readonly HistoryEvent[];
  /** Events new in this episode (usually OrchestratorStarted, then completions and raised events). */
  readonly newEvents: readonly HistoryEvent[];
  /** A fresh orchestrator instance (the runtime creates one per replay). */
  readonly orchestrator: { run(ctx: never): unknown };
  /** The registered name of an activity or orchestrator class (or a checked name string). May throw. */
  readonly resolveName: (kind: 'activity' | 'orchestrator', ref: RunnableClass | string) => string;
  /** Lets every pending microtask run (the runtime passes `() => new Promise((r) => setImmediate(r))`). */
  readonly yieldToEventLoop: () => Promise<void>;
  /** Receives `ctx.log` lines written outside replay. */
  readonly log?: (level: LogLevel, message: string, args: unknown[]) => void;
  /** Largest encoded payload (inputs, output, custom status, event data) in bytes; over it is PayloadTooLargeError. */
  readonly maxPayloadBytes?: number;
}

/**
 * While suspended, only what the code would react to is held back (completions, timers, raised events) until
 * ExecutionResumed. Episode markers and the records of the code's own actions are applied in place: they must stay
 * in step with the episodes they belong to, or a later replay would check an episode against actions recorded after
 * the resume and report a false non-determinism (or re-issue an action recorded during the suspension).
 */
function isHeldWhileSuspended(event: HistoryEvent): boolean {
  switch (event.type) {
    case HistoryEventType.TaskCompleted:
    case HistoryEventType.TaskFailed:
    case HistoryEventType.SubOrchestrationInstanceCompleted:
    case HistoryEventType.SubOrchestrationInstanceFailed:
    case HistoryEventType.TimerFired:
    case HistoryEventType.EventRaised:
    case HistoryEventType.EntityOperationCompleted:
    case HistoryEventType.EntityOperationFailed:
    case HistoryEventType.EntityLockGranted:
      return true;
    default:
      return false;
  }
}

/**
 * Runs one orchestration execution: replays the orchestrator against its history, feeding recorded results one at a
 * time in history order and letting microtasks drain in between, checks every action it takes against the recorded
 * ones, and returns the decision. One instance per execution: {@link OrchestrationExecutor.execute} replays the
 * request's events; after {@link OrchestrationExecutor.recordDecision}, {@link OrchestrationExecutor.continueWith}
 * applies a next episode's events to the same running code (see `OrchestrationExecution`).
 *
 * Bookkeeping is kept proportional to what is still open, not to the history (see {@link ActionTable}): every
 * per-episode loop runs over open things only, so continuing costs the same at the thousandth activity as at the first.
 */
export class OrchestrationExecutor implements ContextHost, TaskObserver {
  readonly observer: TaskObserver = this;
  #request: OrchestrationExecutionRequest;
  #started: ExecutionStartedEvent | undefined;
  #input: unknown;
  #now = new Date(0);
  #replaying = true;
  readonly #actions = new ActionTable();
  /** Pending tasks the code awaits (each leaves when it settles: see `resumed`). */
  readonly #awaitedTasks = new Set<CompletableTask<unknown>>();
  #resumed = false;
  readonly #events = new RaisedEvents();
  #customStatus: EncodedPayload;
  #continueAsNew: { input: EncodedPayload; preserve: boolean } | undefined;
  #completion: OrchestrationCompletion | undefined;
  #runSettled = false;
  #fatal: Error | undefined;
  #suspended = false;
  #deferred: HistoryEvent[] = [];
  /** The critical section the code is in (lock requested or held), if any. */
  #criticalSection: CriticalSection | undefined;
  /** Entity calls made inside a critical section, by sequence: the locked entity whose call slot each one holds. */
  #callsInSection = new Map<number, { readonly section: CriticalSection; readonly target: string }>();
  #inEpisode = false;
  #ranBetweenEpisodes = false;

  constructor(request: OrchestrationExecutionRequest) {
    this.#request = request;
  }

  // ContextHost ------------------------------------------------------------------------------------------------

  get instanceId(): string {
    return this.#started?.instanceId ?? '';
  }
  get parentInstanceId(): string | undefined {
    return this.#started?.parentInstance?.instanceId;
  }
  get input(): unknown {
    return this.#input;
  }
  get isReplaying(): boolean {
    return this.#replaying;
  }
  get currentUtcDateTime(): Date {
    return this.#now;
  }

  resolveName(kind: 'activity' | 'orchestrator', ref: RunnableClass | string): string {
    return this.#request.resolveName(kind, ref);
  }

  scheduleActivity(name: string, input: EncodedPayload): CompletableTask<unknown> {
    return this.#open({ type: OrchestratorActionType.ScheduleTask, sequence: this.#actions.nextSequence(), name, input });
  }

  assertMayCallSubOrchestrator(): void {
    CriticalSection.checkSubOrchestration(this.#criticalSection);
  }

  scheduleSubOrchestration(name: string, instanceId: string | undefined, input: EncodedPayload): CompletableTask<unknown> {
    const sequence = this.#actions.nextSequence();
    return this.#open({
      type: OrchestratorActionType.CreateSubOrchestration, sequence, name, input,
      instanceId: instanceId ?? `${this.instanceId}:${sequence}`,
    });
  }

  createTimer(fireAt: Date): DurableTimerTask {
    const action: OrchestratorAction = { type: OrchestratorActionType.CreateTimer, sequence: this.#actions.nextSequence(), fireAt };
    this.#acting();
    const task = new DurableTimerTask(this, fireAt);
    // A timer completes with no value: widening its result type to unknown is safe.
    this.#actions.add(action, task as CompletableTask<unknown>);
    return task;
  }

  get isInCriticalSection(): boolean {
    return this.#criticalSection !== undefined;
  }

  get lockedEntities(): readonly EntityId[] {
    return this.#criticalSection?.entities ?? [];
  }

  callEntity(entity: EntityId, operation: string, input: EncodedPayload): CompletableTask<unknown> {
    const target = entity.instanceId;
    const section = this.#criticalSection;
    section?.checkCall(target);
    const sequence = this.#actions.nextSequence();
    const task = this.#open({ type: OrchestratorActionType.CallEntity, sequence, targetInstanceId: target, operation, input });
    if (section !== undefined) {
      section.beginCall(target);
      this.#callsInSection.set(sequence, { section, target });
    }
    return task;
  }

  signalEntity(entity: EntityId, operation: string, input: EncodedPayload, scheduledTime: Date | undefined): void {
    const target = entity.instanceId;
    this.#criticalSection?.checkSignal(target);
    this.#open({
      type: OrchestratorActionType.SignalEntity, sequence: this.#actions.nextSequence(), targetInstanceId: target, operation, input,
      ...(scheduledTime === undefined ? {} : { scheduledTime }),
    });
  }

  lockEntities(entities: readonly EntityId[]): CompletableTask<EntityLock> {
    CriticalSection.checkLock(this.#criticalSection);
    this.#acting();
    const sequence = this.#actions.nextSequence();
    const id = criticalSectionIdFor(this.instanceId, this.#started?.executionId ?? '', this.#now, sequence);
    const section = new CriticalSection(id, sequence, entities, (released) => this.#release(released));
    const task = new CompletableTask<EntityLock>(this);
    const action: OrchestratorAction = { type: OrchestratorActionType.LockEntities, sequence, criticalSectionId: id, lockSet: section.lockSet };
    // The task completes with the lock: widening its result type to unknown is safe.
    this.#actions.add(action, task as CompletableTask<unknown>, section);
    this.#criticalSection = section;
    return task;
  }

  waitForEvent(name: string): CompletableTask<unknown> {
    this.#acting();
    const task = new CompletableTask<unknown>(this);
    const event = this.#events.take(name);
    if (event !== undefined) this.#settleWithPayload(task, event.input);
    else this.#events.wait(name, task);
    return task;
  }

  abandonEventWait(name: string, task: CompletableTask<unknown>): void {
    this.#acting();
    this.#events.abandon(name, task);
  }

  continueAsNew(input: EncodedPayload, preserve: boolean): void {
    this.#acting();
    this.#continueAsNew = { input, preserve };
  }

  setCustomStatus(status: EncodedPayload): void {
    this.#acting();
    this.#customStatus = status;
  }

  get maxPayloadBytes(): number | undefined {
    return this.#request.maxPayloadBytes;
  }

  log(level: LogLevel, message: string, args: unknown[]): void {
    if (!this.#replaying) this.#request.log?.(level, message, args);
  }

  // TaskObserver -----------------------------------------------------------------------------------------------

  awaited(task: CompletableTask<unknown>): void {
    this.#acting();
    this.#awaitedTasks.add(task);
  }

  resumed(task: CompletableTask<unknown>): void {
    this.#awaitedTasks.delete(task);
    this.#resumed = true;
  }

  // Replay -----------------------------------------------------------------------------------------------------

  /** Replays past and new events and returns the decision; rejects with NonDeterminismError / NonDurableAwaitError. */
  execute(): Promise<OrchestrationDecision> {
    return this.#episode(this.#request.pastEvents, this.#request.newEvents);
  }

  /**
   * Applies the next episode's events (none replayed) to the running code and returns its decision, as
   * {@link OrchestrationExecutor.execute} over the whole history would. Only after {@link recordDecision}.
   */
  continueWith(newEvents: readonly HistoryEvent[]): Promise<OrchestrationDecision> {
    return this.#episode([], newEvents);
  }

  /**
   * The last decision (of an execution that did not end) was committed as returned: its actions are now recorded,
   * as matching its newHistory in a replay would record them. A replay would also check the episode at its
   * OrchestratorCompleted; here there is nothing left to check, every action being part of the decision.
   */
  /**
   * True once the code did something between episodes — woken by something not durable (a `setTimeout`, a plain
   * promise, I/O) after the last episode's events were applied. A replay would not see that: this execution must not
   * be continued (a replay of the history decides without it).
   */
  get ranBetweenEpisodes(): boolean {
    return this.#ranBetweenEpisodes;
  }

  recordDecision(): void {
    if (this.#completion !== undefined) throw new DurableError('EXECUTION_NOT_CONTINUABLE', 'the execution has ended: its decision leaves nothing to continue');
    this.#actions.recordAll();
  }

  async #episode(pastEvents: readonly HistoryEvent[], newEvents: readonly HistoryEvent[]): Promise<OrchestrationDecision> {
    this.#inEpisode = true;
    try {
      return await this.#applyAll(pastEvents, newEvents);
    } finally {
      this.#inEpisode = false;
    }
  }

  async #applyAll(pastEvents: readonly HistoryEvent[], newEvents: readonly HistoryEvent[]): Promise<OrchestrationDecision> {
    const total = pastEvents.length + newEvents.length;
    const eventAt = (i: number): HistoryEvent => (i < pastEvents.length ? pastEvents[i] : newEvents[i - pastEvents.length]) as HistoryEvent;
    let i = 0;
    for (; i < total && this.#completion === undefined && this.#fatal === undefined; i++) {
      const event = eventAt(i);
      this.#replaying = i < pastEvents.length;
      if (this.#suspended && isHeldWhileSuspended(event)) {
        this.#deferred.push(event);
        continue;
      }
      await this.#apply(event);
      if (event.type === HistoryEventType.ExecutionResumed) {
        // Held events, in order, until one ends the execution; the ones after it stay unprocessed.
        const held = this.#deferred;
        let k = 0;
        while (k < held.length && this.#completion === undefined && this.#fatal === undefined) await this.#apply(held[k++] as HistoryEvent);
        this.#deferred = held.slice(k);
      }
    }
    if (this.#fatal !== undefined) throw this.#fatal;
    const completion = this.#completion;
    if (completion?.status === 'ContinuedAsNew' && this.#continueAsNew?.preserve === true) {
      // Events of this batch after the one that ended the execution never reached the code: they are unprocessed too.
      const rest = [...this.#deferred];
      for (; i < total; i++) rest.push(eventAt(i));
      const raised = rest.filter((event): event is EventRaisedEvent => event.type === HistoryEventType.EventRaised);
      this.#completion = { ...completion, carryoverEvents: [...completion.carryoverEvents, ...raised] };
    }
    if (this.#started === undefined) {
      throw new DurableError('INVALID_HISTORY', 'history has no ExecutionStarted event: nothing to replay');
    }
    if (this.#completion === undefined && !this.#runSettled && !this.#suspended && !this.#waitingOnDurableWork()) {
      throw new NonDurableAwaitError(this.#started.name);
    }
    return this.#decision();
  }

  async #apply(event: HistoryEvent): Promise<void> {
    this.#resumed = false;
    switch (event.type) {
      case HistoryEventType.ExecutionStarted:
        this.#start(event);
        break;
      case HistoryEventType.OrchestratorStarted:
        this.#now = event.timestamp;
        return;
      case HistoryEventType.TaskScheduled:
      case HistoryEventType.SubOrchestrationInstanceCreated:
      case HistoryEventType.TimerCreated:
      case HistoryEventType.EventSent:
      case HistoryEventType.EntityOperationCalled:
      case HistoryEventType.EntityOperationSignaled:
      case HistoryEventType.EntityLockRequested:
      case HistoryEventType.EntityUnlockSent:
        this.#matchRecordedAction(event);
        return;
      case HistoryEventType.TaskCompleted:
      case HistoryEventType.SubOrchestrationInstanceCompleted:
        this.#settleWithPayload(this.#openTask(event.taskScheduledId), event.result);
        this.#actions.retire(event.taskScheduledId);
        break;
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceFailed:
        this.#failTask(event.taskScheduledId, event.failureDetails);
        this.#actions.retire(event.taskScheduledId);
        break;
      case HistoryEventType.TimerFired: {
        const task = this.#openTask(event.timerId);
        if (task instanceof DurableTimerTask) task.fire();
        this.#actions.retire(event.timerId);
        break;
      }
      case HistoryEventType.EntityOperationCompleted:
        this.#endEntityCall(event.taskScheduledId);
        this.#settleWithPayload(this.#openTask(event.taskScheduledId), event.result);
        this.#actions.retire(event.taskScheduledId);
        break;
      case HistoryEventType.EntityOperationFailed:
        this.#endEntityCall(event.taskScheduledId);
        this.#failTask(event.taskScheduledId, event.failureDetails);
        this.#actions.retire(event.taskScheduledId);
        break;
      case HistoryEventType.EntityLockGranted:
        this.#grant(event.taskScheduledId);
        this.#actions.retire(event.taskScheduledId);
        break;
      case HistoryEventType.EventRaised:
        this.#raise(event);
        break;
      case HistoryEventType.ExecutionTerminated:
        this.#completion = { status: 'Terminated', reason: event.reason };
        return;
      case HistoryEventType.ExecutionSuspended:
        this.#suspended = true;
        return;
      case HistoryEventType.ExecutionResumed:
        this.#suspended = false;
        return;
      case HistoryEventType.OrchestratorCompleted:
        if (this.#replaying) this.#checkEpisodeRecorded();
        return;
      default:
        // ExecutionCompleted, ContinueAsNew and GenericEvent carry no input for the code; entity inbox messages
        // (EntityRequest, EntityLockRequest, EntityUnlock) never appear in an orchestration's history.
        return;
    }
    if (this.#resumed) await this.#drain();
  }

  #start(event: ExecutionStartedEvent): void {
    if (this.#started !== undefined) return;
    this.#started = event;
    if (this.#now.getTime() === 0) this.#now = event.timestamp;
    this.#input = decodePayload(event.input);
    const ctx = createOrchestrationContext(this);
    const outcome = runOrchestrator(this.#request.orchestrator, ctx);
    outcome.then(
      (output) => this.#finish({ ok: true, output }),
      (error: unknown) => this.#finish({ ok: false, error }),
    );
    // Starting the code is itself a resumption: let it run to its first durable await.
    this.#resumed = true;
  }

  #finish(outcome: { ok: true; output: unknown } | { ok: false; error: unknown }): void {
    this.#acting();
    this.#runSettled = true;
    if (this.#completion !== undefined) return;
    if (!outcome.ok) {
      if (outcome.error instanceof NonDeterminismError || outcome.error instanceof NonDurableAwaitError) {
        this.#fatal = outcome.error;
        return;
      }
      this.#completion = { status: 'Failed', failureDetails: failureDetailsFrom(outcome.error) };
      return;
    }
    if (this.#continueAsNew !== undefined) {
      this.#completion = {
        status: 'ContinuedAsNew',
        input: this.#continueAsNew.input,
        carryoverEvents: this.#continueAsNew.preserve ? this.#events.unconsumed() : [],
      };
      return;
    }
    try {
      this.#completion = { status: 'Completed', output: assertPayloadSize(encodeOutput(outcome.output), 'orchestrator output', this.#request.maxPayloadBytes) };
    } catch (error) {
      this.#completion = { status: 'Failed', failureDetails: failureDetailsFrom(error) };
    }
  }

  async #drain(): Promise<void> {
    await this.#request.yieldToEventLoop();
    if (this.#completion === undefined && !this.#runSettled && this.#fatal === undefined && !this.#waitingOnDurableWork()) {
      this.#fatal = new NonDurableAwaitError(this.#started?.name ?? 'orchestrator');
    }
  }

  #acting(): void {
    if (!this.#inEpisode) this.#ranBetweenEpisodes = true;
  }

  #waitingOnDurableWork(): boolean {
    return this.#awaitedTasks.size > 0;
  }

  #open(action: OrchestratorAction): CompletableTask<unknown> {
    this.#acting();
    const task = new CompletableTask<unknown>(this);
    this.#actions.add(action, task);
    return task;
  }

  #openTask(sequence: number): CompletableTask<unknown> | undefined {
    return this.#actions.get(sequence)?.task;
  }

  #matchRecordedAction(event: HistoryEvent): void {
    const recorded = stepOfEvent(event);
    if (recorded === undefined || !this.#replaying) return;
    const mismatch = this.#actions.match(event, recorded);
    if (mismatch !== undefined) this.#fatal ??= mismatch;
  }

  // Every action taken in a recorded episode was recorded before that episode's OrchestratorCompleted: one that was
  // not is a step the old code never took.
  #checkEpisodeRecorded(): void {
    const unrecorded = this.#actions.unrecordedStep();
    if (unrecorded !== undefined) this.#fatal ??= unrecorded;
  }

  #settleWithPayload(task: CompletableTask<unknown> | undefined, payload: EncodedPayload): void {
    if (task === undefined || task.isCompleted) return;
    try {
      task.complete(decodePayload(payload));
    } catch (error) {
      task.fail(error);
    }
  }

  #failTask(sequence: number, failureDetails: FailureDetails): void {
    const open = this.#actions.get(sequence);
    if (open === undefined || open.task.isCompleted) return;
    const { action } = open;
    const failed = (label: string, taskName: string, taskKind: 'activity' | 'orchestrator' | 'entity'): TaskFailedError =>
      new TaskFailedError(`${label} failed: ${failureDetails.errorMessage}`, failureDetails, { taskName, taskKind });
    switch (action.type) {
      case OrchestratorActionType.CreateSubOrchestration:
        open.task.fail(failed(`Sub-orchestration '${action.name}'`, action.name, 'orchestrator'));
        return;
      case OrchestratorActionType.CallEntity:
        open.task.fail(failed(`Operation '${action.operation}' on entity '${action.targetInstanceId}'`, action.operation, 'entity'));
        return;
      case OrchestratorActionType.ScheduleTask:
        open.task.fail(failed(`Activity '${action.name}'`, action.name, 'activity'));
        return;
      default:
        // Timers, events sent, signals and lock requests do not fail.
        return;
    }
  }

  /** An entity call inside a critical section has its answer: the entity may be called again. */
  #endEntityCall(sequence: number): void {
    const call = this.#callsInSection.get(sequence);
    if (call === undefined) return;
    this.#callsInSection.delete(sequence);
    call.section.endCall(call.target);
  }

  #grant(sequence: number): void {
    const open = this.#actions.get(sequence);
    const section = this.#actions.lockRequest(sequence);
    if (open === undefined || section === undefined || open.task.isCompleted) return;
    section.granted = true;
    open.task.complete(section.lock);
  }

  /** Ends a critical section: one UnlockEntity action per locked entity (each entity of a pending request, too). */
  #release(section: CriticalSection): void {
    if (section.released) return;
    section.released = true;
    if (this.#criticalSection === section) this.#criticalSection = undefined;
    for (const target of section.lockSet) {
      this.#open({ type: OrchestratorActionType.UnlockEntity, sequence: this.#actions.nextSequence(), criticalSectionId: section.id, targetInstanceId: target });
    }
  }

  /**
   * The execution ends (completed, failed, continued as new or terminated) inside a critical section: its locks are
   * released, and a pending request's entities too (each may hold the lock by the time the release arrives). A
   * request not even sent yet (made in this last episode) is dropped instead: nothing is locked, nothing to release.
   */
  #releaseAtEnd(): void {
    const section = this.#criticalSection;
    if (section === undefined) return;
    const request = this.#actions.get(section.sequence);
    if (request !== undefined && !request.recorded) {
      request.dropped = true;
      section.released = true;
      this.#criticalSection = undefined;
      return;
    }
    this.#release(section);
  }

  #raise(event: EventRaisedEvent): void {
    const waiter = this.#events.raise(event);
    if (waiter !== undefined) this.#settleWithPayload(waiter, event.input);
  }

  #decision(): OrchestrationDecision {
    const timestamp = this.#now;
    const actions: OrchestratorAction[] = [];
    const newHistory: HistoryEvent[] = [];
    const completion = this.#completion;
    if (completion !== undefined) this.#releaseAtEnd();
    // Only the actions not recorded yet: this loop must not grow with the history of a long-running execution.
    for (const open of this.#actions.unrecorded()) {
      if (open.dropped === true) continue;
      // A terminated execution starts nothing more, not even what the code asked for before the termination arrived
      // (in the same episode) — except releasing entity locks, which must never outlive the execution.
      if (completion?.status === 'Terminated' && open.action.type !== OrchestratorActionType.UnlockEntity) continue;
      actions.push(open.action);
      newHistory.push(scheduledEventFor(open.action, timestamp));
    }
    if (completion !== undefined) newHistory.push(completionEventFor(completion, timestamp));
    newHistory.push({ type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp });
    return {
      // Kept even when the execution completes in this episode: a fire-and-forget call made before returning runs.
      actions,
      customStatus: this.#customStatus,
      completion,
      suspended: this.#suspended,
      newHistory,
    };
  }
}

function encodeOutput(output: unknown): EncodedPayload {
  return encodePayload(output, 'orchestrator output');
}
