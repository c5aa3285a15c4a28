import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { TimeoutError } from '../core/errors/timeout-error.js';
import { TERMINAL_STATUSES, type InstanceStore } from '../ports/instance-store.js';
import type { WorkNotifications } from '../ports/work-notifications.js';
import { FinishedWatch } from './finished-watch.js';
import { historySizeOf, toOrchestrationStatus, type OrchestrationStatus } from './orchestration-status.js';

/** While notices come, a waiter re-reads the status this often anyway (a notice can be lost with its feed). */
const NOTIFIED_REREAD_MS = 1_000;

/** What {@link waitForCompletion} reads and listens to. */
export interface CompletionWaitDeps {
  readonly store: InstanceStore;
  readonly notifications?: WorkNotifications;
  /** See `DurableClientOptions.whileWaiting`. */
  readonly whileWaiting?: () => Promise<boolean>;
}

/**
 * `DurableClient.waitForCompletion`: reads the instance until it is finished or `timeoutMs` passed. With a live feed
 * of notices, each read after the first waits for the instance's finish notice (or a second, as a safety net); without
 * one it polls with a backoff from 10 to 250 ms.
 *
 * @throws InstanceNotFoundError, TimeoutError
 */
export async function waitForCompletion(deps: CompletionWaitDeps, instanceId: string, timeoutMs: number): Promise<OrchestrationStatus> {
  const deadline = Date.now() + timeoutMs;
  // Listening before the first read: a finish after it is noticed.
  const watch = deps.notifications === undefined ? undefined : await FinishedWatch.open(deps.notifications, instanceId);
  try {
    let delay = 10;
    // Told that it finished: the history's size is read beside the status (for the execution read last time).
    let told: { readonly executionId: string } | undefined;
    for (;;) {
      // Polled without the history's size (a query of its own); the answer has it.
      const [state, size] = await Promise.all([
        deps.store.getInstance(instanceId),
        told === undefined ? undefined : deps.store.historySize(instanceId, told.executionId),
      ]);
      if (state === undefined) throw new InstanceNotFoundError(instanceId);
      const status = toOrchestrationStatus(state, {});
      if (TERMINAL_STATUSES.has(status.runtimeStatus)) {
        const sized = size !== undefined && told?.executionId === state.executionId ? { historyLength: size.events, historySizeBytes: size.bytes } : await historySizeOf(deps.store, state);
        return { ...status, ...sized };
      }
      if (Date.now() >= deadline) throw new TimeoutError(`Instance '${instanceId}' did not complete within ${timeoutMs} ms (it is ${status.runtimeStatus})`);
      if (deps.whileWaiting !== undefined && await deps.whileWaiting()) {
        delay = 10;
        continue;
      }
      const remaining = Math.max(1, deadline - Date.now());
      if (watch?.live === true) {
        told = await watch.wait(Math.min(NOTIFIED_REREAD_MS, remaining)) ? { executionId: state.executionId } : undefined;
      } else {
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, remaining)));
        delay = Math.min(delay * 2, 250);
      }
    }
  } finally {
    watch?.close();
  }
}
