import { randomUUID } from 'node:crypto';
import { DurableError } from '../core/durable-error.js';
import { ENGINE_VERSION } from '../engine/engine-version.js';
import { OrchestrationExecution } from '../engine/orchestration-execution.js';
import { HistoryEventType, type ContinueAsNewEvent, type ExecutionCompletedEvent, type ExecutionStartedEvent } from '../history/history-event.js';
import { activitiesAnswered } from '../history/history-event-traits.js';
import type { EpisodeCommit, HistoryChunk, InboxMessage, InstanceState, RuntimeStatus, WorkItem } from '../ports/instance-store.js';
import type { StartedActivities } from '../ports/work-scheduler.js';
import { HistoryView } from '../planner/history-view.js';
import { endedUpdate, planCommit, stuckRetryDelayMs, type CommitPlan } from '../planner/plan-commit.js';
import { errorFromFailureDetails, failureDetailsFrom } from '../core/failure-details-from.js';
import type { LifecycleEvent, LogLevel } from '../core/runtime-logger.js';
import { deferredNowApplicable, planIntake, type Intake } from '../planner/plan-intake.js';
import { crashPoint } from './crash-point.js';
import { LEASE_LOST, type ClaimedLease } from './claimed-lease.js';
import type { EpisodeRuntime, Release } from './episode-runtime.js';
import type { LocalResult, ResultSession } from './local-results.js';
import { mergeChunks, startEagerly, type EagerStart } from './eager-activities.js';
import { runEngine } from './run-engine.js';
import type { TraceContext } from '../core/trace-context.js';
import { beginExecutionSpan, episodeCommitted } from './episode-telemetry.js';

/** The state one session carries from episode to episode under its lease. */
export interface EpisodeSession {
  /** The instance as this session committed it. */
  instance: InstanceState;
  /** The committed history as known here (appended by each commit). */
  readonly view: HistoryView;
  /** The live orchestrator, when it is in step with `view`. */
  execution: OrchestrationExecution | undefined;
  /** The last chunk committed and dispatched, not yet marked dispatched in the store. */
  unmarked: number | undefined;
  /**
   * The activities the last chunk started: their jobs are stored (those the next commit does not answer) before the
   * next commit, and all of them before the chunk is marked dispatched.
   */
  storing: StartedActivities | undefined;
  /** When this session last committed (the instance's summary fields catch up on release). */
  committedAt: Date | undefined;
  /**
   * The last inbox read left results waiting for their scheduling commit (deferred): the inbox holds messages even
   * though the instance is not flagged, so every episode reads it until they are applied.
   */
  inboxHoldsDeferred: boolean;
}

// The dispatch option naming the execution's span, the parent of the spans of the work it starts.
const traceOf = (view: HistoryView): { traceContext?: TraceContext } => {
  const traceContext = view.started?.traceContext;
  return traceContext === undefined ? {} : { traceContext };
};

/**
 * Starts a session: from the cached execution when it is current (same execution, and the store holds no history
 * past it), else from the history in the store — carrying out the actions of a last chunk that was committed but
 * maybe not dispatched (the worker died in between; every dispatch step is idempotent). Also reads the inbox
 * (undefined: not read), unless a cached execution's claim found no work flagged (a message is queued before its flag
 * is set) and no deferred result waits there. A fresh claim ({@link WorkItem.fresh}) reads neither.
 */
