import { encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { InstanceAlreadyExistsError } from '../core/errors/instance-already-exists-error.js';
import { TimeoutError } from '../core/errors/timeout-error.js';
import { HistoryEventType } from '../history/history-event.js';
import { TERMINAL_STATUSES, type InstanceStart, type InstanceStore, type RuntimeStatus } from '../ports/instance-store.js';
import type { DurableClientOptions } from './durable-client-options.js';

/**
 * What `startNew` does when its `instanceId` is already taken (Durable Functions' "orchestration ID reuse policy",
 * Temporal's ID conflict and reuse policies).
 *
 * @example
 * ```ts
 * // One nightly report at a time: a second start returns the running one's ID instead of failing.
 * await client.startNew(NightlyReport, { instanceId: 'report-2024-05-01', ifRunning: 'useExisting' });
 * // Replace whatever runs under the ID (it is terminated, with its sub-orchestrations), and never re-run a finished day.
 * await client.startNew(NightlyReport, { instanceId: 'report-2024-05-01', ifRunning: 'terminate', ifFinished: 'fail' });
 * ```
 */
export interface InstanceIdPolicy {
  /**
   * When an instance with this ID is Pending, Running or Suspended: `'fail'` (the default) throws
   * `InstanceAlreadyExistsError`; `'useExisting'` starts nothing and returns the ID (the input is ignored);
   * `'terminate'` terminates it — recorded in its history like `client.terminate(id, reason, { recursive: true })`,
   * so its running sub-orchestrations end too — waits until a worker has ended it (at most 60 s, else
   * `TimeoutError`: no worker runs), then starts the new instance.
   */
  readonly ifRunning?: 'fail' | 'useExisting' | 'terminate';
  /**
   * When an instance with this ID has finished (Completed, Failed, Terminated, Canceled): `'start'` (the default)
   * replaces it — its old history is deleted; `'fail'` throws `InstanceAlreadyExistsError` (its `runtimeStatus` the
   * finished one's). An instance that `ifRunning: 'terminate'` has just terminated is always replaced.
   */
  readonly ifFinished?: 'start' | 'fail';
}

const IF_RUNNING = new Set(['fail', 'useExisting', 'terminate']);
const IF_FINISHED = new Set(['start', 'fail']);
// How long `ifRunning: 'terminate'` waits for a worker to end the running instance.
const TERMINATE_WAIT_MS = 60_000;

/** Checks the policy's values (before anything is written). @throws DurableError `INVALID_ARGUMENT` */
export function checkInstanceIdPolicy(policy: InstanceIdPolicy): void {
  if (policy.ifRunning !== undefined && !IF_RUNNING.has(policy.ifRunning)) {
    throw new DurableError('INVALID_ARGUMENT', `ifRunning must be 'fail', 'useExisting' or 'terminate', got ${String(policy.ifRunning)}`);
  }
  if (policy.ifFinished !== undefined && !IF_FINISHED.has(policy.ifFinished)) {
    throw new DurableError('INVALID_ARGUMENT', `ifFinished must be 'start' or 'fail', got ${String(policy.ifFinished)}`);
  }
}

/**
 * Creates the instance under the policy. Every decision rests on the store's atomic create (one instance document per
 * ID; a finished one is replaced only as the execution that was read), so concurrent starts of one ID leave exactly
 * one instance running: `fail` starts lose with `InstanceAlreadyExistsError`, `useExisting` ones return the winner's ID,
 * and each `terminate` one terminates the execution it found — addressed to that execution, so the message can never
 * end a later one — before trying again.
 */
export async function createWithPolicy(
  store: InstanceStore, options: DurableClientOptions, start: InstanceStart, policy: InstanceIdPolicy,
): Promise<void> {
  const deadline = Date.now() + TERMINATE_WAIT_MS;
  let terminated: string | undefined;
  for (;;) {
    try {
      // After terminating the running execution, the ID is finished by this start's own doing: replace it.
      await store.createInstance({ ...start, ifFinished: policy.ifFinished === 'fail' && terminated === undefined ? 'fail' : 'replace' });
      options.log?.('info', `started instance '${start.instanceId}' (${start.name})`, {
        event: 'instance.started', instanceId: start.instanceId, executionId: start.executionId, name: start.name,
      });
      return;
    } catch (error) {
      if (!(error instanceof InstanceAlreadyExistsError) || TERMINAL_STATUSES.has(error.runtimeStatus as RuntimeStatus)) throw error;
      if (policy.ifRunning === 'useExisting') return;
      if (policy.ifRunning !== 'terminate') throw error;
    }
    const running = await store.getInstance(start.instanceId);
    if (running === undefined || TERMINAL_STATUSES.has(running.runtimeStatus)) continue;
    await store.sendMessage(start.instanceId, {
      type: HistoryEventType.ExecutionTerminated, eventId: -1, timestamp: options.clock.now(), recursive: true,
      reason: encodePayload(`Terminated by a new start of instance '${start.instanceId}' (ifRunning: 'terminate')`, 'reason'),
    }, { executionId: running.executionId, now: options.clock.now() });
    options.wake();
    await waitUntilEnded(store, options, start.instanceId, running.executionId, deadline);
    terminated = running.executionId;
  }
}

/** Polls until `executionId` is no longer the instance's running execution. @throws TimeoutError after `deadline`. */
async function waitUntilEnded(store: InstanceStore, options: DurableClientOptions, instanceId: string, executionId: string, deadline: number): Promise<void> {
  let delay = 10;
  for (;;) {
    const state = await store.getInstance(instanceId);
    if (state === undefined || state.executionId !== executionId || TERMINAL_STATUSES.has(state.runtimeStatus)) return;
    if (Date.now() >= deadline) {
      throw new TimeoutError(
        `startNew(ifRunning: 'terminate'): instance '${instanceId}' was sent a termination but did not end within ${TERMINATE_WAIT_MS / 1000} s ` +
        '(is a worker running?). The termination stays queued; the new instance was not started.',
      );
    }
    if (options.whileWaiting !== undefined && await options.whileWaiting()) continue;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 250);
  }
}
