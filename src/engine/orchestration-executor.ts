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
import type { EntityId } from '../entities/entity-id.js';
import { CompletableTask, type TaskObserver } from './completable-task.js';
import { CriticalSection, criticalSectionIdFor } from './critical-section.js';
import type { EntityLock } from './entity-lock.js';
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

interface OpenAction {
  /** Replaced once when a lock request is matched in history (the recorded critical section ID is adopted). */
  action: OrchestratorAction;
  readonly task: CompletableTask<unknown>;
  /** Already recorded in past history (matched during replay). */
  recorded: boolean;
  /** Never carried out: a lock request not yet sent when the execution ended. */
  dropped?: boolean;
}

/**
 * One step of the orchestrator as replay compares it: its kind, what identifies it within that kind (`key`: compared
 * exactly), and how messages name it.
 */
interface Step {
  readonly kind: OrchestratorAction['type'];
  readonly key: string | undefined;
  readonly text: string;
}

const quoted = (ids: readonly string[]): string => ids.map((id) => `'${id}'`).join(', ');
const entityCall = (operation: string, target: string): Step['text'] => `a call of '${operation}' on entity '${target}'`;
const entitySignal = (operation: string, target: string): Step['text'] => `a signal '${operation}' to entity '${target}'`;
const entityLock = (lockSet: readonly string[]): Step['text'] => `a lock on ${quoted(lockSet)}`;
const entityUnlock = (target: string): Step['text'] => `the release of entity '${target}'`;

function stepOfAction(action: OrchestratorAction): Step {
  switch (action.type) {
    case OrchestratorActionType.ScheduleTask: return { kind: action.type, key: action.name, text: `activity '${action.name}'` };
    case OrchestratorActionType.CreateSubOrchestration: return { kind: action.type, key: action.name, text: `sub-orchestration '${action.name}'` };
    case OrchestratorActionType.CreateTimer: return { kind: action.type, key: undefined, text: 'a timer' };
    case OrchestratorActionType.SendEvent: return { kind: action.type, key: action.name, text: `event '${action.name}' to '${action.instanceId}'` };
    case OrchestratorActionType.CallEntity: return { kind: action.type, key: `${action.targetInstanceId}\n${action.operation}`, text: entityCall(action.operation, action.targetInstanceId) };
    case OrchestratorActionType.SignalEntity: return { kind: action.type, key: `${action.targetInstanceId}\n${action.operation}`, text: entitySignal(action.operation, action.targetInstanceId) };
    case OrchestratorActionType.LockEntities: return { kind: action.type, key: action.lockSet.join('\n'), text: entityLock(action.lockSet) };
    case OrchestratorActionType.UnlockEntity: return { kind: action.type, key: action.targetInstanceId, text: entityUnlock(action.targetInstanceId) };
  }
}

function stepOfEvent(event: HistoryEvent): Step | undefined {
  switch (event.type) {
    case HistoryEventType.TaskScheduled: return { kind: OrchestratorActionType.ScheduleTask, key: event.name, text: `activity '${event.name}'` };
    case HistoryEventType.SubOrchestrationInstanceCreated: return { kind: OrchestratorActionType.CreateSubOrchestration, key: event.name, text: `sub-orchestration '${event.name}'` };
    case HistoryEventType.TimerCreated: return { kind: OrchestratorActionType.CreateTimer, key: undefined, text: 'a timer' };
    case HistoryEventType.EventSent: return { kind: OrchestratorActionType.SendEvent, key: event.name, text: `event '${event.name}' to '${event.instanceId}'` };
    case HistoryEventType.EntityOperationCalled: return { kind: OrchestratorActionType.CallEntity, key: `${event.targetInstanceId}\n${event.operation}`, text: entityCall(event.operation, event.targetInstanceId) };
    case HistoryEventType.EntityOperationSignaled: return { kind: OrchestratorActionType.SignalEntity, key: `${event.targetInstanceId}\n${event.operation}`, text: entitySignal(event.operation, event.targetInstanceId) };
    case HistoryEventType.EntityLockRequested: return { kind: OrchestratorActionType.LockEntities, key: event.lockSet.join('\n'), text: entityLock(event.lockSet) };
    case HistoryEventType.EntityUnlockSent: return { kind: OrchestratorActionType.UnlockEntity, key: event.targetInstanceId, text: entityUnlock(event.targetInstanceId) };
    default: return undefined;
  }
}