export async function openSession(rt: EpisodeRuntime, item: WorkItem): Promise<{ session: EpisodeSession; queued: InboxMessage[] | undefined }> {
  const { instance } = item;
  const { instanceId, executionId } = instance;
  const cached = rt.cache.take(instanceId);
  if (cached !== undefined && cached.executionId === executionId && cached.view.length === instance.historyLength && instance.stuck === undefined) {
    // The instance's summary lags behind appended chunks until a clean release catches it up: a worker that died, or
    // whose commit failed on the way back (applied all the same), leaves chunks it does not show — whose messages are
    // gone from the inbox and whose actions may never have been dispatched. Only the history itself tells.
    const [queued, behind] = await Promise.all([
      item.workPending || cached.inboxHoldsDeferred ? rt.store.loadMessages(instanceId) : undefined,
      rt.store.hasHistoryBeyond(instanceId, executionId, cached.view.length),
    ]);
    if (!behind) {
      const session = { instance, view: cached.view, execution: cached.execution, unmarked: undefined, storing: undefined, committedAt: undefined, inboxHoldsDeferred: cached.inboxHoldsDeferred };
      return { session, queued };
    }
  }
  if (item.fresh === true) {
    // Nothing has happened to the execution since its start: its history and inbox are empty, no need to read them.
    return { session: { instance, view: HistoryView.fromChunks([]), execution: undefined, unmarked: undefined, storing: undefined, committedAt: undefined, inboxHoldsDeferred: false }, queued: [] };
  }
  // Not flagged, the inbox may still hold results that wait for their scheduling commit: read it anyway (cold start).
  const [chunks, queued] = await Promise.all([rt.store.loadHistory(instanceId, executionId), rt.store.loadMessages(instanceId)]);
  const view = HistoryView.fromChunks(chunks);
  const undispatched = view.undispatchedChunk;
  if (undispatched !== undefined) {
    await rt.dispatcher.dispatch(instance, undispatched, { recovering: true, mayHaveStarted: item.takenOverFrom !== undefined, ...traceOf(view) });
    await rt.store.markDispatched(instanceId, executionId, undispatched.firstEventIndex);
  }
  return { session: { instance, view, execution: undefined, unmarked: undefined, storing: undefined, committedAt: undefined, inboxHoldsDeferred: false }, queued };
}

/** What the session holds while a step runs: its instance's lease, and the results of activities run here. */
export interface EpisodeHold {
  readonly lease: Pick<ClaimedLease, 'secure'>;
  readonly results: ResultSession;
}

/** How a step ends: the session goes on; or it ends, keeping the execution cached or dropping it. */
export type StepEnd = 'continue' | 'end-keep' | 'end-drop';

/**
 * One episode: plan what arrived (pure), run the orchestrator on the new events (the cached execution, or a replay),
 * plan the commit (pure), commit it — the chunk is the commit point — and carry out its actions. Local results are
 * settled as soon as the commit that recorded them succeeded (before the dispatch, so that an activity's job finishes
 * in the same turn as the next one is scheduled).
 */
export async function runEpisodeStep(
  rt: EpisodeRuntime, item: WorkItem, session: EpisodeSession, queued: readonly InboxMessage[] | undefined, local: readonly LocalResult[], release: Release,
  held: EpisodeHold,
): Promise<StepEnd> {
  const recorded = new Set<number>();
  const settled = new Set<number>();
  // The span a first episode starts for its execution: dropped unexported unless the episode commits.
  const traceContext = beginExecutionSpan(rt.telemetry, session.instance, session.view);
  const settle = (i: number, wasRecorded: boolean): void => {
    if (settled.has(i)) return;
    settled.add(i);
    local[i]?.settle(wasRecorded);
  };
  try {
    const now = rt.clock.now();
    const intake = planIntake({
      instance: session.instance, view: session.view, queued: queued ?? [], local: local.map((r) => r.event), now, engineVersion: ENGINE_VERSION, maxHistoryEvents: rt.tuning.maxHistoryEvents,
      ...(traceContext === undefined ? {} : { traceContext }),
    });
    if (queued !== undefined && (intake.kind === 'idle' || intake.kind === 'run')) session.inboxHoldsDeferred = intake.deferred.length > 0;
    switch (intake.kind) {
      case 'continue-as-new':
        await continueAsNew(rt, item, intake.ending.input, intake.ending.carryoverEvents ?? []);
        release.moreWork = true;
        return 'end-drop';
      case 'sync-completion':
        await syncCompletion(rt, item, session, intake.ending);
        return 'end-drop';
      case 'finished':
      case 'idle':
        for (const i of intake.localRecorded) recorded.add(i);
        if (intake.deleteMessageIds.length > 0) await rt.store.deleteMessages(intake.deleteMessageIds);
        return intake.kind === 'finished' ? 'end-drop' : 'end-keep';
      case 'run':
        for (const i of intake.localRecorded) recorded.add(i);
        if (intake.deleteMessageIds.length > 0) await rt.store.deleteMessages(intake.deleteMessageIds);
        return await runAndCommit(rt, item, session, intake, now, release, (i) => settle(i, true), held);
    }
  } finally {
    dropUncommittedSpan(rt, session, traceContext);
    // A local result not recorded here is sent to the inbox by its sender.
    local.forEach((_, i) => settle(i, recorded.has(i)));
  }
}

