import type { HistorySize } from '../../ports/history-size.js';
import { assembleChunks, eventBytes } from './history-chunks.js';
import { assertKey } from './store-arguments.js';
import type { HistoryDocument } from './storage-documents.js';
import type { StoreCollections } from './store-collections.js';

/**
 * See `InstanceStore.historySize`: the sum of the `eventCount` and `eventBytes` each episode's head records — small
 * fields of one document per episode, no events read. Heads written before `eventBytes` was recorded are counted from
 * their events (the whole history is then read once).
 */
export async function readHistorySize(c: StoreCollections, instanceId: string, executionId: string): Promise<HistorySize> {
  assertKey(instanceId, 'instanceId');
  assertKey(executionId, 'executionId');
  const heads = c.history.find<Pick<HistoryDocument, 'eventCount' | 'eventBytes'>>(
    { instanceId, executionId, part: { $exists: false } },
    { projection: { _id: 0, eventCount: 1, eventBytes: 1 }, sort: { firstEventIndex: 1 } },
  );
  let events = 0;
  let bytes = 0;
  for await (const head of heads) {
    if (typeof head.eventCount !== 'number' || typeof head.eventBytes !== 'number') return countFromEvents(c, instanceId, executionId);
    events += head.eventCount;
    bytes += head.eventBytes;
  }
  return { events, bytes };
}

async function countFromEvents(c: StoreCollections, instanceId: string, executionId: string): Promise<HistorySize> {
  const chunks = assembleChunks(await c.history.find({ instanceId, executionId }).toArray());
  let events = 0;
  let bytes = 0;
  for (const chunk of chunks) {
    events += chunk.events.length;
    bytes += eventBytes(chunk.events);
  }
  return { events, bytes };
}
