// streamChunks reads an execution's history documents one at a time, in index order, and must rebuild exactly the
// episodes assembleChunks rebuilds from all of them: split episodes whole, parts of lost commit attempts skipped.
import { describe, expect, it } from '@jest/globals';
import { assembleChunks, episodeDocuments, streamChunks } from '../../../src/adapters/mongodb/history-chunks.js';
import type { HistoryDocument } from '../../../src/adapters/mongodb/storage-documents.js';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import { HistoryEventType } from '../../../src/history/history-event.js';

const T0 = new Date(Date.UTC(2026, 0, 1));

function raised(n: number, bytes: number): HistoryEvent[] {
  return Array.from({ length: n }, (_, i): HistoryEvent => ({
    type: HistoryEventType.EventRaised, eventId: -1, timestamp: T0, name: `e${i}`, input: JSON.stringify('z'.repeat(bytes)),
  }));
}

function episode(firstEventIndex: number, events: HistoryEvent[], commitId: string, maxBytes = 1_000): HistoryDocument[] {
  const { head, parts } = episodeDocuments({
    instanceId: 'i', executionId: 'x', chunk: { firstEventIndex, events, consumedMessageIds: [`m${firstEventIndex}`], undispatched: false }, commitId, now: T0, maxBytes,
  });
  return [head, ...parts];
}

async function* inIndexOrder(docs: HistoryDocument[]): AsyncGenerator<HistoryDocument> {
  for (const doc of [...docs].sort((a, b) => a.firstEventIndex - b.firstEventIndex)) yield await Promise.resolve(doc);
}

async function collect(docs: HistoryDocument[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of streamChunks(inIndexOrder(docs))) out.push(chunk);
  return out;
}

describe('streamChunks', () => {
  it('rebuilds small and split episodes as assembleChunks does, skipping parts of a lost commit attempt', async () => {
    const first = episode(0, raised(2, 10), 'c0');
    const split = episode(2, raised(6, 400), 'c1');
    expect(split.length).toBeGreaterThan(2);
    // A lost attempt at the same episode, split differently: its parts must never join the winner.
    const lostParts = episode(2, raised(5, 300), 'lost').slice(1);
    const last = episode(8, raised(3, 400), 'c2');
    const docs = [...first, ...split, ...lostParts, ...last];
    const streamed = await collect(docs);
    expect(streamed).toEqual(assembleChunks(docs));
    expect(streamed.map((c) => (c as { events: unknown[] }).events.length)).toEqual([2, 6, 3]);
  });

  it('reports a split episode whose parts are missing', async () => {
    const split = episode(0, raised(6, 400), 'c1');
    await expect(collect(split.slice(0, -1))).rejects.toMatchObject({ code: 'CORRUPT_HISTORY' });
  });

  it('yields nothing for an empty history', async () => {
    expect(await collect([])).toEqual([]);
  });
});
