import { InstanceStateConflictError } from '../core/errors/instance-state-conflict-error.js';
import { HistoryEventType } from '../history/history-event.js';
import type { InstanceState, InstanceStore } from '../ports/instance-store.js';

/**
 * Refuses a suspend of an instance that is suspended, or a resume of one that is not, before anything is written. The
 * state is the stored status with the suspends and resumes still queued for the current execution applied in order:
 * `suspend` then `resume` at once is fine although no worker has applied the suspend yet. (Two clients racing with
 * the same request can both pass the check; the engine treats a repeated suspend or resume as a no-op.)
 * @throws InstanceStateConflictError
 */
export async function assertSuspension(store: InstanceStore, state: InstanceState, operation: 'suspend' | 'resume'): Promise<void> {
  let suspended = state.runtimeStatus === 'Suspended';
  for (const message of await store.loadMessages(state.instanceId)) {
    if (message.executionId !== undefined && message.executionId !== state.executionId) continue;
    if (message.event.type === HistoryEventType.ExecutionSuspended) suspended = true;
    else if (message.event.type === HistoryEventType.ExecutionResumed) suspended = false;
  }
  if (suspended === (operation === 'suspend')) {
    throw new InstanceStateConflictError(state.instanceId, operation, suspended ? 'Suspended' : state.runtimeStatus);
  }
}
