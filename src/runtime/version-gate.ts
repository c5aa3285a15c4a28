import { VersionMismatchError } from '../core/errors/version-mismatch-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import { TERMINAL_STATUSES, type WorkItem } from '../ports/instance-store.js';
import type { EpisodeRuntime, Release } from './episode-runtime.js';
import { acceptsVersion } from './versioning-options.js';

// How long an instance this worker should not have claimed waits before any worker claims it again.
const GIVE_BACK_DELAY_MS = 5_000;

/**
 * Keeps a claimed instance whose orchestration version this worker's `versioning.match` does not accept from running
 * here. With `onMismatch: 'fail'` it is failed with a {@link VersionMismatchError} (its parent told, like any failed
 * child); with `'reject'` the claim itself leaves such instances alone, so one only gets here through a race with a
 * start that changed the instance: it is given back, uncounted, for a while. Returns true when the instance was kept
 * from running (the caller ends the session with `release`).
 */
export async function refuseMismatchedVersion(rt: EpisodeRuntime, item: WorkItem, release: Release): Promise<boolean> {
  const { instance } = item;
  if (acceptsVersion(rt.versioning, instance.orchestrationVersion) || TERMINAL_STATUSES.has(instance.runtimeStatus)) return false;
  rt.cache.delete(instance.instanceId);
  const { match } = rt.versioning;
  if (match === 'none') return false;
  const now = rt.clock.now();
  if (rt.versioning.onMismatch === 'reject') {
    Object.assign(release, { succeeded: false, uncounted: true, moreWork: true, retryAt: new Date(now.getTime() + GIVE_BACK_DELAY_MS) });
    return true;
  }
  const error = new VersionMismatchError({ instanceId: instance.instanceId, instanceVersion: instance.orchestrationVersion, workerVersion: rt.versioning.version, match });
  const failure = { ...failureDetailsFrom(error), isNonRetriable: true };
  rt.log('error', error.message, { event: 'instance.failed', instanceId: instance.instanceId, executionId: instance.executionId, name: instance.name, error });
  await rt.store.markStuck(instance.instanceId, item.leaseToken, failure, { fail: true, now });
  await rt.dispatcher.reportFailureToParent(instance, failure);
  return true;
}
