import { randomUUID } from 'node:crypto';
import { InstanceAlreadyExistsError } from '../core/errors/instance-already-exists-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import type { FailureDetails } from '../core/failure-details.js';
import { assertNever } from '../history/assert-never.js';
import { activitiesAnswered, cancelledSequence, carriesAction } from '../history/history-event-traits.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import type { HistoryChunk, InstanceState, InstanceStore } from '../ports/instance-store.js';
import type { EntityStore } from '../ports/entity-store.js';
import type { ActivityJob, StartedActivities, WorkScheduler } from '../ports/work-scheduler.js';
import type { Clock } from '../ports/clock.js';
import type { TraceContext } from '../core/trace-context.js';
import { activityJobOf } from './activity-job-of.js';
import { rerunRewound } from './rerun-rewound.js';
import { terminateChildren } from './terminate-children.js';

const key = (kind: string, instanceId: string, executionId: string, sequence: number): string =>
  JSON.stringify([kind, instanceId, executionId, sequence]);

/** Dedupe keys of the messages the runtime sends: one message per (instance, execution, action). Persisted. */
export const DedupeKey = {
  taskResult: (instanceId: string, executionId: string, sequence: number) => key('task', instanceId, executionId, sequence),
  timerFired: (instanceId: string, executionId: string, sequence: number) => key('timer', instanceId, executionId, sequence),
  subOrchestrationResult: (instanceId: string, executionId: string, sequence: number) => key('sub', instanceId, executionId, sequence),
  subOrchestrationStart: (instanceId: string, executionId: string, sequence: number) => key('start', instanceId, executionId, sequence),
  eventSent: (instanceId: string, executionId: string, sequence: number) => key('send', instanceId, executionId, sequence),
  /** A message an orchestration sends to an entity (call, signal, lock request, release), by its action. */
  entityMessage: (instanceId: string, executionId: string, sequence: number) => key('entity', instanceId, executionId, sequence),
  /** An entity's answer to an orchestration's call or lock request (one per action of the orchestration). */
  entityAnswer: (instanceId: string, executionId: string, sequence: number) => key('answer', instanceId, executionId, sequence),
  /** A lock request forwarded to the entity at `position` of its lock set. */
  entityLock: (criticalSectionId: string, position: number) => JSON.stringify(['lock', criticalSectionId, position]),
  /** A signal or orchestration start issued by an entity operation (`origin` names the entity, message and index). */
  entitySend: (origin: string) => JSON.stringify(['entity-send', origin]),
} as const;

/** Options of {@link ActionDispatcher.dispatch}. */
export interface DispatchOptions {
  /**
   * The chunk may have been dispatched before (a crash before it was marked): messages to entities that the entity
   * already applied are not sent again (an entity's receipts; other steps are idempotent by key).
   */
  readonly recovering?: boolean;
  /**
   * The chunk's last owner died holding the instance (a takeover): it may have started the chunk's activities held
   * back, with no job document to count the start (see `WorkScheduler.scheduleActivities`).
   */
  readonly mayHaveStarted?: boolean;
  /** The execution's span (ExecutionStarted's `traceContext`): the parent of the spans of the work it starts. */
  readonly traceContext?: TraceContext;
}

const NOTHING_TO_STORE: StartedActivities = { stored: () => Promise.resolve() };

// At most this many activities of one chunk are started before it is committed (a wide fan-out would rarely all
// answer in time).
const MAX_EAGER_ACTIVITIES = 8;
// Episodes in which an activity that did not answer in time is not started early again.
const EAGER_COOLDOWN_EPISODES = 50;

/**
 * Carries out what a committed history chunk recorded: schedules activities and timers, starts sub-orchestrations,
 * sends events, and reports a completion to the parent. Every step is idempotent, so a chunk may be dispatched again
 * after a crash (it stays flagged until dispatched).
 */
export class ActionDispatcher {
  /** Activity names too slow lately to be worth waiting for before a commit: how many more episodes to skip them. */
  readonly #eagerCooldown = new Map<string, number>();

  constructor(
    private readonly store: InstanceStore,
    private readonly scheduler: WorkScheduler,
    private readonly wake: () => void,
    private readonly entities: EntityStore,
    private readonly clock: Clock,
  ) {}

