import { MongoServerError, type Collection, type Db, type MongoClient } from 'mongodb';
import { CollectionSuffix } from './collection-suffix.js';
import { flagWorkPipeline } from './instance-updates.js';
import type { HistoryDocument, InboxDocument, InstanceDocument } from './storage-documents.js';

/**
 * A task hub's orchestration collections — `<taskHub>.instances`, `<taskHub>.history` and `<taskHub>.inbox` — shared
 * by the parts of {@link MongoInstanceStore}, with the writes more than one part makes.
 */
export class StoreCollections {
  /** One document per instance: status, lease, work flags. */
  readonly instances: Collection<InstanceDocument>;
  /** One document per committed episode (or part of a split one). */
  readonly history: Collection<HistoryDocument>;
  /** Messages to instances not applied yet. */
  readonly inbox: Collection<InboxDocument>;

  /**
   * @param db - The database holding the task hub's collections.
   * @param taskHub - The task hub name, already validated (see assertValidTaskHub).
   */
  constructor(db: Db, taskHub: string) {
    // Optional fields that are undefined are left out of stored documents, so that they read back as absent
    // (undefined) rather than null: events load back deep-equal to what was committed.
    const collectionOptions = { ignoreUndefined: true };
    this.instances = db.collection<InstanceDocument>(`${taskHub}.${CollectionSuffix.Instances}`, collectionOptions);
    this.history = db.collection<HistoryDocument>(`${taskHub}.${CollectionSuffix.History}`, collectionOptions);
    this.inbox = db.collection<InboxDocument>(`${taskHub}.${CollectionSuffix.Inbox}`, collectionOptions);
    this.client = db.client;
  }

  /** The client of the database, for writes that span collections (`MongoClient.bulkWrite`). */
  readonly client: MongoClient;

  /**
   * Flags an instance as having work (see {@link flagWorkPipeline}); `immediate` makes it claimable now, whatever it
   * was waiting for.
   * @returns false when the instance does not exist.
   */
  async flagWork(instanceId: string, now: Date, immediate = false): Promise<boolean> {
    const result = await this.instances.updateOne({ _id: instanceId }, flagWorkPipeline(now, { immediate }));
    return result.matchedCount === 1;
  }

  /** Deletes history documents of every execution but the current one (old executions, stale late writes). */
  async deleteHistoryExcept(instanceId: string, executionId: string): Promise<void> {
    await this.history.deleteMany({ instanceId, executionId: { $ne: executionId } });
  }
}

/** Whether a write failed because a unique index already holds its key (MongoDB error 11000). */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}