// A first episode that did not commit: the span it started for the execution is dropped, never exported.
function dropUncommittedSpan(rt: EpisodeRuntime, session: EpisodeSession, traceContext: TraceContext | undefined): void {
  if (traceContext !== undefined && session.committedAt === undefined) rt.telemetry.tracer.abandonExecution(session.instance.executionId);
}

async function runAndCommit(
  rt: EpisodeRuntime, item: WorkItem, session: EpisodeSession, intake: Extract<Intake, { kind: 'run' }>, now: Date, release: Release,
  recorded: (localIndex: number) => void, held: EpisodeHold,
): Promise<StepEnd> {
  const startedAt = performance.now();
  // A warm execution continues from where it is; otherwise the code replays the history known here.
  const replayedEvents = session.execution?.canContinue === true && session.execution.historyLength === session.view.length ? 0 : session.view.length;
  const outcome = await runEngine(rt, session, intake.newEvents);
  const plan: CommitPlan = planCommit({ instance: session.instance, view: session.view, intake, outcome, now, limits: rt.tuning });
  if (plan.kind === 'stuck') {
    await markStuck(rt, item, plan.error, release);
    return 'end-drop';
  }
  // The activities' spans hang under the execution's: a first episode's ExecutionStarted is not in the view yet.
  const traceContext = traceOf(session.view).traceContext ?? plan.chunk.events.find((e): e is ExecutionStartedEvent => e.type === HistoryEventType.ExecutionStarted)?.traceContext;
  const eager = held.lease.secure ? await startEagerly(rt, item, plan, held.results, traceContext) : undefined;
  const told: CommitOutcome = { landed: false, resultsRecorded: new Set() };
  try {
    return eager?.results === undefined
      ? await commitPlanned(rt, item, session, { plan, chunk: plan.chunk, update: plan.update, deferred: intake.deferred, eager, startedAt, replayedEvents, now, release, outcome: told, recordAll: () => {
        for (const i of intake.localAccepted) recorded(i);
      } })
      : await commitMerged(rt, item, session, { plan, intake, eager: { ...eager, results: eager.results }, startedAt, replayedEvents, now, release, recorded, outcome: told });
  } finally {
    if (eager !== undefined) {
      // Started early for a commit that did not land: their outcomes are recorded nowhere (see startEagerly) — voided
      // before any result taken for the commit is let go, so that none of theirs is sent as a message.
      if (!told.landed) rt.localResults.voidStarts(eager.jobs);
      eager.results?.forEach((result, i) => result.settle(told.resultsRecorded.has(i)));
    }
  }
}

/** What became of a commit, for the activities started before it. */
interface CommitOutcome {
  /** The commit landed (whatever happened after it). */
  landed: boolean;
  /** The indexes of the early starts' results (`EagerStart.results`) that it recorded. */
  readonly resultsRecorded: Set<number>;
}

