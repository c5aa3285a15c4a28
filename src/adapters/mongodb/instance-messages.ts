import { DurableError } from '../../core/durable-error.js';
import { HistoryEventType, type HistoryEvent } from '../../history/history-event.js';
import type { InboxMessage, InstanceStore } from '../../ports/instance-store.js';
import { assertDate, assertKey } from './store-arguments.js';
import { newInboxDocument, toInboxMessage } from './storage-documents.js';
import { isDuplicateKey, type StoreCollections } from './store-collections.js';

/** How a message is sent: its dedupe key, the execution it is meant for, and the time. */
type SendOptions = Parameters<InstanceStore['sendMessage']>[2];

/**
 * The inbox of {@link MongoInstanceStore}: messages to instances (results, timer firings, raised events, control
 * events) queued in `<taskHub>.inbox` until an episode applies them. A message is inserted before its instance is
 * flagged, so that a worker that sees the flag always finds the message.
 */
export class InstanceMessages {
  readonly #c: StoreCollections;

  constructor(collections: StoreCollections) {
    this.#c = collections;
  }

  /** See `InstanceStore.sendMessage`. */
  async sendMessage(instanceId: string, event: HistoryEvent, options: SendOptions): Promise<boolean> {
    assertKey(instanceId, 'instanceId');
    assertDate(options.now, 'now');
    if (options.dedupeKey !== undefined) assertKey(options.dedupeKey, 'dedupeKey');
    if (options.executionId !== undefined) assertKey(options.executionId, 'executionId');
    if (event === null || typeof event !== 'object') throw new DurableError('INVALID_ARGUMENT', 'event must be a history event object.');

    const message = newInboxDocument(instanceId, event, options);
    // A termination is not held back by a scheduled start (startAt) or a stuck instance's retry backoff.
    const immediate = event.type === HistoryEventType.ExecutionTerminated;
    // The message first, then the flag: a worker that sees the flag always finds the message.
    try {
      await this.#c.inbox.insertOne(message);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The earlier copy is still queued, but its sender may have died (or lost the connection) between its insert
      // and its flag: flag again, or that copy would wait unseen forever. A spurious flag costs one empty episode.
      await this.#c.flagWork(instanceId, options.now, immediate);
      return false;
    }
    if (await this.#c.flagWork(instanceId, options.now, immediate)) return true;
    // No such instance: the message would never be read.
    await this.#c.inbox.deleteOne({ instanceId: message.instanceId, _id: message._id });
    return false;
  }

  /** See `InstanceStore.loadMessages`: oldest first (ties by ID, for a stable order). */
  async loadMessages(instanceId: string): Promise<InboxMessage[]> {
    assertKey(instanceId, 'instanceId');
    const docs = await this.#c.inbox.find({ instanceId }, { sort: { createdAt: 1, _id: 1 } }).toArray();
    return docs.map(toInboxMessage);
  }

  /** See `InstanceStore.deleteMessages`. */
  async deleteMessages(ids: readonly string[]): Promise<void> {
    ids.forEach((id, i) => assertKey(id, `ids[${i}]`));
    if (ids.length > 0) await this.#c.inbox.deleteMany({ _id: { $in: [...ids] } });
  }
}