function isEntityStep(kind: OrchestratorAction['type']): boolean {
  return kind === OrchestratorActionType.CallEntity || kind === OrchestratorActionType.SignalEntity ||
    kind === OrchestratorActionType.LockEntities || kind === OrchestratorActionType.UnlockEntity;
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
 * Replays one orchestration episode: runs the orchestrator against its history, feeding recorded results one at a
 * time in history order and letting microtasks drain in between, checks every action it takes against the recorded
 * ones, and returns the decision. One instance per replay.
 */
export class OrchestrationExecutor implements ContextHost, TaskObserver {
  readonly observer: TaskObserver = this;
  #request: OrchestrationExecutionRequest;
  #started: ExecutionStartedEvent | undefined;
  #input: unknown;
  #now = new Date(0);
  #replaying = true;
  #nextSequence = 0;
  #actions = new Map<number, OpenAction>();
  /** Sequence numbers of actions taken by the code but not (yet) found in history. */
  #unrecorded = new Set<number>();
  #awaitedTasks = new Set<CompletableTask<unknown>>();
  #resumed = false;
  #eventWaiters = new Map<string, CompletableTask<unknown>[]>();
  #unconsumedEvents: EventRaisedEvent[] = [];
  #customStatus: EncodedPayload;
  #continueAsNew: { input: EncodedPayload; preserve: boolean } | undefined;
  #completion: OrchestrationCompletion | undefined;
  #runSettled = false;
  #fatal: Error | undefined;
  #suspended = false;
  #deferred: HistoryEvent[] = [];
  /** The critical section the code is in (lock requested or held), if any. */
  #criticalSection: CriticalSection | undefined;
  /** Critical sections by the sequence number of their lock request. */
  #lockRequests = new Map<number, CriticalSection>();
  /** Entity calls made inside a critical section, by sequence: the locked entity whose call slot each one holds. */
  #callsInSection = new Map<number, { readonly section: CriticalSection; readonly target: string }>();

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
    return this.#open({ type: OrchestratorActionType.ScheduleTask, sequence: this.#nextSequence++, name, input });
  }

  assertMayCallSubOrchestrator(): void {
    CriticalSection.checkSubOrchestration(this.#criticalSection);
  }

  scheduleSubOrchestration(name: string, instanceId: string | undefined, input: EncodedPayload): CompletableTask<unknown> {
    const sequence = this.#nextSequence++;
    return this.#open({
      type: OrchestratorActionType.CreateSubOrchestration, sequence, name, input,
      instanceId: instanceId ?? `${this.instanceId}:${sequence}`,
    });
  }

  createTimer(fireAt: Date): DurableTimerTask {
    const action: OrchestratorAction = { type: OrchestratorActionType.CreateTimer, sequence: this.#nextSequence++, fireAt };
    const task = new DurableTimerTask(this, fireAt);
    // A timer completes with no value: widening its result type to unknown is safe.
    this.#actions.set(action.sequence, { action, task: task as CompletableTask<unknown>, recorded: false });
    this.#unrecorded.add(action.sequence);
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
    const sequence = this.#nextSequence++;
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
      type: OrchestratorActionType.SignalEntity, sequence: this.#nextSequence++, targetInstanceId: target, operation, input,
      ...(scheduledTime === undefined ? {} : { scheduledTime }),
    });
  }

  lockEntities(entities: readonly EntityId[]): CompletableTask<EntityLock> {
    CriticalSection.checkLock(this.#criticalSection);
    const sequence = this.#nextSequence++;
    const id = criticalSectionIdFor(this.instanceId, this.#started?.executionId ?? '', this.#now, sequence);
    const section = new CriticalSection(id, sequence, entities, (released) => this.#release(released));
    const task = new CompletableTask<EntityLock>(this);
    const action: OrchestratorAction = { type: OrchestratorActionType.LockEntities, sequence, criticalSectionId: id, lockSet: section.lockSet };
    // The task completes with the lock: widening its result type to unknown is safe.
    this.#actions.set(sequence, { action, task: task as CompletableTask<unknown>, recorded: false });
    this.#unrecorded.add(sequence);
    this.#lockRequests.set(sequence, section);
    this.#criticalSection = section;
    return task;
  }

  waitForEvent(name: string): CompletableTask<unknown> {
    const key = name.toLowerCase();
    const task = new CompletableTask<unknown>(this);
    const index = this.#unconsumedEvents.findIndex((event) => event.name.toLowerCase() === key);
    if (index >= 0) {
      const [event] = this.#unconsumedEvents.splice(index, 1);
      this.#settleWithPayload(task, event?.input);
      return task;
    }
    const waiters = this.#eventWaiters.get(key) ?? [];
    waiters.push(task);
    this.#eventWaiters.set(key, waiters);
    return task;
  }

  abandonEventWait(name: string, task: CompletableTask<unknown>): void {
    const waiters = this.#eventWaiters.get(name.toLowerCase());
    const index = waiters?.indexOf(task) ?? -1;
    if (index >= 0) waiters?.splice(index, 1);
  }

  continueAsNew(input: EncodedPayload, preserve: boolean): void {
    this.#continueAsNew = { input, preserve };
  }

  setCustomStatus(status: EncodedPayload): void {
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
    this.#awaitedTasks.add(task);
  }

  resumed(): void {
    this.#resumed = true;
  }

  // Replay -----------------------------------------------------------------------------------------------------

  /** Replays past and new events and returns the decision; rejects with NonDeterminismError / NonDurableAwaitError. */
  async execute(): Promise<OrchestrationDecision> {
    const { pastEvents, newEvents } = this.#request;
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
        break;
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceFailed:
        this.#failTask(event.taskScheduledId, event.failureDetails);
        break;
      case HistoryEventType.TimerFired: {
        const task = this.#openTask(event.timerId);
        if (task instanceof DurableTimerTask) task.fire();
        break;
      }
      case HistoryEventType.EntityOperationCompleted:
        this.#endEntityCall(event.taskScheduledId);
        this.#settleWithPayload(this.#openTask(event.taskScheduledId), event.result);
        break;
      case HistoryEventType.EntityOperationFailed:
        this.#endEntityCall(event.taskScheduledId);
        this.#failTask(event.taskScheduledId, event.failureDetails);
        break;
      case HistoryEventType.EntityLockGranted:
        this.#grant(event.taskScheduledId);
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
        carryoverEvents: this.#continueAsNew.preserve ? [...this.#unconsumedEvents] : [],
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

  #waitingOnDurableWork(): boolean {
    for (const task of this.#awaitedTasks) {
      if (task.isAwaited) return true;
      this.#awaitedTasks.delete(task);
    }
    return false;
  }

  #open(action: OrchestratorAction): CompletableTask<unknown> {
    const task = new CompletableTask<unknown>(this);
    this.#actions.set(action.sequence, { action, task, recorded: false });
    this.#unrecorded.add(action.sequence);
    return task;
  }

  #openTask(sequence: number): CompletableTask<unknown> | undefined {
    return this.#actions.get(sequence)?.task;
  }

  #matchRecordedAction(event: HistoryEvent): void {
    const recorded = stepOfEvent(event);
    if (recorded === undefined || !this.#replaying) return;
    const open = this.#actions.get(event.eventId);
    if (open === undefined) {
      this.#fatal ??= new NonDeterminismError({
        sequence: event.eventId,
        expected: recorded.text,
        actual: undefined,
        hint: 'The orchestrator code no longer takes this step at this point (code removed, reordered, or a branch that depends on something non-deterministic such as Date.now(), Math.random() or I/O). Deploy changed orchestrators under a new name, or let in-flight instances finish first.',
      });
      return;
    }
    const actual = stepOfAction(open.action);
    if (actual.kind !== recorded.kind || actual.key !== recorded.key) {
      this.#fatal ??= new NonDeterminismError({
        sequence: event.eventId,
        expected: recorded.text,
        actual: actual.text,
        hint: actual.kind !== recorded.kind
          ? 'The code now takes a different kind of step here: steps were added, removed or reordered before this point.'
          : isEntityStep(actual.kind)
            ? 'The code now addresses a different entity or operation here (or locks a different set of entities). Entity IDs and operation names in history are a persisted contract: deploy changed orchestrators under a new name, or let in-flight instances finish first.'
            : 'The code now calls a different function here: it was renamed or the call changed. Names in history are a persisted contract — keep the old name with @Activity({ name }) / @Orchestrator({ name }).',
      });
      return;
    }
    open.recorded = true;
    this.#unrecorded.delete(event.eventId);
    if (event.type === HistoryEventType.EntityLockRequested && open.action.type === OrchestratorActionType.LockEntities) {
      // The recorded ID is the one the entities know: later releases must name it, whatever this code derives.
      open.action = { ...open.action, criticalSectionId: event.criticalSectionId };
      const section = this.#lockRequests.get(event.eventId);
      if (section !== undefined) section.id = event.criticalSectionId;
    }
  }

  // Every action taken in a recorded episode was recorded before that episode's OrchestratorCompleted: one that was
  // not is a step the old code never took.
  #checkEpisodeRecorded(): void {
    for (const sequence of this.#unrecorded) {
      const open = this.#actions.get(sequence) as OpenAction;
      this.#fatal ??= new NonDeterminismError({
        sequence: open.action.sequence,
        expected: undefined,
        actual: stepOfAction(open.action).text,
        hint: 'The code now takes a step the recorded execution never took (a call was added or moved earlier). Deploy changed orchestrators under a new name, or let in-flight instances finish first.',
      });
      return;
    }
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
    const section = this.#lockRequests.get(sequence);
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
      this.#open({ type: OrchestratorActionType.UnlockEntity, sequence: this.#nextSequence++, criticalSectionId: section.id, targetInstanceId: target });
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
    const waiters = this.#eventWaiters.get(event.name.toLowerCase());
    const waiter = waiters?.shift();
    if (waiter === undefined) {
      this.#unconsumedEvents.push(event);
      return;
    }
    this.#settleWithPayload(waiter, event.input);
  }

  #decision(): OrchestrationDecision {
    const timestamp = this.#now;
    const actions: OrchestratorAction[] = [];
    const newHistory: HistoryEvent[] = [];
    const completion = this.#completion;
    if (completion !== undefined) this.#releaseAtEnd();
    for (const open of this.#actions.values()) {
      if (open.recorded || open.dropped === true) continue;
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

function scheduledEventFor(action: OrchestratorAction, timestamp: Date): HistoryEvent {
  switch (action.type) {
    case OrchestratorActionType.ScheduleTask:
      return { type: HistoryEventType.TaskScheduled, eventId: action.sequence, timestamp, name: action.name, input: action.input };
    case OrchestratorActionType.CreateTimer:
      return { type: HistoryEventType.TimerCreated, eventId: action.sequence, timestamp, fireAt: action.fireAt };
    case OrchestratorActionType.CreateSubOrchestration:
      return { type: HistoryEventType.SubOrchestrationInstanceCreated, eventId: action.sequence, timestamp, name: action.name, instanceId: action.instanceId, input: action.input };
    case OrchestratorActionType.SendEvent:
      return { type: HistoryEventType.EventSent, eventId: action.sequence, timestamp, instanceId: action.instanceId, name: action.name, input: action.input };
    case OrchestratorActionType.CallEntity:
      return { type: HistoryEventType.EntityOperationCalled, eventId: action.sequence, timestamp, targetInstanceId: action.targetInstanceId, operation: action.operation, input: action.input };
    case OrchestratorActionType.SignalEntity:
      return {
        type: HistoryEventType.EntityOperationSignaled, eventId: action.sequence, timestamp, targetInstanceId: action.targetInstanceId,
        operation: action.operation, input: action.input, ...(action.scheduledTime === undefined ? {} : { scheduledTime: action.scheduledTime }),
      };
    case OrchestratorActionType.LockEntities:
      return { type: HistoryEventType.EntityLockRequested, eventId: action.sequence, timestamp, criticalSectionId: action.criticalSectionId, lockSet: action.lockSet };
    case OrchestratorActionType.UnlockEntity:
      return { type: HistoryEventType.EntityUnlockSent, eventId: action.sequence, timestamp, criticalSectionId: action.criticalSectionId, targetInstanceId: action.targetInstanceId };
  }
}

function completionEventFor(completion: OrchestrationCompletion, timestamp: Date): HistoryEvent {
  switch (completion.status) {
    case 'Completed':
      return { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp, orchestrationStatus: 'Completed', result: completion.output };
    case 'Failed':
      return { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp, orchestrationStatus: 'Failed', failureDetails: completion.failureDetails };
    case 'Terminated':
      return { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp, orchestrationStatus: 'Terminated', result: completion.reason };
    case 'ContinuedAsNew':
      return { type: HistoryEventType.ContinueAsNew, eventId: -1, timestamp, input: completion.input, carryoverEvents: completion.carryoverEvents };
  }
}