// The eager activities all answered: the next episode runs now, on the chunk as if committed, and both chunks are
// committed as one. Anything unexpected (the code cannot go on with the results) throws: the session ends, the early
// starts are voided, and the episode is run again from the history (the activities wait their turn this time).
async function commitMerged(rt: EpisodeRuntime, item: WorkItem, session: EpisodeSession, m: {
  readonly plan: Extract<CommitPlan, { kind: 'commit' }>; readonly intake: Extract<Intake, { kind: 'run' }>; readonly eager: EagerStart & { readonly results: LocalResult[] };
  readonly startedAt: number; readonly replayedEvents: number; readonly now: Date; readonly release: Release; readonly recorded: (localIndex: number) => void;
  readonly outcome: CommitOutcome;
}): Promise<StepEnd> {
  const { plan, eager, now, outcome } = m;
  try {
    const before = session.instance;
    session.view.append(plan.chunk);
    session.instance = { ...before, runtimeStatus: plan.runtimeStatus, customStatus: plan.customStatus };
    const next = planIntake({ instance: session.instance, view: session.view, queued: [], local: eager.results.map((r) => r.event), now, engineVersion: ENGINE_VERSION, maxHistoryEvents: rt.tuning.maxHistoryEvents });
    if (next.kind !== 'run') throw new DurableError('INTERNAL_ERROR', `the results of activities started early did not apply to '${before.instanceId}' (${next.kind})`);
    const second = planCommit({ instance: session.instance, view: session.view, intake: next, outcome: await runEngine(rt, session, next.newEvents), now, limits: rt.tuning });
    if (second.kind === 'stuck') throw second.error;
    session.instance = before;
    const end = await commitPlanned(rt, item, session, {
      plan: second, chunk: mergeChunks(plan.chunk, second.chunk), update: second.update ?? plan.update, first: plan,
      deferred: [...m.intake.deferred, ...next.deferred], eager, startedAt: m.startedAt, replayedEvents: m.replayedEvents, now, release: m.release, outcome,
      recordAll: () => {
        for (const i of m.intake.localAccepted) m.recorded(i);
        for (const i of [...next.localAccepted, ...next.localRecorded]) outcome.resultsRecorded.add(i);
      },
    });
    return end;
  } catch (error) {
    // Not waited for again soon: the episode runs again from the history, its activities after their commit.
    rt.dispatcher.eagerTooSlow(eager.jobs);
    throw error;
  }
}

// A takeover's first commit: the dead worker may have started this chunk's activities before its own commit of the
// same episode (see startEagerly), with no document to count the start — dispatched counted, as a re-dispatch is.
function mayHaveStartedEarly(rt: EpisodeRuntime, item: WorkItem, firstCommit: boolean): boolean {
  return item.takenOverFrom !== undefined && firstCommit && rt.tuning.eagerActivityWaitMs > 0;
}

/** What {@link commitPlanned} commits: a planned chunk (or two merged), and what follows from it. */
interface Planned {
  /** The plan of the (last) episode: the status, continuation and ending the commit leaves. */
  readonly plan: Extract<CommitPlan, { kind: 'commit' }>;
  /** The first of two merged episodes, already in the session's view (see commitMerged). */
  readonly first?: Extract<CommitPlan, { kind: 'commit' }>;
  readonly chunk: HistoryChunk;
  readonly update: EpisodeCommit['update'] | undefined;
  readonly deferred: Extract<Intake, { kind: 'run' }>['deferred'];
  /** The activities started before the commit (not dispatched again after it). */
  readonly eager: EagerStart | undefined;
  readonly startedAt: number;
  readonly replayedEvents: number;
  readonly now: Date;
  readonly release: Release;
  /** The commit landed: settles the local results it recorded. */
  readonly recordAll: () => void;
  /** Told once the commit has landed, and which early results it recorded. */
  readonly outcome: CommitOutcome;
}

