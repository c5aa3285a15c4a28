import type { Collection, Db, Filter, IndexDescription } from 'mongodb';
import { EntityId } from '../../core/entity-id.js';
import type { HistoryEvent } from '../../history/history-event.js';
import { DurableError } from '../../core/durable-error.js';
import { CollectionSuffix } from './collection-suffix.js';
import {
  ENTITY_EXECUTION_ID, type EntityBatchCommit, type EntityRecord, type EntityStore, type EntitySummary,
} from '../../ports/entity-store.js';
import { TERMINAL_STATUSES } from '../../ports/instance-store.js';
import { LIST_ENTRY_OVERHEAD_BYTES, type ListBounds } from '../../ports/list-bounds.js';
import { checkListBounds, readBoundedPage } from './instance-queries.js';
import { flagWorkPipeline } from './instance-updates.js';
import { assertDate, assertInteger, assertKey, assertPayload, assertValidTaskHub } from './store-arguments.js';
import {
  dropOversizedState, listedEntityProjection, listedEntitySize, newInboxDocument, toEntityRecord, type InboxDocument, type InstanceDocument, type ListedEntityDocument,
} from './storage-documents.js';

// Entity instance IDs start with '@' (0x40), orchestration IDs never do: '@' <= id < 'A' (0x41) is every entity,
// read through the `_id` index.
const ENTITY_ID_FROM = '@';
const ENTITY_ID_TO = 'A';
const DUPLICATE_KEY = 11000;
/** Name of the TTL index of the receipts collection. Persisted. */
export const RECEIPT_TTL_INDEX = 'receipts_ttl';

/**
 * The indexes of `<taskHub>.receipts` for a retention of `retentionMs` (see docs/storage.md; docs/scaling.md checks
 * them against the shard keys it proposes).
 */
export function receiptIndexes(retentionMs: number): IndexDescription[] {
  return [{ name: RECEIPT_TTL_INDEX, key: { at: 1 }, expireAfterSeconds: Math.max(1, Math.ceil(retentionMs / 1000)) }];
}

/** `<taskHub>.receipts`: one per keyed message an entity applied. */
interface ReceiptDocument {
  /** `entityInstanceId NUL dedupeKey`. */
  _id: string;
  at: Date;
}

function receiptId(instanceId: string, dedupeKey: string): string {
  return `${instanceId}\u0000${dedupeKey}`;
}

/**
 * The {@link EntityStore} on MongoDB: entities are documents of `<taskHub>.instances` (`_id` = `@name@key`) with an
 * `entity` field, and their messages queue in `<taskHub>.inbox` like any instance's. Claiming, leasing and releasing
 * them is {@link MongoInstanceStore}'s work; this adapter adds what only entities have. Every write is one atomic
 * single-document update (a batch commits its state, lock, applied message IDs and outbox together, under the lease
 * and a version check) or an idempotent one.
 */
export class MongoEntityStore implements EntityStore {
  readonly #instances: Collection<InstanceDocument>;
  readonly #inbox: Collection<InboxDocument>;
  readonly #receipts: Collection<ReceiptDocument>;
  readonly #receiptRetentionMs: number;

  /** @param options.receiptRetentionMs How long receipts of applied keyed messages are kept. Default 7 days. */
  constructor(db: Db, options: { readonly taskHub: string; readonly receiptRetentionMs?: number }) {
    assertValidTaskHub(options.taskHub);
    const collectionOptions = { ignoreUndefined: true };
    this.#instances = db.collection<InstanceDocument>(`${options.taskHub}.${CollectionSuffix.Instances}`, collectionOptions);
    this.#inbox = db.collection<InboxDocument>(`${options.taskHub}.${CollectionSuffix.Inbox}`, collectionOptions);
    this.#receipts = db.collection<ReceiptDocument>(`${options.taskHub}.${CollectionSuffix.Receipts}`, collectionOptions);
    this.#receiptRetentionMs = options.receiptRetentionMs ?? 7 * 24 * 3_600_000;
  }

  /** Creates the receipts collection's TTL index (idempotent). */
  async ensureSchema(): Promise<void> {
    await this.#receipts.createIndexes(receiptIndexes(this.#receiptRetentionMs));
  }

  async recordReceipts(instanceId: string, dedupeKeys: readonly string[], now: Date): Promise<void> {
    assertEntityId(instanceId);
    assertDate(now, 'now');
    dedupeKeys.forEach((key, i) => assertKey(key, `dedupeKeys[${i}]`));
    if (dedupeKeys.length === 0) return;
    try {
      await this.#receipts.insertMany(dedupeKeys.map((key) => ({ _id: receiptId(instanceId, key), at: now })), { ordered: false });
    } catch (error) {
      // Receipts already recorded (a batch retried after a crash) are what was wanted.
      const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors as { code?: unknown }[] : [];
      if (list.length === 0 || list.some((e) => e.code !== DUPLICATE_KEY)) throw error;
    }
  }

