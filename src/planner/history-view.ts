import { HistoryEventType, type ContinueAsNewEvent, type ExecutionCompletedEvent, type ExecutionStartedEvent, type HistoryEvent } from '../history/history-event.js';
import { answeredSequence, isAnswerable } from '../history/history-event-traits.js';
import { withoutRewound } from '../history/rewound-history.js';
import type { HistoryChunk } from '../ports/instance-store.js';

// A rough size of an event in memory: a fixed overhead plus its string payloads (UTF-16, two bytes a character).
const EVENT_OVERHEAD_BYTES = 160;
function approximateEventBytes(event: HistoryEvent): number {
  let bytes = EVENT_OVERHEAD_BYTES;
  for (const value of Object.values(event)) {
    if (typeof value === 'string') bytes += 2 * value.length;
  }
  return bytes;
}

/**
 * What the runtime knows of an execution's committed history, kept up to date chunk by chunk: the events (for a full
 * replay and for the rare paths that read them), and the summaries an episode consults — which actions were scheduled
 * and answered, which inbox messages were consumed, how many activities are open — each updated in O(events appended),
 * so that the cost of an episode does not grow with the history.
 *
 * Owned by one session at a time (the runtime checks it out of its execution cache); {@link HistoryView.append} is its
 * only mutation, called with each chunk the session committed.
 */
export class HistoryView {
  readonly #events: HistoryEvent[] = [];
  readonly #scheduled = new Set<number>();
  readonly #answered = new Set<number>();
  readonly #consumed = new Set<string>();
  #openActivities = 0;
  #bytes = 0;
  #ending: ContinueAsNewEvent | ExecutionCompletedEvent | undefined;
  #lastUndispatched: HistoryChunk | undefined;

  /** The execution's first event, once committed (its span, its start). */
  get started(): ExecutionStartedEvent | undefined {
    const first = this.#events[0];
    return first?.type === HistoryEventType.ExecutionStarted ? first : this.#events[1]?.type === HistoryEventType.ExecutionStarted ? this.#events[1] : undefined;
  }

  /** The view of a history as loaded from the store. */
  static fromChunks(chunks: readonly HistoryChunk[]): HistoryView {
    const view = new HistoryView();
    for (const chunk of chunks) view.append(chunk);
    // Only the last chunk can still be undispatched (see the episode runner's recovery): an earlier flag is stale.
    const last = chunks.at(-1);
    view.#lastUndispatched = last?.undispatched === true ? last : undefined;
    return view;
  }

  /** Adds a committed chunk (its events follow the ones already here). */
  append(chunk: HistoryChunk): void {
    for (const event of chunk.events) {
      this.#events.push(event);
      this.#bytes += approximateEventBytes(event);
      this.#summarize(event);
    }
    for (const id of chunk.consumedMessageIds) this.#consumed.add(id);
    this.#lastUndispatched = undefined;
    if (chunk.events.some((event) => event.type === HistoryEventType.ExecutionRewound)) this.#readRewound();
  }

  /** Adds an event to the summaries (scheduled, answered, open activities, ending). */
  #summarize(event: HistoryEvent): void {
    if (isAnswerable(event)) {
      this.#scheduled.add(event.eventId);
      if (event.type === HistoryEventType.TaskScheduled) this.#openActivities++;
    }
    const sequence = answeredSequence(event);
    if (sequence !== undefined && !this.#answered.has(sequence)) {
      // The first answer closes the action (a cancellation the code made included); whatever follows is a duplicate.
      this.#answered.add(sequence);
      if (event.type === HistoryEventType.TaskCompleted || event.type === HistoryEventType.TaskFailed || event.type === HistoryEventType.TaskCancelRequested) this.#openActivities--;
    }
    if (event.type === HistoryEventType.ContinueAsNew || event.type === HistoryEventType.ExecutionCompleted) this.#ending ??= event;
  }

  /** A rewind undid events before it (its failed ending, failures): the summaries are read again without them. */
  #readRewound(): void {
    this.#scheduled.clear();
    this.#answered.clear();
    this.#openActivities = 0;
    this.#ending = undefined;
    for (const event of withoutRewound(this.#events)) this.#summarize(event);
  }

  /** Number of events: the index at which the next chunk starts. */
  get length(): number {
    return this.#events.length;
  }

  /** The events, in order. Not to be modified. */
  get events(): readonly HistoryEvent[] {
    return this.#events;
  }

  /** Activities scheduled and not answered yet. */
  get openActivities(): number {
    return this.#openActivities;
  }

  /** A rough size of the events in memory, in bytes (for bounding a cache). */
  get approximateBytes(): number {
    return this.#bytes;
  }

  /** The event that ended the execution, if the history records one. */
  get ending(): ContinueAsNewEvent | ExecutionCompletedEvent | undefined {
    return this.#ending;
  }

  /** The last chunk as loaded, when it was committed but its actions not (known to be) dispatched yet. */
  get undispatchedChunk(): HistoryChunk | undefined {
    return this.#lastUndispatched;
  }

  /** Whether an action with this sequence number was recorded. */
  isScheduled(sequence: number): boolean {
    return this.#scheduled.has(sequence);
  }

  /** Whether the action with this sequence number has its answer in history. */
  isAnswered(sequence: number): boolean {
    return this.#answered.has(sequence);
  }

  /** Whether a committed chunk applied this inbox message. */
  consumed(messageId: string): boolean {
    return this.#consumed.has(messageId);
  }
}
