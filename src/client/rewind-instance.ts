import { DurableError } from '../core/durable-error.js';
import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { HistoryEventType } from '../history/history-event.js';
import type { Clock } from '../ports/clock.js';
import type { InstanceStore } from '../ports/instance-store.js';

/**
 * The body of `DurableClient.rewind`: queues an ExecutionRewound message for the failed execution. The next episode
 * applies it (see `rewoundEvents` for what a rewind undoes): the instance turns Running, the failed activities and
 * sub-orchestrations run again (a failed child is rewound in turn), and the results the execution had are kept.
 * Like Durable Functions' `RewindAsync`, it returns once the rewind is queued, before the instance is Running.
 *
 * @throws InstanceNotFoundError when there is no such instance.
 * @throws DurableError `INSTANCE_NOT_FAILED` when the instance is not Failed (only a failed instance is rewound).
 */
export async function rewindInstance(store: InstanceStore, clock: Clock, instanceId: string, reason: string | undefined): Promise<void> {
  if (reason !== undefined && typeof reason !== 'string') throw new DurableError('INVALID_ARGUMENT', 'reason must be a string when given.');
  const state = await store.getInstance(instanceId);
  if (state === undefined || state.entity !== undefined) throw new InstanceNotFoundError(instanceId);
  if (state.runtimeStatus !== 'Failed') {
    throw new DurableError('INSTANCE_NOT_FAILED', `Instance '${instanceId}' is ${state.runtimeStatus}; only a Failed instance can be rewound.`);
  }
  const now = clock.now();
  // For this execution only: a rewind that reaches the instance after it was restarted is stale, and dropped.
  const sent = await store.sendMessage(instanceId, {
    type: HistoryEventType.ExecutionRewound, eventId: -1, timestamp: now, ...(reason === undefined ? {} : { reason }),
  }, { executionId: state.executionId, now });
  if (!sent) throw new InstanceNotFoundError(instanceId);
}