  /** Lets the scheduler's held-back writes travel with the history commit being made in this turn. */
  committing(): void {
    this.scheduler.flushSoon();
  }

  /**
   * Starts the activities of a chunk not committed yet, in this process, when they are all it carries out and this
   * process can run them all now (none with limits, none that was too slow for it lately): see `startEagerly`.
   * Undefined when not; nothing is started or written then.
   */
  async startEagerly(instance: InstanceState, chunk: HistoryChunk, traceContext: TraceContext | undefined): Promise<{ readonly jobs: readonly ActivityJob[]; readonly started: StartedActivities } | undefined> {
    const jobs: ActivityJob[] = [];
    for (const event of chunk.events) {
      if (!carriesAction(event, instance.parentInstance !== undefined)) continue;
      if (event.type !== HistoryEventType.TaskScheduled) return undefined;
      jobs.push(activityJobOf(instance, event, traceContext));
    }
    const slow = (job: ActivityJob): boolean => (this.#eagerCooldown.get(job.name) ?? 0) > 0;
    if (jobs.length === 0 || jobs.length > MAX_EAGER_ACTIVITIES || jobs.some((job) => job.limits !== undefined)) return undefined;
    if (jobs.some(slow)) {
      for (const job of jobs) this.#coolDown(job.name, (this.#eagerCooldown.get(job.name) ?? 1) - 1);
      return undefined;
    }
    const started = await this.scheduler.startActivitiesHere?.(jobs);
    return started === undefined ? undefined : { jobs, started };
  }

  /** Eagerly started activities whose results did not come in time: not started eagerly for a while. */
  eagerTooSlow(jobs: readonly ActivityJob[]): void {
    for (const job of jobs) this.#coolDown(job.name, EAGER_COOLDOWN_EPISODES);
  }

  #coolDown(name: string, episodes: number): void {
    if (episodes > 0) this.#eagerCooldown.set(name, episodes);
    else this.#eagerCooldown.delete(name);
  }

