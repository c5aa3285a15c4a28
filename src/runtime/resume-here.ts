import type { HistoryEvent } from '../history/history-event.js';
import { runEpisode } from './episode-runner.js';
import { logTakeover } from './orchestration-worker.js';
import type { EpisodeRuntime } from './episode-runtime.js';
import type { LocalResult } from './local-results.js';
import { versionClaimOf } from './versioning-options.js';

/**
 * Delivers a result that arrived in this process — a timer that fired here, an activity that finished here after its
 * instance's session ended — straight to its instance when this process can run the instance at once: to the session
 * holding it (no write at all), or, when the instance's execution is cached here and nobody holds it, by claiming that
 * one instance and running an episode on the cached execution (a claim and a commit: two round trips, where the inbox
 * takes an insert, a flag, a claim, a read and a delete besides). Resolves to whether an episode recorded the result;
 * when false, the caller sends it to the instance's inbox, as before — the one route that always works.
 */
export type ResumeHere = (instanceId: string, executionId: string, event: HistoryEvent) => Promise<boolean>;

/** A worker's {@link ResumeHere}, and a way to wait for the sessions it started. */
export interface ResumeHereRoute {
  readonly deliver: ResumeHere;
  /** Resolves when every session it started has ended (for a clean stop). */
  settled(): Promise<void>;
}

/** The {@link ResumeHere} of a worker. `run` wraps the episode (so that the app's work tracker counts it). */
export function createResumeHere(
  rt: EpisodeRuntime, options: { readonly workerId: string; readonly run: (episode: () => Promise<void>) => Promise<void> },
): ResumeHereRoute {
  const sessions = new Set<Promise<void>>();
  const deliver: ResumeHere = async (instanceId, executionId, event) => {
    // `episodeLingerMs: 0` turns the in-process routes off: every result goes through the inbox.
    if (rt.tuning.episodeLingerMs === 0) return false;
    const offered = rt.localResults.offer(instanceId, executionId, event);
    if (offered !== undefined) return offered;
    if (rt.stopping() || !rt.cache.holds(instanceId, executionId)) return false;
    const versions = versionClaimOf(rt.versioning);
    const item = await rt.store.claimInstance(instanceId, executionId, { workerId: options.workerId, leaseMs: rt.tuning.leaseMs, now: rt.clock.now(), ...(versions === undefined ? {} : { versions }) });
    if (item === undefined) return false;
    if (item.takenOverFrom !== undefined) logTakeover(rt.log, item);
    // Answered as soon as the episode recorded the result (or could not): the session may go on with more episodes
    // in the background, and the caller — an activity or timer job — need not hold its slot meanwhile.
    let answer: (recorded: boolean) => void = () => undefined;
    const outcome = new Promise<boolean>((resolve) => {
      answer = resolve;
    });
    const result: LocalResult = { event, settle: (recorded) => answer(recorded) };
    // runEpisode never throws, and settles every result handed in before it ends (the first answer stands).
    const session = options.run(() => runEpisode(rt, item, [result])).finally(() => {
      answer(false);
      sessions.delete(session);
    });
    sessions.add(session);
    return outcome;
  };
  return { deliver, settled: async () => void (await Promise.all([...sessions])) };
}
