import type { EntityId } from '../core/entity-id.js';
import type { EncodedPayload } from '../history/history-event.js';
import { OrchestratorActionType, type OrchestratorAction } from '../history/orchestrator-action.js';
import { ActivityAttemptTask } from './activity-attempt-task.js';
import type { ActivityAttemptOptions } from './activity-call.js';
import type { CallActivityOptions } from './orchestration-context.js';
import type { CodeActivity } from './code-activity.js';
import { RECORDS_CANCELLATIONS_FROM } from './engine-version.js';
import { CompletableTask, type TaskObserver } from './completable-task.js';
import { CONTINUE_AS_NEW_SUGGESTED_AT } from './continue-as-new-suggested.js';
import { CriticalSection, criticalSectionIdFor } from './critical-section.js';
import { CriticalSectionTracker } from './critical-section-tracker.js';
import type { EntityLock } from './entity-lock.js';
import type { EntityClassRef } from './entity-proxy.js';
import type { ExecutionState } from './execution-state.js';
import type { ContextHost, LogLevel } from './replay-context.js';
import { settleTask } from './settle-task.js';
import type { RunnableClass } from './task-types.js';
import { DurableTimerTask } from './timer-task.js';

/**
 * What the orchestration context asks of the execution it runs in ({@link ContextHost}): each call of the code that
 * takes a step opens an action — numbered in the order taken, with the task the code awaits — in the execution's
 * action table, where replay matches it against history and the decision carries it out; waits for external events,
 * custom status and continue-as-new are kept in the {@link ExecutionState}. The entity locking rules are checked
 * against the execution's critical sections. Internal to the engine.
 */
export class OrchestrationHost implements ContextHost {
  readonly #state: ExecutionState;
  readonly #activity: CodeActivity;
  /** The execution's critical sections (the replay applies grants and answers to them, the decision the releases). */
  readonly sections: CriticalSectionTracker;

  constructor(state: ExecutionState, activity: CodeActivity) {
    this.#state = state;
    this.#activity = activity;
    this.sections = new CriticalSectionTracker(state.actions, (action) => {
      this.open(action);
    });
  }

  get observer(): TaskObserver {
    return this.#activity;
  }
  get instanceId(): string {
    return this.#state.started?.instanceId ?? '';
  }
  get parentInstanceId(): string | undefined {
    return this.#state.started?.parentInstance?.instanceId;
  }
  get version(): string | undefined {
    return this.#state.started?.version;
  }
  get input(): unknown {
    return this.#state.input;
  }
  get isReplaying(): boolean {
    return this.#state.replaying;
  }
  get currentUtcDateTime(): Date {
    return this.#state.now;
  }
  get historyLength(): number {
    return this.#state.historyLength;
  }
  get historySizeBytes(): number {
    return this.#state.historySizeBytes;
  }
  get continueAsNewSuggested(): boolean {
    const limit = this.#state.started?.maxHistoryEvents ?? this.#state.request.maxHistoryEvents;
    return limit !== undefined && this.#state.historyLength >= limit * CONTINUE_AS_NEW_SUGGESTED_AT;
  }

  patched(patchId: string): boolean {
    this.#activity.acting();
    return this.#state.patches.patched(patchId, this.#state.replaying);
  }

  deprecatePatch(patchId: string): void {
    this.#activity.acting();
    this.#state.patches.deprecate(patchId, this.#state.replaying);
  }

  resolveName(kind: 'activity' | 'orchestrator' | 'entity', ref: RunnableClass | EntityClassRef | string): string {
    return this.#state.request.resolveName(kind, ref);
  }