  /** Carries out `chunk` (see {@link DispatchOptions}). */
  async dispatch(instance: InstanceState, chunk: HistoryChunk, options: DispatchOptions = {}): Promise<StartedActivities> {
    const recovering = options.recovering === true;
    const { traceContext } = options;
    const { instanceId, executionId } = instance;
    let instancesGivenWork = 0;
    // All of the chunk's activities in one call (a fan-out is one insert), first: they are what the instance waits for.
    // Actions the code cancelled in the episode that took them are not started at all.
    const cancelled = new Set<number>();
    for (const event of chunk.events) {
      const sequence = cancelledSequence(event);
      if (sequence !== undefined) cancelled.add(sequence);
    }
    // Nor those the chunk answers itself (their results came before the chunk was committed: see startEagerly).
    const answered = activitiesAnswered(chunk.events);
    const activities: ActivityJob[] = [];
    for (const event of chunk.events) {
      if (event.type === HistoryEventType.TaskScheduled && !cancelled.has(event.eventId) && !answered.has(event.eventId)) activities.push(activityJobOf(instance, event, traceContext));
    }
    // A fresh chunk's activities may start before their jobs are stored (or be recorded without ever being stored):
    // the caller awaits `stored` before it depends on them (its next commit, or marking the chunk dispatched). A
    // re-dispatch stores them first, and so does a chunk whose activities a dead worker may have started before it.
    let started = NOTHING_TO_STORE;
    if (recovering || options.mayHaveStarted === true) await this.scheduler.scheduleActivities(activities, { mayHaveStarted: options.mayHaveStarted === true });
    else started = await this.scheduler.startActivities(activities);
    for (const event of chunk.events) {
      switch (event.type) {
        case HistoryEventType.TimerCreated:
          if (!cancelled.has(event.eventId)) await this.scheduler.scheduleTimer({ instanceId, executionId, sequence: event.eventId, fireAt: event.fireAt });
          break;
        case HistoryEventType.TaskCancelRequested:
          await this.scheduler.cancelActivity({ instanceId, executionId, sequence: event.taskScheduledId }, event.reason ?? 'cancelled by the orchestration');
          break;
        case HistoryEventType.TimerCanceled:
          await this.scheduler.cancelTimer({ instanceId, executionId, sequence: event.timerId });
          break;
        case HistoryEventType.SubOrchestrationInstanceCreated:
          // The child runs the version the call named, else its parent's.
          await this.#startChild(instance, event.eventId, event.name, event.instanceId, event.input, event.version ?? instance.orchestrationVersion, traceContext);
          instancesGivenWork++;
          break;
        case HistoryEventType.EventSent:
          await this.store.sendMessage(event.instanceId, { type: HistoryEventType.EventRaised, eventId: -1, timestamp: event.timestamp, name: event.name, input: event.input }, {
            dedupeKey: DedupeKey.eventSent(instanceId, executionId, event.eventId), now: this.clock.now(),
          });
          instancesGivenWork++;
          break;
        case HistoryEventType.EntityOperationCalled:
        case HistoryEventType.EntityOperationSignaled: {
          const parent = event.type === HistoryEventType.EntityOperationCalled ? { parent: { instanceId, executionId, taskScheduledId: event.eventId } } : {};
          const scheduled = event.type === HistoryEventType.EntityOperationSignaled && event.scheduledTime !== undefined ? { scheduledTime: event.scheduledTime } : {};
          await this.#toEntity(event.targetInstanceId, {
            type: HistoryEventType.EntityRequest, eventId: -1, timestamp: event.timestamp, operation: event.operation, input: event.input,
            senderId: instanceId, ...parent, ...scheduled, ...(traceContext === undefined ? {} : { traceContext }),
          }, DedupeKey.entityMessage(instanceId, executionId, event.eventId), recovering);
          instancesGivenWork++;
          break;
        }
        case HistoryEventType.EntityLockRequested: {
          const first = event.lockSet[0];
          if (first === undefined) break;
          await this.#toEntity(first, {
            type: HistoryEventType.EntityLockRequest, eventId: -1, timestamp: event.timestamp, criticalSectionId: event.criticalSectionId,
            lockSet: [...event.lockSet], position: 0, parent: { instanceId, executionId, taskScheduledId: event.eventId },
          }, DedupeKey.entityLock(event.criticalSectionId, 0), recovering);
          instancesGivenWork++;
          break;
        }
        case HistoryEventType.EntityUnlockSent:
          await this.#toEntity(event.targetInstanceId, {
            type: HistoryEventType.EntityUnlock, eventId: -1, timestamp: event.timestamp, criticalSectionId: event.criticalSectionId, parentInstanceId: instanceId,
          }, DedupeKey.entityMessage(instanceId, executionId, event.eventId), recovering);
          instancesGivenWork++;
          break;
        case HistoryEventType.ExecutionCompleted:
          if (event.orchestrationStatus === 'Terminated') await this.scheduler.cancelInstanceJobs(instanceId);
          if (event.orchestrationStatus === 'Terminated') instancesGivenWork += await terminateChildren(this.store, instance, chunk.events, this.clock.now());
          await this.#reportToParent(instance, event);
          if (instance.parentInstance !== undefined) instancesGivenWork++;
          break;
        case HistoryEventType.TaskScheduled:
          // Dispatched above, all of the chunk's activities at once.
          break;
        case HistoryEventType.ExecutionRewound:
          instancesGivenWork += await rerunRewound({
            store: this.store, scheduler: this.scheduler, clock: this.clock,
            reportChild: (sequence, result) => this.store.sendMessage(instanceId, result, {
              dedupeKey: DedupeKey.subOrchestrationResult(instanceId, executionId, sequence), executionId, now: this.clock.now(),
            }).then(() => undefined),
          }, instance, event);
          break;
        case HistoryEventType.ExecutionStarted:
        case HistoryEventType.ExecutionTerminated:
        case HistoryEventType.ExecutionSuspended:
        case HistoryEventType.ExecutionResumed:
        case HistoryEventType.ContinueAsNew:
        case HistoryEventType.OrchestratorStarted:
        case HistoryEventType.OrchestratorCompleted:
        case HistoryEventType.TaskCompleted:
        case HistoryEventType.TaskFailed:
        case HistoryEventType.SubOrchestrationInstanceCompleted:
        case HistoryEventType.SubOrchestrationInstanceFailed:
        case HistoryEventType.TimerFired:
        case HistoryEventType.EventRaised:
        case HistoryEventType.GenericEvent:
        case HistoryEventType.PatchMarker:
        case HistoryEventType.EntityOperationCompleted:
        case HistoryEventType.EntityOperationFailed:
        case HistoryEventType.EntityLockGranted:
        case HistoryEventType.EntityRequest:
        case HistoryEventType.EntityLockRequest:
        case HistoryEventType.EntityUnlock:
          // Nothing to carry out: what arrived (answers, raised events), lifecycle and episode markers (a termination
          // is carried out by the ExecutionCompleted that ends the execution; a continue-as-new by the episode runner,
          // which starts the next execution once it is committed), notes, patch markers (read by replay only), and
          // entity inbox messages (never in an orchestration's history).
          break;
        default:
          assertNever(event, 'history event type');
      }
    }
    // One wake per instance given work here (the worker wakes one loop per call). Scheduled activities and timers give
    // no orchestration work yet: their results wake the worker when they are recorded.
    for (let i = 0; i < instancesGivenWork; i++) this.wake();
    return started;
  }

  async #toEntity(entityInstanceId: string, event: HistoryEvent, dedupeKey: string, recovering: boolean): Promise<void> {
    if (recovering && await this.entities.hasReceipt(entityInstanceId, dedupeKey)) return;
    await this.entities.sendMessage(entityInstanceId, event, { dedupeKey, now: this.clock.now() });
  }

  /** Reports a failure that ended the instance outside the engine (poison episode) to its parent. */
  async reportFailureToParent(instance: InstanceState, failureDetails: FailureDetails): Promise<void> {
    await this.#reportToParent(instance, {
      type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: this.clock.now(), orchestrationStatus: 'Failed', failureDetails,
    });
    if (instance.parentInstance !== undefined) this.wake();
  }

  async #startChild(parent: InstanceState, sequence: number, name: string, childId: string, input: string | undefined, version: string | undefined, traceContext: TraceContext | undefined): Promise<void> {
    const now = this.clock.now();
    try {
      await this.store.createInstance({
        instanceId: childId,
        executionId: randomUUID(),
        name,
        input,
        parentInstance: { instanceId: parent.instanceId, executionId: parent.executionId, name: parent.name, taskScheduledId: sequence },
        ...(version === undefined ? {} : { orchestrationVersion: version }),
        ...(traceContext === undefined ? {} : { traceContext }),
        idempotencyKey: DedupeKey.subOrchestrationStart(parent.instanceId, parent.executionId, sequence),
        now,
      });
    } catch (error) {
      if (!(error instanceof InstanceAlreadyExistsError)) throw error;
      // Another, unrelated instance already runs under this ID: the call fails rather than hijacking it.
      await this.store.sendMessage(parent.instanceId, {
        type: HistoryEventType.SubOrchestrationInstanceFailed, eventId: -1, timestamp: now, taskScheduledId: sequence,
        failureDetails: failureDetailsFrom(error),
      }, { dedupeKey: DedupeKey.subOrchestrationResult(parent.instanceId, parent.executionId, sequence), executionId: parent.executionId, now });
    }
  }

  async #reportToParent(instance: InstanceState, event: Extract<HistoryEvent, { type: 'ExecutionCompleted' }>): Promise<void> {
    const parent = instance.parentInstance;
    if (parent === undefined) return;
    const now = this.clock.now();
    const result: HistoryEvent = event.orchestrationStatus === 'Completed'
      ? { type: HistoryEventType.SubOrchestrationInstanceCompleted, eventId: -1, timestamp: now, taskScheduledId: parent.taskScheduledId, result: event.result }
      : {
        type: HistoryEventType.SubOrchestrationInstanceFailed, eventId: -1, timestamp: now, taskScheduledId: parent.taskScheduledId,
        failureDetails: event.failureDetails ?? { errorType: 'Terminated', errorMessage: `Sub-orchestration '${instance.instanceId}' was ${event.orchestrationStatus.toLowerCase()}` },
      };
    await this.store.sendMessage(parent.instanceId, result, {
      dedupeKey: DedupeKey.subOrchestrationResult(parent.instanceId, parent.executionId, parent.taskScheduledId),
      executionId: parent.executionId,
      now,
    });
  }
}
