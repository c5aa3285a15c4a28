import { MongoClientBulkWriteError, MongoServerError, type ClientBulkWriteModel, type Document, type MongoClient, type UpdateFilter, type Filter, type WriteConcern } from 'mongodb';
import type { HistoryDocument, InstanceDocument } from './storage-documents.js';

/** How an episode commit sent as one request ended. */
export type OneRequestOutcome =
  /** The history went in and the instance was updated. */
  | 'committed'
  /** Another chunk holds the head's `_id`: nothing after the collision ran. */
  | 'collided'
  /** The history went in but the instance did not match (the lease was lost). */
  | 'missed'
  /** The server has no `bulkWrite` command (MongoDB before 8.0), or this user may not run it: nothing ran. */
  | 'unsupported';

/** What {@link commitInOneRequest} writes: the history documents in order (the head last), then the instance update. */
export interface OneRequestCommit {
  readonly client: MongoClient;
  readonly historyNamespace: string;
  readonly instancesNamespace: string;
  readonly documents: readonly HistoryDocument[];
  readonly instanceFilter: Filter<InstanceDocument>;
  readonly instanceUpdate: UpdateFilter<InstanceDocument>;
  readonly writeConcern: WriteConcern | undefined;
}

// mongod's answers when a command does not exist (before 8.0) or the user lacks the privilege for it.
const COMMAND_NOT_FOUND = 59;
const UNAUTHORIZED = 13;
const DUPLICATE_KEY = 11000;

/**
 * Commits an episode in one round trip: MongoDB 8.0's cross-collection `bulkWrite`, ordered, inserts the chunk's
 * history documents and then updates the instance under its lease and version. Ordered means what the two-request
 * commit means: when the head insert collides, the update is never run. One request, and one journal sync for both.
 *
 * @throws what the writes throw, except the outcomes named by {@link OneRequestOutcome}.
 */
export async function commitInOneRequest(commit: OneRequestCommit): Promise<OneRequestOutcome> {
  const models: ClientBulkWriteModel[] = commit.documents.map((document) => ({
    namespace: commit.historyNamespace, name: 'insertOne', document: withoutUndefined(document) as Document,
  }));
  const updateIndex = models.length;
  models.push({
    namespace: commit.instancesNamespace, name: 'updateOne',
    filter: withoutUndefined(commit.instanceFilter) as Document, update: withoutUndefined(commit.instanceUpdate) as Document,
  });
  try {
    const result = await commit.client.bulkWrite(models, {
      ordered: true, verboseResults: true, ...(commit.writeConcern === undefined ? {} : { writeConcern: commit.writeConcern }),
    });
    return result.updateResults?.get(updateIndex)?.matchedCount === 1 ? 'committed' : 'missed';
  } catch (error) {
    if (error instanceof MongoClientBulkWriteError && error.writeConcernErrors.length === 0) {
      // Ordered: the first error stopped the rest. Only the head's collision is an outcome; any other write error is
      // thrown, as the two-request commit throws it.
      const head = error.writeErrors.get(updateIndex - 1);
      if (error.writeErrors.size === 1 && head?.code === DUPLICATE_KEY) return 'collided';
      throw error;
    }
    if (error instanceof MongoServerError && !(error instanceof MongoClientBulkWriteError) && (error.code === COMMAND_NOT_FOUND || error.code === UNAUTHORIZED)) return 'unsupported';
    throw error;
  }
}

/**
 * A copy without `undefined` fields, at any depth of plain objects and arrays (elements of arrays are kept as they
 * are). The driver serialises a client bulk write without the collections' `ignoreUndefined`, which would store
 * absent optional fields as null; the task hub's collections store them absent.
 */
export function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return (value as unknown[]).map((item) => (item === undefined ? item : withoutUndefined(item)));
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // Date, Binary, ObjectId, Long, Buffer...
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (field !== undefined) out[key] = withoutUndefined(field);
  }
  return out;
}
