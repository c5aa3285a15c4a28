import { DurableError } from '../core/durable-error.js';
import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { assertVersion } from '../core/orchestration-version.js';
import { TERMINAL_STATUSES, type InstanceStart, type InstanceStore } from '../ports/instance-store.js';
import type { DurableClientOptions } from './durable-client-options.js';

/**
 * The orchestration version a start records: the one `startNew` was given, else the app's `version`, else none.
 * @throws DurableError with code `INVALID_ARGUMENT` for a version that is not a non-empty string of at most 100 characters.
 */
export function startVersion(version: unknown, appVersion: string | undefined): Pick<InstanceStart, 'orchestrationVersion'> {
  if (version === undefined) return appVersion === undefined ? {} : { orchestrationVersion: appVersion };
  assertVersion(version, 'startNew: version');
  return { orchestrationVersion: version };
}

/**
 * `client.retryNow`: a stuck instance (its code cannot run its history: non-determinism, an unknown orchestrator) is
 * retried by the next worker that looks for work, instead of after its stuck backoff — for the operator who just
 * deployed the fix. Retrying an instance that a worker is already retrying, or whose retry is due, changes nothing.
 * @throws InstanceNotFoundError when there is no such instance; DurableError with code `INSTANCE_NOT_STUCK` when it is
 *   not stuck (it runs normally, or has finished).
 */
export async function retryStuckInstance(store: InstanceStore, options: Pick<DurableClientOptions, 'clock' | 'wake'>, instanceId: string): Promise<void> {
  if (typeof instanceId !== 'string' || instanceId.length === 0) throw new DurableError('INVALID_INSTANCE_ID', 'instanceId must be a non-empty string');
  if (await store.retryStuck({ instanceId, now: options.clock.now() }) > 0) {
    options.wake();
    return;
  }
  const state = await store.getInstance(instanceId);
  if (state === undefined) throw new InstanceNotFoundError(instanceId);
  if (state.stuck === undefined || TERMINAL_STATUSES.has(state.runtimeStatus)) {
    throw new DurableError('INSTANCE_NOT_STUCK', `Instance '${instanceId}' is ${state.runtimeStatus} and not stuck: there is nothing to retry.`);
  }
  // Stuck, and its retry is due already or a worker is retrying it right now.
  options.wake();
}