// Commits the chunk — the commit point — and carries out its actions.
async function commitPlanned(rt: EpisodeRuntime, item: WorkItem, session: EpisodeSession, c: Planned): Promise<StepEnd> {
  const { instanceId, executionId } = session.instance;
  const { plan, chunk, update, now, release } = c;
  const firstCommit = session.committedAt === undefined;
  // The previous chunk's activity jobs must be stored before a chunk follows it (a chunk followed by another counts
  // as dispatched, and is never re-dispatched) — all but those this chunk answers: nothing needs their jobs again
  // once it is committed. Until then they stay owed: if this commit fails, the session's end stores them too, or
  // leaves the previous chunk unmarked so that it is dispatched again.
  await session.storing?.stored(activitiesAnswered(chunk.events));
  rt.dispatcher.committing();
  const committed = update === undefined
    ? await rt.store.appendEpisode({ instanceId, executionId, leaseToken: item.leaseToken, chunk, now })
    : await rt.store.commitEpisode({ instanceId, executionId, expectedVersion: session.instance.version, leaseToken: item.leaseToken, chunk, update, now });
  if (!committed) {
    // Another worker committed here first (our lease expired): its history is the truth; this attempt never happened,
    // and a lost lease is no fault of the instance's. A fresh claim's attempt stays counted (see WorkItem.fresh): then
    // the next claim is not fresh, and reads the history this one assumed empty.
    release.succeeded = false;
    release.uncounted = item.fresh !== true;
    release.moreWork = true;
    return 'end-drop';
  }
  c.outcome.landed = true;
  session.storing = undefined;
  // Recorded: the results' senders may let go of them now (an activity's job finishes).
  c.recordAll();
  const second = c.first === undefined ? chunk : { ...chunk, firstEventIndex: session.view.length, events: chunk.events.slice(session.view.length - chunk.firstEventIndex) };
  if (c.first !== undefined) episodeCommitted(rt.telemetry, session.instance, session.view, c.first.chunk, { durationMs: performance.now() - c.startedAt, replayedEvents: c.replayedEvents });
  session.view.append(second);
  session.committedAt = now;
  episodeCommitted(rt.telemetry, session.instance, session.view, second, { durationMs: performance.now() - c.startedAt, replayedEvents: c.first === undefined ? c.replayedEvents : 0 });
  if (!plan.continuable) session.execution = undefined;
  if (plan.runtimeStatus !== session.instance.runtimeStatus) logEnding(rt, session.instance, plan);
  session.instance = {
    ...session.instance,
    runtimeStatus: plan.runtimeStatus,
    customStatus: plan.customStatus,
    ...(update === undefined ? {} : { version: session.instance.version + 1, historyLength: session.view.length, lastUpdatedTime: now }),
    stuck: undefined, stuckSince: undefined, carryoverEvents: undefined,
  };
  crashPoint('after-history-commit');
  // Started before the commit: the chunk's activities run already (a merged chunk answers them itself).
  session.storing = c.eager !== undefined && c.first === undefined
    ? c.eager.started
    : await rt.dispatcher.dispatch(session.instance, second, { ...traceOf(session.view), ...(mayHaveStartedEarly(rt, item, firstCommit) ? { mayHaveStarted: true } : {}) });
  crashPoint('after-dispatch');
  // Only a chunk flagged for dispatch needs the mark (one with nothing to carry out was committed without the flag).
  session.unmarked = chunk.undispatched ? chunk.firstEventIndex : undefined;
  if (plan.warning !== undefined) rt.log('warn', plan.warning, { instanceId, executionId, name: session.instance.name });
  if (plan.continueAsNew !== undefined) {
    await session.storing.stored();
    session.storing = undefined;
    if (chunk.undispatched) await rt.store.markDispatched(instanceId, executionId, chunk.firstEventIndex);
    session.unmarked = undefined;
    await continueAsNew(rt, item, plan.continueAsNew.input, plan.continueAsNew.carryoverEvents);
    release.moreWork = true;
    return 'end-drop';
  }
  // Results that waited for this commit can apply now.
  release.moreWork = deferredNowApplicable(c.deferred, chunk.events);
  if (plan.runtimeStatus === 'Running' && !release.moreWork) return 'continue';
  return plan.runtimeStatus === 'Running' || plan.runtimeStatus === 'Suspended' ? 'end-keep' : 'end-drop';
}

