import { randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import { encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { NonDeterminismError } from '../core/errors/non-determinism-error.js';
import { NonDurableAwaitError } from '../core/errors/non-durable-await-error.js';
import { RegistrationError } from '../core/errors/registration-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import type { FailureDetails } from '../core/failure-details.js';
import { ENGINE_VERSION } from '../engine/engine-version.js';
import { unreleasedEntityLocks } from '../engine/critical-section.js';
import { executeOrchestration } from '../engine/execute-orchestration.js';
import type { OrchestrationDecision } from '../engine/orchestration-decision.js';
import { HistoryEventType, type EncodedPayload, type HistoryEvent } from '../history/history-event.js';
import {
  TERMINAL_STATUSES, type EpisodeCommit, type HistoryChunk, type InboxMessage, type InstanceState, type InstanceStore, type WorkItem,
} from '../ports/instance-store.js';
import type { Clock } from '../ports/clock.js';
import type { DurableRegistry } from '../registry/durable-registry.js';
import type { ActionDispatcher } from './action-dispatcher.js';
import { crashPoint } from './crash-point.js';
import { NO_RESULT_SESSION, type LocalResult, type LocalResults } from './local-results.js';
import type { ResolvedTuning } from './durably-options.js';
import type { RuntimeLogger } from './runtime-logger.js';

/** What an episode needs from the app. */
export interface EpisodeRuntime {
  readonly store: InstanceStore;
  readonly registry: DurableRegistry;
  readonly container: DependencyContainer;
  readonly dispatcher: ActionDispatcher;
  readonly tuning: ResolvedTuning;
  readonly log: RuntimeLogger;
  /** Results of activities run in this process, for the episode holding their instance. */
  readonly localResults: LocalResults;
  /** Whether the worker is stopping (no more episodes back to back). */
  readonly stopping: () => boolean;
  /** History timestamps, leases and retry times. */
  readonly clock: Clock;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Stuck instances (non-determinism after a deploy, unknown orchestrator) are retried with a growing backoff — 5 s,
// 30 s, 2 min, then every 10 min — so a fixed deploy resumes them without anyone having to poke them. Retries happen
// at about 0, 5, 35 and 155 s after the instance got stuck, so the time since then tells which retry this is.
function stuckRetryDelayMs(stuckForMs: number): number {
  if (stuckForMs < 4_000) return 5_000;
  if (stuckForMs < 30_000) return 30_000;
  if (stuckForMs < 150_000) return 120_000;
  return 600_000;
}

/** Activities scheduled in `events` and not answered in them. */
function openActivities(events: readonly HistoryEvent[]): number {
  let open = 0;
  for (const event of events) {
    if (event.type === HistoryEventType.TaskScheduled) open++;
    else if (event.type === HistoryEventType.TaskCompleted || event.type === HistoryEventType.TaskFailed) open--;
  }
  return open;
}

/** Events that answer an action, with the action's sequence number. */
function answeredSequence(event: HistoryEvent): number | undefined {
  switch (event.type) {
    case HistoryEventType.TaskCompleted:
    case HistoryEventType.TaskFailed:
    case HistoryEventType.SubOrchestrationInstanceCompleted:
    case HistoryEventType.SubOrchestrationInstanceFailed:
    case HistoryEventType.EntityOperationCompleted:
    case HistoryEventType.EntityOperationFailed:
    case HistoryEventType.EntityLockGranted:
      return event.taskScheduledId;
    case HistoryEventType.TimerFired:
      return event.timerId;
    default:
      return undefined;
  }
}

function isScheduling(event: HistoryEvent): boolean {
  return event.type === HistoryEventType.TaskScheduled || event.type === HistoryEventType.TimerCreated ||
    event.type === HistoryEventType.SubOrchestrationInstanceCreated || event.type === HistoryEventType.EntityOperationCalled ||
    event.type === HistoryEventType.EntityLockRequested;
}

/**
 * Sorts queued messages: results for actions already answered are duplicates (absorbed); results for actions not
 * yet in history arrived before the scheduling commit and wait (deferred, never dropped); the rest apply now.
 */
export function classifyMessages(history: readonly HistoryEvent[], messages: readonly InboxMessage[]): {
  accepted: InboxMessage[]; duplicates: InboxMessage[]; deferred: InboxMessage[];
} {
  const scheduled = new Set<number>();
  const answered = new Set<number>();
  for (const event of history) {
    if (isScheduling(event)) scheduled.add(event.eventId);
    const sequence = answeredSequence(event);
    if (sequence !== undefined) answered.add(sequence);
  }
  const accepted: InboxMessage[] = [];
  const duplicates: InboxMessage[] = [];
  const deferred: InboxMessage[] = [];
  for (const message of messages) {
    const sequence = answeredSequence(message.event);
    if (sequence === undefined) accepted.push(message);
    else if (answered.has(sequence)) duplicates.push(message);
    else if (!scheduled.has(sequence)) deferred.push(message);
    else {
      answered.add(sequence);
      accepted.push(message);
    }
  }
  return { accepted, duplicates, deferred };
}

// The instance fields of an ended execution. Durable Functions reports a failed instance's error message as its output.
function endedUpdate(
  runtimeStatus: 'Completed' | 'Failed' | 'Terminated', result: EncodedPayload, failureDetails: FailureDetails | undefined, completedTime: Date,
): EpisodeCommit['update'] {
  return failureDetails === undefined
    ? { runtimeStatus, output: result, completedTime, stuck: undefined }
    : { runtimeStatus, output: encodePayload(failureDetails.errorMessage, 'output'), failureDetails, completedTime, stuck: undefined };
}

function statusUpdate(decision: OrchestrationDecision, now: Date): EpisodeCommit['update'] {
  const completion = decision.completion;
  const customStatus = decision.customStatus;
  if (completion === undefined) return { runtimeStatus: decision.suspended ? 'Suspended' : 'Running', customStatus, stuck: undefined };
  switch (completion.status) {
    case 'Completed': return { ...endedUpdate('Completed', completion.output, undefined, now), customStatus };
    case 'Failed': return { ...endedUpdate('Failed', undefined, completion.failureDetails, now), customStatus };
    case 'Terminated': return { ...endedUpdate('Terminated', completion.reason, undefined, now), customStatus };
    case 'ContinuedAsNew': return { runtimeStatus: 'ContinuedAsNew', customStatus, stuck: undefined };
  }
}

/**
 * Releases of the entity locks `history` leaves held, for an execution that ends without a replay (a stuck instance
 * terminated, a limit exceeded): the replay engine releases them itself otherwise. Numbered after every recorded action.
 */
function lockReleases(history: readonly HistoryEvent[], now: Date): HistoryEvent[] {
  let sequence = history.reduce((max, event) => Math.max(max, event.eventId), -1);
  return unreleasedEntityLocks(history).map((lock) => ({
    type: HistoryEventType.EntityUnlockSent, eventId: ++sequence, timestamp: now, criticalSectionId: lock.criticalSectionId, targetInstanceId: lock.targetInstanceId,
  }));
}

function terminatedDecision(history: readonly HistoryEvent[], reason: string | undefined, customStatus: string | undefined, now: Date): OrchestrationDecision {
  return {
    actions: [],
    customStatus,
    completion: { status: 'Terminated', reason },
    suspended: false,
    newHistory: [
      ...lockReleases(history, now),
      { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: now, orchestrationStatus: 'Terminated', result: reason },
      { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now },
    ],
  };
}

function failedDecision(pastEvents: readonly HistoryEvent[], events: readonly HistoryEvent[], failure: FailureDetails, now: Date): HistoryEvent[] {
  return [
    ...events,
    ...lockReleases(pastEvents, now),
    { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: now, orchestrationStatus: 'Failed', failureDetails: failure },
    { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now },
  ];
}

/** What one episode leaves for the next one under the same lease: the instance as committed, and its history. */
interface Continuation {
  readonly instance: InstanceState;
  readonly chunks: readonly HistoryChunk[];
  /**
   * The last chunk, dispatched but not marked so: the next commit under this lease makes marking it unnecessary (a
   * chunk followed by another was dispatched, see recoverUndispatched); the session marks it if none follows.
   */
  readonly unmarked: number;
  /** Activities scheduled and not answered yet: results the session may wait for. */
  readonly openActivities: number;
}

type Release = {
  moreWork: boolean; succeeded: boolean; retryAt?: Date;
  /** Set by an episode that committed: the chunk before it needs no marking any more. */
  committedAfterPrevious?: boolean;
};

// Episodes one claim may run back to back (each after a result of an activity run here) before the instance goes
// back to the queue, so that a long chain cannot keep a worker loop from other instances.
const MAX_EPISODES_PER_CLAIM = 100;

/**
 * Runs the episodes of one claimed instance, under its lease, then releases it. The first episode applies what the
 * inbox holds; when it dispatched activities that this process runs, the instance is kept for up to
 * `episodeLingerMs` for their results (see {@link LocalResults}), and each result that comes runs the next episode
 * at once — no inbox message, no release and claim. Never throws: failures are logged and the instance is left to be
 * retried.
 */
export async function runEpisode(rt: EpisodeRuntime, item: WorkItem): Promise<void> {
  const { instanceId, executionId } = item.instance;
  const release: Release = { moreWork: false, succeeded: true };
  const results = rt.tuning.episodeLingerMs > 0 ? rt.localResults.open(instanceId, executionId) : NO_RESULT_SESSION;
  const claimedAt = rt.clock.now().getTime();
  try {
    if (item.instance.claimAttempts > rt.tuning.maxEpisodeAttempts) {
      await poison(rt, item);
      return;
    }
    let state: Continuation | undefined;
    for (let episodes = 1; ; episodes++) {
      release.moreWork = false;
      release.committedAfterPrevious = false;
      const previous: Continuation | undefined = state;
      state = await runOneEpisode(rt, item, previous, results.take(), release);
      if (state === undefined) {
        // Ended without a commit after the previous chunk (one that commits marks its own chunk): mark that one.
        if (previous !== undefined && !release.committedAfterPrevious) await rt.store.markDispatched(instanceId, executionId, previous.unmarked);
        return;
      }
      const keepGoing = episodes < MAX_EPISODES_PER_CLAIM && rt.clock.now().getTime() - claimedAt < rt.tuning.leaseMs / 2 && !rt.stopping();
      if (!keepGoing || !(await results.wait(rt.tuning.episodeLingerMs, state.openActivities))) {
        await rt.store.markDispatched(instanceId, executionId, state.unmarked);
        return;
      }
    }
  } catch (error) {
    rt.log('error', `episode of ${item.instance.name} '${instanceId}' failed; it will be retried`, error);
    release.succeeded = false;
    release.moreWork = true;
    release.retryAt = new Date(rt.clock.now().getTime() + 1_000);
  } finally {
    // Results that arrive from now on go to the inbox (and flag the instance, which the release below respects).
    results.close();
    try {
      await rt.store.releaseWork(item, { ...release, now: rt.clock.now() });
    } catch (error) {
      // The lease then expires on its own and the instance is claimed again.
      rt.log('warn', `could not release '${instanceId}'`, error);
    }
  }
}

/**
 * One episode: recover undispatched work, apply new messages (from the inbox, and `local` results) by replaying the
 * orchestrator, commit the result as one history chunk (or lose the race and discard it), dispatch the new actions.
 * `previous` is what the previous episode under this lease committed (undefined for the first: the history is
 * loaded). Returns what the next episode under this lease starts from, or undefined when there is to be none.
 */
async function runOneEpisode(
  rt: EpisodeRuntime, item: WorkItem, previous: Continuation | undefined, local: readonly LocalResult[], release: Release,
): Promise<Continuation | undefined> {
  const instance = previous?.instance ?? item.instance;
  const { leaseToken } = item;
  const { instanceId, executionId } = instance;
  // Local results this episode recorded (or found recorded): settled true at the end; the others false.
  const recorded = new Set<LocalResult>();
  try {
    const [chunks, queued] = await Promise.all([
      previous === undefined ? rt.store.loadHistory(instanceId, executionId) : previous.chunks,
      // Read after the local results arrived: what came first is applied first (a whenAny sees the true winner).
      rt.store.loadMessages(instanceId),
    ]);
    await recoverUndispatched(rt, instance, chunks);
    // The history is the source of truth. When it records the end of the execution but the instance document does
    // not show it (the committing worker died, or lost its lease, right after the chunk landed), finish the job.
    const ending = chunks.flatMap((chunk) => chunk.events).find((e) => e.type === HistoryEventType.ContinueAsNew || e.type === HistoryEventType.ExecutionCompleted);
    if (ending?.type === HistoryEventType.ContinueAsNew) {
      await continueAsNew(rt, item, ending.input, ending.carryoverEvents ?? []);
      release.moreWork = true;
      return undefined;
    }
    if (ending?.type === HistoryEventType.ExecutionCompleted && !TERMINAL_STATUSES.has(instance.runtimeStatus)) {
      await syncCompletion(rt, item, instance, chunks, ending);
      return undefined;
    }
    const pastEvents = chunks.flatMap((chunk) => chunk.events);
    const consumed = new Set(chunks.flatMap((chunk) => chunk.consumedMessageIds));
    const stale = queued.filter((m) => consumed.has(m.id) || (m.executionId !== undefined && m.executionId !== executionId));
    const fresh = queued.filter((m) => !stale.includes(m));
    if (TERMINAL_STATUSES.has(instance.runtimeStatus)) {
      // A finished instance ignores late results and events.
      await rt.store.deleteMessages(queued.map((m) => m.id));
      return undefined;
    }
    if (stale.length > 0) await rt.store.deleteMessages(stale.map((m) => m.id));
    // Local results are applied after the inbox's messages: a result also sent to the inbox (by an earlier attempt of
    // its activity) is then the duplicate.
    const localMessages = new Map<InboxMessage, LocalResult>(local.map((result, i) => [
      { id: `local:${i}`, instanceId, executionId, event: result.event, createdAt: result.event.timestamp }, result,
    ]));
    const { accepted, duplicates, deferred } = classifyMessages(pastEvents, [...fresh, ...localMessages.keys()]);
    for (const message of duplicates) {
      const result = localMessages.get(message);
      if (result !== undefined) recorded.add(result);
    }
    const inboxDuplicates = duplicates.filter((m) => !localMessages.has(m));
    if (inboxDuplicates.length > 0) await rt.store.deleteMessages(inboxDuplicates.map((m) => m.id));
    const starting = pastEvents.length === 0;
    if (!starting && accepted.length === 0) return undefined;

    const now = rt.clock.now();
    const newEvents: HistoryEvent[] = [{ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: now }];
    if (starting) {
      newEvents.push({
        type: HistoryEventType.ExecutionStarted, eventId: -1, timestamp: now, name: instance.name, instanceId, executionId,
        input: instance.input, engineVersion: ENGINE_VERSION,
        ...(instance.parentInstance === undefined ? {} : { parentInstance: { instanceId: instance.parentInstance.instanceId, name: instance.parentInstance.name, taskScheduledId: instance.parentInstance.taskScheduledId } }),
        ...(instance.scheduledStartTime === undefined ? {} : { scheduledStartTime: instance.scheduledStartTime }),
      });
    }
    if (starting && instance.carryoverEvents !== undefined) newEvents.push(...instance.carryoverEvents);
    newEvents.push(...accepted.map((m) => m.event));

    let decision: OrchestrationDecision;
    try {
      decision = await executeOrchestration({
        pastEvents,
        newEvents,
        orchestrator: rt.registry.resolveOrchestrator(instance.name, rt.container),
        resolveName: (kind, ref) => rt.registry.nameOf(kind, ref),
        yieldToEventLoop,
        log: (level, message, args) => rt.log(level, `[${instance.name} ${instanceId}] ${message}`, ...args),
        maxPayloadBytes: rt.tuning.maxPayloadBytes,
      });
    } catch (error) {
      if (!(error instanceof NonDeterminismError || error instanceof NonDurableAwaitError || error instanceof RegistrationError)) throw error;
      const termination = accepted.find((m) => m.event.type === HistoryEventType.ExecutionTerminated)?.event;
      if (termination?.type !== HistoryEventType.ExecutionTerminated) {
        await stuck(rt, item, instance, error, release);
        return undefined;
      }
      // Terminating needs no orchestrator code: a stuck instance (code that no longer replays, e.g. after an
      // incompatible deploy) can still be terminated.
      decision = terminatedDecision(pastEvents, termination.reason, instance.customStatus, now);
    }

    let events = [...newEvents, ...decision.newHistory];
    let update = statusUpdate(decision, now);
    const limitFailure = checkLimits(rt, instance, pastEvents.length + events.length, decision);
    if (limitFailure !== undefined) {
      events = failedDecision(pastEvents, newEvents, limitFailure, now);
      update = { runtimeStatus: 'Failed', failureDetails: limitFailure, completedTime: now, stuck: undefined };
    }
    const chunk: HistoryChunk = {
      firstEventIndex: pastEvents.length,
      events,
      consumedMessageIds: accepted.filter((m) => !localMessages.has(m)).map((m) => m.id),
      undispatched: true,
    };
    const committed = await rt.store.commitEpisode({ instanceId, executionId, expectedVersion: instance.version, leaseToken, chunk, update, now });
    if (!committed) {
      // Another worker took over (our lease expired): its episode replays from history, the source of truth.
      release.succeeded = false;
      release.moreWork = true;
      return undefined;
    }
    release.committedAfterPrevious = true;
    for (const message of accepted) {
      const result = localMessages.get(message);
      if (result !== undefined) recorded.add(result);
    }
    crashPoint('after-history-commit');
    await rt.dispatcher.dispatch(instance, chunk);
    crashPoint('after-dispatch');
    if (limitFailure === undefined && decision.completion?.status === 'ContinuedAsNew') {
      await rt.store.markDispatched(instanceId, executionId, chunk.firstEventIndex);
      await continueAsNew(rt, item, decision.completion.input, decision.completion.carryoverEvents);
      release.moreWork = true;
      return undefined;
    }
    // Results that waited for this commit can apply now.
    release.moreWork = deferred.length > 0 && classifyMessages([...pastEvents, ...events], deferred).accepted.length > 0;
    if (update.runtimeStatus !== 'Running' || release.moreWork) {
      await rt.store.markDispatched(instanceId, executionId, chunk.firstEventIndex);
      return undefined;
    }
    return {
      unmarked: chunk.firstEventIndex,
      openActivities: openActivities([...pastEvents, ...events]),
      instance: {
        ...instance, version: instance.version + 1, historyLength: chunk.firstEventIndex + events.length, runtimeStatus: 'Running',
        customStatus: update.customStatus, lastUpdatedTime: now, stuck: undefined, stuckSince: undefined, carryoverEvents: undefined,
      },
      chunks: [...chunks, { ...chunk, undispatched: false }],
    };
  } finally {
    // A local result not recorded here is sent to the inbox by its activity.
    for (const result of local) result.settle(recorded.has(result));
  }
}

/**
 * A crash between commit and dispatch: carries the recorded actions out now (every dispatch step is idempotent).
 * Only the last chunk can be undispatched: an episode commits only after the chunks before it were dispatched (its
 * session dispatched them, or this recovery did), so a flag left on an earlier chunk — a session marks only its
 * last one — is stale.
 */
async function recoverUndispatched(rt: EpisodeRuntime, instance: InstanceState, chunks: readonly HistoryChunk[]): Promise<void> {
  const last = chunks.at(-1);
  if (last?.undispatched !== true) return;
  await rt.dispatcher.dispatch(instance, last, { recovering: true });
  await rt.store.markDispatched(instance.instanceId, instance.executionId, last.firstEventIndex);
}

function checkLimits(rt: EpisodeRuntime, instance: InstanceState, historyLength: number, decision: OrchestrationDecision): FailureDetails | undefined {
  const { maxHistoryEvents, maxActionsPerEpisode } = rt.tuning;
  if (historyLength > maxHistoryEvents) {
    return { errorType: 'HistoryLimitExceeded', errorMessage: `The execution's history reached ${historyLength} events, over the limit of ${maxHistoryEvents}. Use ctx.continueAsNew() to restart long-running loops with a fresh history.`, isNonRetriable: true };
  }
  if (historyLength > maxHistoryEvents * 0.8) {
    rt.log('warn', `the history of ${instance.name} '${instance.instanceId}' holds ${historyLength} of at most ${maxHistoryEvents} events; consider ctx.continueAsNew()`);
  }
  if (decision.actions.length > maxActionsPerEpisode) {
    return { errorType: 'FanOutLimitExceeded', errorMessage: `One episode started ${decision.actions.length} actions, over the limit of ${maxActionsPerEpisode} (maxActionsPerEpisode). Fan out in batches, or through sub-orchestrations.`, isNonRetriable: true };
  }
  return undefined;
}

async function stuck(rt: EpisodeRuntime, item: WorkItem, instance: InstanceState, error: Error, release: Release): Promise<void> {
  const failure = failureDetailsFrom(error);
  rt.log('error', `instance '${instance.instanceId}' (${instance.name}) is stuck: ${error.message}`);
  await rt.store.markStuck(instance.instanceId, item.leaseToken, failure, { fail: false, now: rt.clock.now() });
  const now = rt.clock.now().getTime();
  const stuckFor = now - (instance.stuckSince?.getTime() ?? now);
  release.moreWork = true;
  // Counted as success: being stuck is not a crash, so it must not trip the poison cap.
  release.succeeded = true;
  release.retryAt = new Date(now + stuckRetryDelayMs(stuckFor));
}

async function poison(rt: EpisodeRuntime, item: WorkItem): Promise<void> {
  const failure: FailureDetails = {
    errorType: 'PoisonEpisode',
    errorMessage: `The episode of '${item.instance.instanceId}' was claimed ${item.instance.claimAttempts} times without completing (it keeps crashing or timing out its worker); the instance was failed to protect the other workers.`,
    isNonRetriable: true,
  };
  rt.log('error', failure.errorMessage);
  await rt.store.markStuck(item.instance.instanceId, item.leaseToken, failure, { fail: true, now: rt.clock.now() });
  await rt.dispatcher.reportFailureToParent(item.instance, failure);
}

// Records on the instance document what the history already says: an empty episode (start and end markers) carrying
// the status update, committed like any other.
async function syncCompletion(
  rt: EpisodeRuntime, item: WorkItem, instance: InstanceState, chunks: readonly HistoryChunk[], ending: Extract<HistoryEvent, { type: 'ExecutionCompleted' }>,
): Promise<void> {
  const now = rt.clock.now();
  const firstEventIndex = chunks.reduce((sum, chunk) => sum + chunk.events.length, 0);
  // ExecutionCompleted is only written for these three (continue-as-new records a ContinueAsNew event instead).
  const status = ending.orchestrationStatus as 'Completed' | 'Failed' | 'Terminated';
  const update = endedUpdate(status, ending.result, ending.failureDetails, ending.timestamp);
  await rt.store.commitEpisode({
    instanceId: instance.instanceId, executionId: instance.executionId, expectedVersion: instance.version,
    leaseToken: item.leaseToken, update, now,
    chunk: {
      firstEventIndex,
      events: [{ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: now }, { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now }],
      consumedMessageIds: [],
      undispatched: false,
    },
  });
}

async function continueAsNew(rt: EpisodeRuntime, item: WorkItem, input: string | undefined, carryover: readonly HistoryEvent[]): Promise<void> {
  const { instanceId } = item.instance;
  const now = rt.clock.now();
  const ok = await rt.store.continueAsNew({ instanceId, leaseToken: item.leaseToken, executionId: randomUUID(), input, carryoverEvents: carryover, now });
  if (!ok) throw new DurableError('CONTINUE_AS_NEW_FAILED', `could not start the next execution of '${instanceId}': its lease was lost`);
}