  scheduleActivity(name: string, input: EncodedPayload, options: ActivityAttemptOptions = {}): ActivityAttemptTask<unknown> {
    const sequence = this.#state.actions.nextSequence();
    this.#activity.acting();
    const task = new ActivityAttemptTask<unknown>(this.#activity, name, (reason) => {
      this.#activity.acting();
      this.#state.cancels.cancel('task', sequence, reason);
    });
    // A first attempt records no number; executions of engine version 1 record none (their histories had none).
    const { limits, attempt, heartbeatDetails } = options;
    const counted = (this.#state.started?.engineVersion ?? 0) >= RECORDS_CANCELLATIONS_FROM;
    this.#state.actions.add({
      type: OrchestratorActionType.ScheduleTask, sequence, name, input,
      ...(limits === undefined ? {} : { limits }),
      ...(counted && attempt !== undefined && attempt > 1 ? { attempt } : {}),
      ...(counted && heartbeatDetails !== undefined ? { heartbeatDetails } : {}),
    }, task);
    return task;
  }

  activityDefaults(name: string): CallActivityOptions | undefined {
    return this.#state.request.activityDefaults?.(name);
  }

  assertMayCallSubOrchestrator(): void {
    CriticalSection.checkSubOrchestration(this.sections.current);
  }

  scheduleSubOrchestration(name: string, instanceId: string | undefined, input: EncodedPayload, version?: string): CompletableTask<unknown> {
    const sequence = this.#state.actions.nextSequence();
    return this.open({
      type: OrchestratorActionType.CreateSubOrchestration, sequence, name, input,
      instanceId: instanceId ?? `${this.instanceId}:${sequence}`,
      ...(version === undefined ? {} : { version }),
    });
  }

  createTimer(fireAt: Date): DurableTimerTask {
    const sequence = this.#state.actions.nextSequence();
    const action: OrchestratorAction = { type: OrchestratorActionType.CreateTimer, sequence, fireAt };
    this.#activity.acting();
    const task = new DurableTimerTask(this.#activity, fireAt, () => {
      this.#activity.acting();
      this.#state.cancels.cancel('timer', sequence);
    });
    // A timer completes with no value: widening its result type to unknown is safe.
    this.#state.actions.add(action, task as CompletableTask<unknown>);
    return task;
  }

  get isInCriticalSection(): boolean {
    return this.sections.current !== undefined;
  }

  get lockedEntities(): readonly EntityId[] {
    return this.sections.lockedEntities;
  }

  callEntity(entity: EntityId, operation: string, input: EncodedPayload): CompletableTask<unknown> {
    const target = entity.instanceId;
    const section = this.sections.current;
    section?.checkCall(target);
    const sequence = this.#state.actions.nextSequence();
    const task = this.open({ type: OrchestratorActionType.CallEntity, sequence, targetInstanceId: target, operation, input });
    if (section !== undefined) this.sections.beginCall(section, sequence, target);
    return task;
  }

  signalEntity(entity: EntityId, operation: string, input: EncodedPayload, scheduledTime: Date | undefined): void {
    const target = entity.instanceId;
    this.sections.current?.checkSignal(target);
    this.open({
      type: OrchestratorActionType.SignalEntity, sequence: this.#state.actions.nextSequence(), targetInstanceId: target, operation, input,
      ...(scheduledTime === undefined ? {} : { scheduledTime }),
    });
  }

  lockEntities(entities: readonly EntityId[]): CompletableTask<EntityLock> {
    CriticalSection.checkLock(this.sections.current);
    this.#activity.acting();
    const sequence = this.#state.actions.nextSequence();
    const id = criticalSectionIdFor(this.instanceId, this.#state.started?.executionId ?? '', this.#state.now, sequence);
    const section = this.sections.enter(id, sequence, entities);
    const task = new CompletableTask<EntityLock>(this.#activity);
    const action: OrchestratorAction = { type: OrchestratorActionType.LockEntities, sequence, criticalSectionId: id, lockSet: section.lockSet };
    // The task completes with the lock: widening its result type to unknown is safe.
    this.#state.actions.add(action, task as CompletableTask<unknown>, section);
    return task;
  }

  waitForEvent(name: string): CompletableTask<unknown> {
    this.#activity.acting();
    const task = new CompletableTask<unknown>(this.#activity);
    const event = this.#state.events.take(name);
    if (event !== undefined) settleTask(task, event.input);
    else this.#state.events.wait(name, task);
    return task;
  }

  abandonEventWait(name: string, task: CompletableTask<unknown>): void {
    this.#activity.acting();
    this.#state.events.abandon(name, task);
  }

  continueAsNew(input: EncodedPayload, preserve: boolean): void {
    this.#activity.acting();
    this.#state.continueAsNew = { input, preserve };
  }

  setCustomStatus(status: EncodedPayload): void {
    this.#activity.acting();
    this.#state.customStatus = status;
  }

  get maxPayloadBytes(): number | undefined {
    return this.#state.request.maxPayloadBytes;
  }

  log(level: LogLevel, message: string, args: unknown[]): void {
    if (!this.#state.replaying) this.#state.request.log?.(level, message, args);
  }

  /** Opens an action of the code, with the task it awaits. */
  open(action: OrchestratorAction): CompletableTask<unknown> {
    this.#activity.acting();
    const task = new CompletableTask<unknown>(this.#activity);
    this.#state.actions.add(action, task);
    return task;
  }
}
