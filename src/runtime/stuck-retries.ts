import type { EpisodeRuntime } from './episode-runtime.js';

/**
 * What a worker does as it starts: instances that got stuck (non-determinism, an unknown orchestrator) under code other
 * than its own may run on this code — a fix or a rollback was deployed — so they are retried at once instead of after
 * their stuck backoff (5 s, 30 s, 2 min, then every 10 min). Instances stuck under this very code are left to their
 * backoff: a restart of the same code cannot resolve them. Never throws: a failure is logged, and the backoff stands.
 */
export async function retryStuckUnderOtherCode(rt: Pick<EpisodeRuntime, 'store' | 'clock' | 'log' | 'fingerprint'>): Promise<void> {
  try {
    const retried = await rt.store.retryStuck({ exceptFingerprint: rt.fingerprint(), now: rt.clock.now() });
    if (retried > 0) rt.log('info', `retrying ${retried} stuck instance(s) now: they got stuck under other code or another version than this worker's`, { event: 'instance.retried', count: retried });
  } catch (error) {
    rt.log('warn', 'could not look for instances stuck under other code; they are retried after their backoff', { error });
  }
}
