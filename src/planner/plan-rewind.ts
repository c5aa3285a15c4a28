import { answeredSequence } from '../history/history-event-traits.js';
import { HistoryEventType, type ExecutionRewoundEvent, type HistoryEvent } from '../history/history-event.js';
import { withoutRewound } from '../history/rewound-history.js';
import type { InboxMessage } from '../ports/instance-store.js';
import type { HistoryView } from './history-view.js';

/** The rewind an episode applies, and the rewind messages it drops. */
export interface RewindIntake {
  /** The first queued ExecutionRewound, when the history ends in a failed execution: the episode applies it. */
  readonly message: (InboxMessage & { readonly event: ExecutionRewoundEvent }) | undefined;
  /** Every other ExecutionRewound queued: the execution is not failed (any more), or another rewind is applied. */
  readonly staleIds: readonly string[];
}

const isRewind = (message: InboxMessage): message is InboxMessage & { readonly event: ExecutionRewoundEvent } =>
  message.event.type === HistoryEventType.ExecutionRewound;

/**
 * Picks the rewind among the queued messages. Only a failed execution is rewound, once: a rewind that arrives after
 * another one brought the execution back (two operators, a retried request) changes nothing and is dropped.
 */
export function pickRewind(view: HistoryView, queued: readonly InboxMessage[]): RewindIntake {
  const rewinds = queued.filter(isRewind);
  if (rewinds.length === 0) return { message: undefined, staleIds: [] };
  const failed = view.ending?.type === HistoryEventType.ExecutionCompleted && view.ending.orchestrationStatus === 'Failed';
  const message = failed ? rewinds[0] : undefined;
  return { message, staleIds: rewinds.filter((m) => m !== message).map((m) => m.id) };
}

/**
 * The rewind event as the episode records it: with the actions it runs again — the activities, timers and
 * sub-orchestrations left without an answer once the rewind undid the failure (the failed ones, and any whose answer
 * came after the execution had failed and was dropped then), less those that `answers` (other messages applied in the
 * same episode) answer.
 */
export function recordedRewind(view: HistoryView, rewind: ExecutionRewoundEvent, answers: readonly HistoryEvent[]): ExecutionRewoundEvent {
  const events = withoutRewound([...view.events, rewind]);
  const open = new Map<number, boolean>();
  for (const event of [...events, ...answers]) {
    if (event.type === HistoryEventType.TaskScheduled || event.type === HistoryEventType.TimerCreated || event.type === HistoryEventType.SubOrchestrationInstanceCreated) {
      open.set(event.eventId, true);
    }
    const sequence = answeredSequence(event);
    if (sequence !== undefined) open.delete(sequence);
  }
  return { ...rewind, rerun: [...open.keys()].sort((a, b) => a - b) };
}
