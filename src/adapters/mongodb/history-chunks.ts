/**
 * How an episode's events become history documents and back. An episode is normally one "head" document; when its
 * events exceed {@link MAX_CHUNK_EVENT_BYTES} the rest go into "part" documents that are written *before* the head
 * and tagged with the commit attempt's ID. The head is the commit point: until it exists the parts are invisible,
 * and parts whose commit attempt has no head (it lost the race, or crashed) are ignored. So an episode is in history
 * entirely or not at all.
 *
 * @module
 */
import { calculateObjectSize } from 'bson';
import { DurableError } from '../../core/durable-error.js';
import { PayloadTooLargeError } from '../../core/errors/payload-too-large-error.js';
import type { HistoryEvent } from '../../history/history-event.js';
import { historyEventBytes } from '../../history/history-event-size.js';
import type { HistoryChunk } from '../../ports/instance-store.js';
import { headId, MAX_CHUNK_EVENT_BYTES, MAX_EVENT_BYTES, partId, type HistoryDocument } from './storage-documents.js';

/**
 * Splits events into consecutive groups of at most `maxBytes` of BSON each (an event larger than that alone gets a
 * group of its own). `reserved` is taken from the first group's budget (the head also carries the consumed message
 * IDs).
 * @throws PayloadTooLargeError for an event that no document could hold (checked before anything is written).
 */
export function splitEvents(events: readonly HistoryEvent[], maxBytes = MAX_CHUNK_EVENT_BYTES, reserved = 0): HistoryEvent[][] {
  const groups: HistoryEvent[][] = [];
  let current: HistoryEvent[] = [];
  let size = reserved;
  for (const event of events) {
    // An array element costs its type byte, its decimal index as a C string, and the embedded document.
    const eventSize = 1 + String(current.length).length + 1 + calculateObjectSize(event, { ignoreUndefined: true });
    if (eventSize > MAX_EVENT_BYTES) {
      throw new PayloadTooLargeError(`The ${event.type} history event`, eventSize, MAX_EVENT_BYTES);
    }
    if (current.length > 0 && size + eventSize > maxBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += eventSize;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The bytes of events as `historySize` sums them: each one's {@link historyEventBytes} (its JSON text in UTF-8). */
export function eventBytes(events: readonly HistoryEvent[]): number {
  let bytes = 0;
  for (const event of events) bytes += historyEventBytes(event);
  return bytes;
}

/** The documents of one committed episode: `[head, ...parts]`. */
export function episodeDocuments(options: {
  readonly instanceId: string;
  readonly executionId: string;
  readonly chunk: HistoryChunk;
  readonly commitId: string;
  readonly now: Date;
  readonly maxBytes?: number;
}): { head: HistoryDocument; parts: HistoryDocument[] } {
  const { instanceId, executionId, chunk, commitId, now } = options;
  const consumedMessageIds = [...chunk.consumedMessageIds];
  const groups = splitEvents(chunk.events, options.maxBytes, calculateObjectSize({ consumedMessageIds }));
  const [first = [], ...rest] = groups;
  const head: HistoryDocument = {
    _id: headId(instanceId, executionId, chunk.firstEventIndex),
    instanceId,
    executionId,
    firstEventIndex: chunk.firstEventIndex,
    events: first,
    consumedMessageIds,
    undispatched: chunk.undispatched,
    eventCount: chunk.events.length,
    eventBytes: eventBytes(chunk.events),
    createdAt: now,
  };
  if (rest.length === 0) return { head, parts: [] };
  head.commitId = commitId;
  const parts: HistoryDocument[] = [];
  let index = chunk.firstEventIndex + first.length;
  rest.forEach((events, i) => {
    parts.push({
      _id: partId(instanceId, executionId, index, commitId),
      instanceId,
      executionId,
      firstEventIndex: index,
      events,
      createdAt: now,
      commitId,
      part: i + 1,
      episodeFirstEventIndex: chunk.firstEventIndex,
    });
    index += events.length;
  });
  return { head, parts };
}

/**
 * Rebuilds the committed episodes from an execution's history documents (any order). Parts join their head when
 * they carry its commit ID; others are leftovers of a commit that never happened and are skipped.
 * @throws DurableError with code `CORRUPT_HISTORY` when a head's parts are missing (deleted by hand?).
 */
export function assembleChunks(docs: readonly HistoryDocument[]): HistoryChunk[] {
  const partsByCommit = new Map<string, HistoryDocument[]>();
  const heads: HistoryDocument[] = [];
  for (const doc of docs) {
    if (doc.part === undefined || doc.part === null) {
      heads.push(doc);
    } else if (doc.commitId != null) {
      const list = partsByCommit.get(doc.commitId) ?? [];
      list.push(doc);
      partsByCommit.set(doc.commitId, list);
    }
  }
  heads.sort((a, b) => a.firstEventIndex - b.firstEventIndex);
  return heads.map((head) => {
    let events = head.events;
    if (head.commitId != null) {
      const parts = (partsByCommit.get(head.commitId) ?? [])
        .filter((p) => p.episodeFirstEventIndex === head.firstEventIndex)
        .sort((a, b) => (a.part ?? 0) - (b.part ?? 0));
      events = [...events, ...parts.flatMap((p) => p.events)];
    }
    return toChunk(head, events);
  });
}

/**
 * {@link assembleChunks} for documents read one at a time, in `firstEventIndex` order (the order of the history
 * index): a head's parts follow it, before the next head (their events come before the next episode's), so each
 * episode is complete — and yielded — when the next head or the end arrives. Parts of other commit attempts are
 * skipped as they pass. Memory holds one episode at a time.
 * @throws DurableError with code `CORRUPT_HISTORY` when a head's parts are missing.
 */
export async function* streamChunks(docs: AsyncIterable<HistoryDocument>): AsyncGenerator<HistoryChunk> {
  let head: HistoryDocument | undefined;
  let events: HistoryEvent[] = [];
  for await (const doc of docs) {
    if (doc.part === undefined || doc.part === null) {
      if (head !== undefined) yield toChunk(head, events);
      head = doc;
      events = [...doc.events];
    } else if (head?.commitId != null && doc.commitId === head.commitId && doc.episodeFirstEventIndex === head.firstEventIndex) {
      events.push(...doc.events);
    }
  }
  if (head !== undefined) yield toChunk(head, events);
}

/** A head and all its events as a chunk, once its event count is checked. */
function toChunk(head: HistoryDocument, events: readonly HistoryEvent[]): HistoryChunk {
  if (head.eventCount != null && events.length !== head.eventCount) {
    throw new DurableError(
      'CORRUPT_HISTORY',
      `The history of instance '${head.instanceId}' (execution ${head.executionId}) is damaged: the episode at event ` +
        `${head.firstEventIndex} has ${events.length} of its ${head.eventCount} events. Its history documents were ` +
        'modified outside Durably; restore them from a backup or purge the instance.',
    );
  }
  return {
    firstEventIndex: head.firstEventIndex,
    events,
    consumedMessageIds: head.consumedMessageIds ?? [],
    undispatched: head.undispatched === true,
  };
}
