export type { EpisodeRuntime, Release } from './episode-runtime.js';
import type { FailureDetails } from '../core/failure-details.js';
import type { WorkItem } from '../ports/instance-store.js';
import { openSession, runEpisodeStep, type EpisodeSession } from './episode-step.js';
import type { EpisodeRuntime, Release } from './episode-runtime.js';
import { ClaimedLease } from './claimed-lease.js';
import { NO_RESULT_SESSION, type LocalResult } from './local-results.js';
import { refuseMismatchedVersion } from './version-gate.js';

// Episodes one claim may run back to back (each after a result of an activity run here) before the instance goes
// back to the queue, so that a long chain cannot keep a worker loop from other instances. With the execution cached,
// going back to the queue costs a release and a claim, not a history load.
const MAX_EPISODES_PER_CLAIM = 100;

/**
 * Runs the episodes of one claimed instance, under its lease, then releases it: the I/O shell around the pure planner
 * (`src/planner`). The session starts from the instance's cached execution when this process has a current one
 * (no history load, no replay), else from its history. The first episode applies what the inbox holds; when it
 * dispatched activities that this process runs, the session keeps the instance for up to `episodeLingerMs` for their
 * results (see {@link LocalResults}), and each result that comes runs the next episode at once — no inbox message,
 * no release and claim, no inbox read unless a message was sent here or `pollIntervalMs` passed. Never throws:
 * failures are logged and the instance is left to be retried.
 */
export async function runEpisode(rt: EpisodeRuntime, item: WorkItem, initial: readonly LocalResult[] = []): Promise<void> {
  const { instanceId, executionId } = item.instance;
  const release: Release = { moreWork: false, succeeded: true };
  const results = rt.tuning.episodeLingerMs > 0 ? rt.localResults.open(instanceId, executionId) : NO_RESULT_SESSION;
  const claimedAt = performance.now();
  const lease = new ClaimedLease(rt, item);
  let session: EpisodeSession | undefined;
  let keep = false;
  try {
    if (item.instance.claimAttempts > rt.tuning.maxEpisodeAttempts) {
      rt.cache.delete(instanceId);
      const now = rt.clock.now().getTime();
      if (rt.backoff.poisonConfirmed(instanceId, now, rt.tuning.leaseMs)) {
        await poison(rt, item);
      } else {
        // Looked at again after a lease period, without running it (see poisonConfirmed).
        Object.assign(release, { succeeded: false, uncounted: true, moreWork: true, retryAt: new Date(now + rt.tuning.leaseMs) });
      }
      return;
    }
    if (await refuseMismatchedVersion(rt, item, release)) return;
    // The first episode reads the inbox: the claim says work is flagged, and messages are what flags it.
    const opened = await openSession(rt, item);
    session = opened.session;
    let queued = opened.queued;
    let lastInboxRead = performance.now();
    let arrived: LocalResult[] = [...initial, ...results.take()];
    for (let episodes = 1; ; episodes++) {
      release.moreWork = false;
      const step = await runEpisodeStep(rt, item, session, queued, arrived, release, { results, lease });
      if (step !== 'continue') {
        keep = step === 'end-keep';
        return;
      }
      const keepGoing = episodes < MAX_EPISODES_PER_CLAIM && performance.now() - claimedAt < rt.tuning.leaseMs / 2 && !rt.stopping() && !lease.lost;
      if (!keepGoing || !(await results.wait(rt.tuning.episodeLingerMs, session.view.openActivities))) {
        keep = true;
        return;
      }
      // Messages from other processes flag the instance, which this lease hides from them: look at the inbox when
      // this process sent one, and at least every poll interval (what a worker polling for them would cost anyway).
      if (results.inboxed || session.inboxHoldsDeferred || performance.now() - lastInboxRead >= rt.tuning.pollIntervalMs) {
        queued = await rt.store.loadMessages(instanceId);
        lastInboxRead = performance.now();
      } else {
        queued = undefined;
      }
      arrived = results.take();
    }
  } catch (error) {
    // Only a failure of the instance itself (its code, its data) counts toward poison; a storage or network fault, a
    // lost lease or a shutdown is retried with a short backoff, never counted.
    keep = false;
    Object.assign(release, lease.failedWith(error, `${item.instance.name} '${instanceId}'`));
  } finally {
    // Results that arrive from now on go to the inbox (and flag the instance, which the release below respects); so do
    // results handed in that no episode reached (settling is idempotent: the first answer stands).
    results.close();
    for (const result of initial) result.settle(false);
    await endSession(rt, item, session, release, keep, lease);
  }
}

// Marks the last chunk dispatched, puts the execution back in the cache (or drops it), and releases the lease.
async function endSession(rt: EpisodeRuntime, item: WorkItem, session: EpisodeSession | undefined, release: Release, keep: boolean, lease: ClaimedLease): Promise<void> {
  const { instanceId, executionId } = item.instance;
  try {
    // A chunk followed by another was dispatched (an episode commits only after the previous chunk was dispatched):
    // only the session's last one needs the mark, so that a cold start does not dispatch it again.
    if (session?.unmarked !== undefined) {
      // Unmarked if its jobs could not all be stored: the next episode (here or elsewhere) dispatches it again.
      await session.storing?.stored();
      await rt.store.markDispatched(instanceId, executionId, session.unmarked);
    }
  } catch (error) {
    keep = false;
    // The instance must be claimed again for that (a claim dispatches an unmarked last chunk before anything else).
    release.moreWork = true;
    rt.log('warn', `could not mark the last episode of '${instanceId}' dispatched (the next claim dispatches it again, harmlessly)`, { instanceId, executionId, error });
  }
  if (keep && session !== undefined) {
    rt.cache.put({ instanceId, executionId: session.instance.executionId, view: session.view, execution: session.execution, inboxHoldsDeferred: session.inboxHoldsDeferred });
  } else {
    rt.cache.delete(instanceId);
  }
  const progress = session?.committedAt === undefined ? undefined : { historyLength: session.view.length, lastUpdatedTime: session.committedAt };
  // Retried through storage faults while the lease lasts; if it cannot be made, the lease expires on its own and the
  // instance is claimed again (from its history: this process's copy may be behind).
  if (!(await lease.release({ ...release, now: rt.clock.now(), ...(progress === undefined ? {} : { progress }) }))) rt.cache.delete(instanceId);
}

async function poison(rt: EpisodeRuntime, item: WorkItem): Promise<void> {
  const failure: FailureDetails = {
    errorType: 'PoisonEpisode',
    errorMessage: `The episode of '${item.instance.instanceId}' was claimed ${item.instance.claimAttempts} times without completing (it keeps crashing or timing out its worker); the instance was failed to protect the other workers.`,
    isNonRetriable: true,
  };
  const { instanceId, executionId, name, claimAttempts } = item.instance;
  rt.log('error', failure.errorMessage, { event: 'instance.poisoned', instanceId, executionId, name, attempt: claimAttempts });
  await rt.store.markStuck(item.instance.instanceId, item.leaseToken, failure, { fail: true, now: rt.clock.now() });
  rt.telemetry.metrics.instanceFinished(item.instance.name, 'Failed');
  await rt.dispatcher.reportFailureToParent(item.instance, failure);
}