// Records on the instance document what the history already says: an empty episode (start and end markers) carrying
// the status update, committed like any other.
async function syncCompletion(rt: EpisodeRuntime, item: WorkItem, session: EpisodeSession, ending: ExecutionCompletedEvent): Promise<void> {
  const now = rt.clock.now();
  // ExecutionCompleted is only written for these three (continue-as-new records a ContinueAsNew event instead).
  const status = ending.orchestrationStatus as 'Completed' | 'Failed' | 'Terminated';
  await rt.store.commitEpisode({
    instanceId: session.instance.instanceId, executionId: session.instance.executionId, expectedVersion: session.instance.version,
    leaseToken: item.leaseToken, update: endedUpdate(status, ending.result, ending.failureDetails, ending.timestamp), now,
    chunk: {
      firstEventIndex: session.view.length,
      events: [{ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: now }, { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now }],
      consumedMessageIds: [],
      undispatched: false,
    },
  });
}

async function continueAsNew(rt: EpisodeRuntime, item: WorkItem, input: string | undefined, carryover: ContinueAsNewEvent['carryoverEvents'] & object): Promise<void> {
  const { instanceId } = item.instance;
  const ok = await rt.store.continueAsNew({ instanceId, leaseToken: item.leaseToken, executionId: randomUUID(), input, carryoverEvents: carryover, now: rt.clock.now() });
  if (!ok) throw new DurableError(LEASE_LOST, `could not start the next execution of '${instanceId}': its lease was lost`);
}

/** Records that the instance's code cannot run its history (non-determinism, unknown orchestrator); retried with backoff. */
async function markStuck(rt: EpisodeRuntime, item: WorkItem, error: Error, release: Release): Promise<void> {
  const { instance } = item;
  const failure = failureDetailsFrom(error);
  rt.log('error', `instance '${instance.instanceId}' (${instance.name}) is stuck: ${error.message}`, {
    event: 'instance.stuck', instanceId: instance.instanceId, executionId: instance.executionId, name: instance.name, error,
  });
  await rt.store.markStuck(instance.instanceId, item.leaseToken, failure, { fail: false, now: rt.clock.now(), fingerprint: rt.fingerprint() });
  const now = rt.clock.now().getTime();
  const stuckFor = now - (instance.stuckSince?.getTime() ?? now);
  release.moreWork = true;
  // Counted as success: being stuck is not a crash, so it must not trip the poison cap.
  release.succeeded = true;
  release.retryAt = new Date(now + stuckRetryDelayMs(stuckFor));
}

// The lifecycle lines of an execution's end, logged once the chunk that records it is committed.
const ENDINGS: Partial<Record<RuntimeStatus, readonly [LogLevel, LifecycleEvent, string]>> = {
  Completed: ['info', 'instance.completed', 'completed'],
  Failed: ['warn', 'instance.failed', 'failed'],
  Terminated: ['info', 'instance.terminated', 'was terminated'],
  ContinuedAsNew: ['info', 'instance.continued-as-new', 'continued as new'],
};

function logEnding(rt: EpisodeRuntime, instance: InstanceState, plan: Extract<CommitPlan, { kind: 'commit' }>): void {
  const ending = ENDINGS[plan.runtimeStatus];
  if (ending === undefined) return;
  const [level, event, what] = ending;
  const { instanceId, executionId, name } = instance;
  const failure = plan.update?.failureDetails;
  const message = failure === undefined ? `instance '${instanceId}' (${name}) ${what}` : `instance '${instanceId}' (${name}) ${what}: ${failure.errorMessage}`;
  rt.log(level, message, failure === undefined ? { event, instanceId, executionId, name } : { event, instanceId, executionId, name, error: errorFromFailureDetails(failure) });
}
