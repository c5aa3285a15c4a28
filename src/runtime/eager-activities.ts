import type { HistoryChunk, WorkItem } from '../ports/instance-store.js';
import type { ActivityJob, StartedActivities } from '../ports/work-scheduler.js';
import type { CommitPlan } from '../planner/plan-commit.js';
import { activitiesAnswered, roleOf } from '../history/history-event-traits.js';
import type { TraceContext } from '../core/trace-context.js';
import type { EpisodeRuntime } from './episode-runtime.js';
import type { LocalResult, ResultSession } from './local-results.js';

/** A chunk's activities, started in this process before the chunk was committed. */
export interface EagerStart {
  readonly jobs: readonly ActivityJob[];
  readonly started: StartedActivities;
  /**
   * Every result that had come for the instance once all of these activities answered — theirs, and any other
   * activity's of the instance — taken from the session: the caller must settle each. Undefined when one of them did
   * not answer within `eagerActivityWaitMs`: they run on, and their results come to the session as usual.
   */
  readonly results: LocalResult[] | undefined;
}

/**
 * Starts the activities an episode's chunk schedules before the chunk is committed, and waits a moment for them:
 * when they all answer within `eagerActivityWaitMs`, the next episode is planned at once and both are committed
 * together — one commit (one round trip, one journal sync) for the scheduling and the results, as DBOS records a
 * step once it ran. Only when that cannot change what gets recorded or who runs what:
 * - the chunk carries out nothing but these activities, and the execution goes on (no end, no continue-as-new);
 * - the chunk records no result (an execution's first episode, or one an event caused): so every result recorded
 *   before an activity starts is durable by then, as when it starts after its own commit;
 * - the lease is secure (a worker frozen past its lease does not start what it will not commit);
 * - this process runs them all at once, with no limits (a timeout's document must exist while they run), none that
 *   was too slow for this lately (see `ActionDispatcher.startEagerly`);
 * - the claim is not a takeover (the dead worker may have started these activities: they are dispatched the counted
 *   way, so that a worker-killing activity still kills at most `maxActivityDeliveries` workers).
 *
 * An activity may thus run before its scheduling is durable. If the commit then does not land, the start is voided
 * (`LocalResults.voidStarts`): its outcome is recorded nowhere, and whatever history is kept dispatches its own —
 * activities are at-least-once, and their results recorded exactly once, either way.
 *
 * @returns undefined when the chunk is not started early (the caller commits and dispatches it as usual).
 */
export async function startEagerly(
  rt: EpisodeRuntime, item: WorkItem, plan: Extract<CommitPlan, { kind: 'commit' }>, results: ResultSession, traceContext: TraceContext | undefined,
): Promise<EagerStart | undefined> {
  const waitMs = rt.tuning.eagerActivityWaitMs;
  if (waitMs <= 0 || rt.tuning.episodeLingerMs <= 0 || item.takenOverFrom !== undefined || rt.stopping()) return undefined;
  if (plan.runtimeStatus !== 'Running' || !plan.continuable || plan.continueAsNew !== undefined) return undefined;
  // Every result recorded before an activity starts is durable when it starts: a chunk that records results commits
  // first (after a crash, an activity that ran after them runs again, never the ones before it).
  if (plan.chunk.events.some((event) => roleOf(event) === 'answers')) return undefined;
  const eager = await rt.dispatcher.startEagerly(item.instance, plan.chunk, traceContext);
  if (eager === undefined) return undefined;
  const wanted = new Set(eager.jobs.map((job) => job.sequence));
  const allAnswered = (): boolean => {
    const answered = activitiesAnswered(results.peek().map((result) => result.event));
    for (const sequence of wanted) if (!answered.has(sequence)) return false;
    return true;
  };
  const deadline = performance.now() + waitMs;
  while (!allAnswered()) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    await results.waitForMore(left);
  }
  if (!allAnswered()) {
    rt.dispatcher.eagerTooSlow(eager.jobs);
    return { ...eager, results: undefined };
  }
  return { ...eager, results: results.take() };
}

/** Two chunks committed as one: the first's events, then the second's; flagged for dispatch as the second is. */
export function mergeChunks(first: HistoryChunk, second: HistoryChunk): HistoryChunk {
  return {
    firstEventIndex: first.firstEventIndex,
    events: [...first.events, ...second.events],
    consumedMessageIds: [...first.consumedMessageIds, ...second.consumedMessageIds],
    undispatched: second.undispatched,
  };
}