  async hasReceipt(instanceId: string, dedupeKey: string): Promise<boolean> {
    assertEntityId(instanceId);
    assertKey(dedupeKey, 'dedupeKey');
    return (await this.#receipts.countDocuments({ _id: receiptId(instanceId, dedupeKey) }, { limit: 1 })) > 0;
  }

  async ensureEntity(instanceId: string, name: string, now: Date): Promise<void> {
    assertEntityId(instanceId);
    assertKey(name, 'name');
    assertDate(now, 'now');
    const doc: InstanceDocument = {
      _id: instanceId,
      executionId: ENTITY_EXECUTION_ID,
      name,
      runtimeStatus: 'Running',
      createdTime: now,
      lastUpdatedTime: now,
      historyLength: 0,
      version: 0,
      claimAttempts: 0,
      // Nothing to do until a message arrives (sending one flags the work).
      work: { pending: false, seq: 0, availableAt: now },
      entity: { name, exists: false, appliedMessageIds: [], outbox: [], lastModifiedTime: now },
    };
    try {
      await this.#instances.insertOne(doc);
    } catch (error) {
      if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
    }
  }

  async sendMessage(instanceId: string, event: HistoryEvent, options: { readonly dedupeKey?: string; readonly now: Date }): Promise<boolean> {
    assertEntityId(instanceId);
    assertDate(options.now, 'now');
    if (options.dedupeKey !== undefined) assertKey(options.dedupeKey, 'dedupeKey');
    if (event === null || typeof event !== 'object') throw new DurableError('INVALID_ARGUMENT', 'event must be a history event object.');
    const message = newInboxDocument(instanceId, event, options);
    let inserted = true;
    try {
      await this.#inbox.insertOne(message);
    } catch (error) {
      if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      // The earlier copy is queued; its sender may have died before flagging it.
      inserted = false;
    }
    if ((await this.#instances.updateOne({ _id: instanceId }, flagWorkPipeline(options.now))).matchedCount === 0) {
      // The entity does not exist yet: create it and flag the same message (never withdraw it and send another).
      await this.ensureEntity(instanceId, EntityId.fromInstanceId(instanceId).name, options.now);
      await this.#instances.updateOne({ _id: instanceId }, flagWorkPipeline(options.now));
    }
    return inserted;
  }

  async getEntity(instanceId: string): Promise<EntityRecord | undefined> {
    assertEntityId(instanceId);
    const doc = await this.#instances.findOne({ _id: instanceId }, { projection: { entity: 1 } });
    return doc?.entity == null ? undefined : toEntityRecord(doc.entity);
  }

  async commitEntityBatch(commit: EntityBatchCommit): Promise<boolean> {
    const { instanceId, entity, now } = commit;
    assertEntityId(instanceId);
    assertKey(commit.leaseToken, 'leaseToken');
    assertInteger(commit.expectedVersion, 'expectedVersion', 0);
    assertDate(now, 'now');
    if (entity.exists) assertPayload(entity.state, 'entity.state');
    entity.appliedMessageIds.forEach((id, i) => assertKey(id, `entity.appliedMessageIds[${i}]`));
    const set: Record<string, unknown> = {
      'entity.exists': entity.exists,
      'entity.appliedMessageIds': [...entity.appliedMessageIds],
      'entity.outbox': [...entity.outbox],
      'entity.lastModifiedTime': now,
      lastUpdatedTime: now,
    };
    const unset: Record<string, ''> = {};
    if (entity.exists && entity.state !== undefined) set['entity.state'] = entity.state;
    else unset['entity.state'] = '';
    if (entity.lock !== undefined) set['entity.lock'] = { criticalSectionId: entity.lock.criticalSectionId, instanceId: entity.lock.instanceId };
    else unset['entity.lock'] = '';
    const updated = await this.#instances.updateOne(
      { _id: instanceId, version: commit.expectedVersion, 'lease.token': commit.leaseToken, entity: { $exists: true } },
      { $set: set, ...(Object.keys(unset).length > 0 && { $unset: unset }), $inc: { version: 1 } },
    );
    if (updated.matchedCount === 0) return false;
    // A crash before this leaves them queued; the next batch skips them (appliedMessageIds) and deletes them.
    if (entity.appliedMessageIds.length > 0) await this.#inbox.deleteMany({ instanceId, _id: { $in: [...entity.appliedMessageIds] } });
    return true;
  }

  async clearEntityOutbox(instanceId: string, version: number): Promise<void> {
    assertEntityId(instanceId);
    assertInteger(version, 'version', 0);
    await this.#instances.updateOne({ _id: instanceId, version }, { $set: { 'entity.outbox': [] } });
  }

  async listEntities(query: ListBounds & {
    readonly name?: string; readonly pageSize?: number; readonly continuationToken?: string; readonly fetchState?: boolean;
  }): Promise<{ entities: EntitySummary[]; continuationToken?: string }> {
    const fetchState = query.fetchState === true;
    const bounds = checkListBounds(query, fetchState ? 1 : 0);
    let from = ENTITY_ID_FROM;
    let to = ENTITY_ID_TO;
    if (query.name !== undefined) {
      assertKey(query.name, 'name');
      if (query.name.includes('@')) throw new DurableError('INVALID_ARGUMENT', "An entity name must not contain '@'.");
      from = `@${query.name.toLowerCase()}@`;
      to = `@${query.name.toLowerCase()}A`;
    }
    const range: { $gte: string; $lt: string; $gt?: string } = { $gte: from, $lt: to };
    if (query.continuationToken !== undefined) range.$gt = decodeToken(query.continuationToken);
    // Never the outbox or applied message IDs; the state only when asked for and small enough to list.
    const cursor = this.#instances.find<ListedEntityDocument>({ _id: range, entity: { $exists: true } } as Filter<InstanceDocument>, {
      sort: { _id: 1 }, limit: bounds.pageSize + 1, batchSize: bounds.batchSize, projection: listedEntityProjection(fetchState, bounds.maxFieldBytes),
    });
    const docs = cursor.map((doc) => dropOversizedState(doc, bounds.maxFieldBytes));
    const { page, more } = await readBoundedPage(docs, bounds, (doc) => listedEntitySize(doc, LIST_ENTRY_OVERHEAD_BYTES));
    const entities = page.flatMap((doc): EntitySummary[] => {
      const fields = doc.entity;
      if (fields == null) return [];
      const omitted = fetchState && fields.exists && doc.listedOmitted?.state === true;
      return [{
        instanceId: doc._id,
        name: fields.name,
        exists: fields.exists,
        ...(fetchState && fields.exists && !omitted && { state: fields.state ?? undefined }),
        ...(omitted && { stateOmitted: true }),
        ...(fields.lock != null && { lock: fields.lock }),
        lastModifiedTime: fields.lastModifiedTime,
      }];
    });
    const last = page.at(-1);
    if (!more || last === undefined) return { entities };
    return { entities, continuationToken: encodeToken(last._id) };
  }

  async cleanEntityStorage(now: Date): Promise<{ emptyEntitiesRemoved: number; orphanedLocksReleased: number }> {
    assertDate(now, 'now');
    let emptyEntitiesRemoved = 0;
    let orphanedLocksReleased = 0;
    const cursor = this.#instances.find(
      { _id: { $gte: ENTITY_ID_FROM, $lt: ENTITY_ID_TO }, entity: { $exists: true } } as Filter<InstanceDocument>,
      { sort: { _id: 1 }, projection: { entity: 1, version: 1, lease: 1, work: 1 } },
    );
    for await (const doc of cursor) {
      const fields = doc.entity;
      if (fields == null) continue;
      const lock = fields.lock;
      if (lock != null) {
        const holder = await this.#instances.findOne({ _id: lock.instanceId }, { projection: { runtimeStatus: 1 } });
        if (holder === null || TERMINAL_STATUSES.has(holder.runtimeStatus)) {
          // Released only if still held by that section; the messages it held back can run now.
          const released = await this.#instances.updateOne(
            { _id: doc._id, 'entity.lock.criticalSectionId': lock.criticalSectionId },
            { $unset: { 'entity.lock': '' } },
          );
          if (released.modifiedCount === 1) {
            orphanedLocksReleased++;
            await this.#instances.updateOne({ _id: doc._id }, flagWorkPipeline(now));
          }
        }
        continue;
      }
      if (fields.exists || fields.outbox.length > 0 || doc.work.pending) continue;
      if (doc.lease !== undefined && doc.lease.until > now) continue;
      if ((await this.#inbox.countDocuments({ instanceId: doc._id }, { limit: 1 })) > 0) continue;
      // Only if nothing changed since it was read (no batch committed, no message flagged it).
      const removed = await this.#instances.deleteOne({
        _id: doc._id, version: doc.version, 'work.seq': doc.work.seq, 'work.pending': false, 'entity.exists': false, 'entity.lock': { $exists: false },
      });
      emptyEntitiesRemoved += removed.deletedCount;
    }
    return { emptyEntitiesRemoved, orphanedLocksReleased };
  }
}

function assertEntityId(instanceId: unknown): asserts instanceId is string {
  assertKey(instanceId, 'instanceId');
  if (!instanceId.startsWith('@') || instanceId.indexOf('@', 1) <= 1) {
    throw new DurableError('INVALID_ARGUMENT', `'${instanceId}' is not an entity instance ID ('@name@key').`);
  }
}

function encodeToken(lastInstanceId: string): string {
  return Buffer.from(JSON.stringify({ after: lastInstanceId }), 'utf8').toString('base64url');
}

function decodeToken(token: unknown): string {
  if (typeof token === 'string') {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      const after = (parsed as { after?: unknown } | null)?.after;
      if (typeof after === 'string' && after.startsWith('@')) return after;
    } catch {
      // Reported below.
    }
  }
  throw new DurableError('INVALID_CONTINUATION_TOKEN', 'The continuation token is not one returned by listEntities.');
}
