import { HistoryEventType, type ExecutionTerminatedEvent, type HistoryEvent } from '../history/history-event.js';
import type { InstanceState, InstanceStore } from '../ports/instance-store.js';

/**
 * The dedupe key of the terminate message a terminated parent sends to one of its sub-orchestrations: one per
 * (parent, execution, child), so a re-dispatch after a crash queues no second copy. Persisted.
 */
export function childTerminationKey(parentInstanceId: string, parentExecutionId: string, childInstanceId: string): string {
  return JSON.stringify(['terminate-child', parentInstanceId, parentExecutionId, childInstanceId]);
}

/**
 * Carries out a recursive termination — part of dispatching the chunk that ended `instance` as Terminated: sends a
 * terminate message, with the same reason and itself recursive, to every sub-orchestration of this execution that has
 * not finished. Each child's own dispatch does the same for its children, so the cascade runs one level per episode,
 * durably: the chunk stays undispatched until this returns, and a re-dispatch after a crash sends what is missing
 * (the dedupe key keeps it to one queued message per child; a child that has finished meanwhile is not read).
 *
 * `events` is the committed chunk: the termination it applied says whether to recurse (absent, or `recursive: false`:
 * nothing is sent). The children are read from the store a batch at a time (the parent index), so a parent with many
 * children costs one message each and bounded memory. Returns how many messages were sent (instances given work).
 */
export async function terminateChildren(
  store: InstanceStore, instance: InstanceState, events: readonly HistoryEvent[], now: Date,
): Promise<number> {
  const terminations = events.filter((e): e is ExecutionTerminatedEvent => e.type === HistoryEventType.ExecutionTerminated);
  // Two terminations applied in one episode: recursive if either asked; the reason is the last one's, as the engine's.
  const termination = terminations.at(-1);
  if (termination === undefined || !terminations.some((t) => t.recursive === true)) return 0;
  const { instanceId, executionId } = instance;
  let sent = 0;
  for await (const child of store.readChildren(instanceId, { parentExecutionId: executionId, activeOnly: true })) {
    const message: ExecutionTerminatedEvent = {
      type: HistoryEventType.ExecutionTerminated, eventId: -1, timestamp: now, recursive: true,
      ...(termination.reason === undefined ? {} : { reason: termination.reason }),
    };
    // To whatever execution the child is in (a child that continued as new is still this parent's).
    if (await store.sendMessage(child.instanceId, message, { dedupeKey: childTerminationKey(instanceId, executionId, child.instanceId), now })) sent++;
  }
  return sent;
}
