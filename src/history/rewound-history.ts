import { roleOf } from './history-event-traits.js';
import { HistoryEventType, type HistoryEvent } from './history-event.js';

/**
 * What the rewinds of an execution undid: the indexes of the events that replay, and the runtime's view of the
 * history, treat as not having happened.
 *
 * An ExecutionRewound that follows an ExecutionCompleted(Failed) undoes, among the events before it that no earlier
 * rewind undid:
 * - that ExecutionCompleted;
 * - every TaskFailed and SubOrchestrationInstanceFailed recorded after the code's last action (the last `records`
 *   event): the failures the execution ended on, which the code had not answered with another step. Their tasks are
 *   pending again, so replay waits for them, and the rewind runs them again.
 *
 * Everything else stays: every result (a succeeded activity is never run again), and a failure the code went on from
 * (it caught it, or a retry policy scheduled the next attempt) — replay takes the same path past it. When the failure
 * was the code's own (no failed task after its last action), only the ending is undone: the code runs again from its
 * history, and fails again if it fails the same way. An ExecutionRewound that follows no failed ending undoes nothing.
 * Pure; O(events).
 */
export function rewoundEvents(events: readonly HistoryEvent[]): ReadonlySet<number> {
  const undone = new Set<number>();
  let lastRecord = -1;
  let failedEnding: number | undefined;
  events.forEach((event, index) => {
    switch (event.type) {
      case HistoryEventType.ExecutionCompleted:
        failedEnding = event.orchestrationStatus === 'Failed' ? index : undefined;
        return;
      case HistoryEventType.ExecutionRewound:
        if (failedEnding === undefined) return;
        undone.add(failedEnding);
        for (let i = lastRecord + 1; i < index; i++) if (!undone.has(i) && isFailureAnswer(events[i] as HistoryEvent)) undone.add(i);
        failedEnding = undefined;
        return;
      default:
        if (roleOf(event) === 'records') lastRecord = index;
    }
  });
  return undone;
}

/** The events of a history as its rewinds left them: the history without the events {@link rewoundEvents} undid. */
export function withoutRewound(events: readonly HistoryEvent[]): readonly HistoryEvent[] {
  if (!events.some((event) => event.type === HistoryEventType.ExecutionRewound)) return events;
  const undone = rewoundEvents(events);
  return events.filter((_, index) => !undone.has(index));
}

/** A failure answer that a rewind can undo: an activity's or a sub-orchestration's. */
function isFailureAnswer(event: HistoryEvent): boolean {
  return event.type === HistoryEventType.TaskFailed || event.type === HistoryEventType.SubOrchestrationInstanceFailed;
}
