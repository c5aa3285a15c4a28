import type { Filter } from 'mongodb';
import { DurableError } from '../../core/durable-error.js';
import { InstanceAlreadyExistsError } from '../../core/errors/instance-already-exists-error.js';
import { assertVersion, versionSortKey } from '../../core/orchestration-version.js';
import { assertTraceContext } from '../../core/trace-context.js';
import {
  TERMINAL_STATUSES, type ChildInstance, type ChildQuery, type InstanceQuery, type InstanceStart, type InstanceState, type ListedInstance,
} from '../../ports/instance-store.js';
import { LIST_ENTRY_OVERHEAD_BYTES, type ListBounds } from '../../ports/list-bounds.js';
import {
  checkListBounds, childrenFilter, decodeContinuationToken, encodeContinuationToken, instanceQueryFilter, LIST_SORT, readBoundedPage, type ListPosition,
} from './instance-queries.js';
import { assertDate, assertKey, assertPayload } from './store-arguments.js';
import {
  dropOversizedPayloads, listedInstanceProjection, listedInstanceSize, toInstanceState, toListedInstance, type InstanceDocument,
  type ListedInstanceDocument,
} from './storage-documents.js';
import { isDuplicateKey, type StoreCollections } from './store-collections.js';
import { FIRST_WORK_SEQ } from './instance-updates.js';

// createInstance retries when a concurrent start or purge changed the instance between its reads and writes.
const MAX_CREATE_ATTEMPTS = 5;
// Instances a filtered purge reads per query.
const PURGE_BATCH = 500;
// Children readChildren fetches per round trip (only three small fields of each).
const CHILDREN_BATCH = 100;

/**
 * The instances of a task hub as a whole, for {@link MongoInstanceStore}: starting one (replacing a finished one),
 * reading, listing and purging them. A start or a purge touches the history and the inbox too: a replaced or purged
 * instance leaves neither history nor messages behind.
 */
export class InstanceCatalog {
  readonly #c: StoreCollections;

  constructor(collections: StoreCollections) {
    this.#c = collections;
  }

  /** See `InstanceStore.createInstance`. */
  async createInstance(start: InstanceStart): Promise<void> {
    assertKey(start.instanceId, 'instanceId');
    assertKey(start.executionId, 'executionId');
    assertKey(start.name, 'name');
    assertPayload(start.input, 'input');
    assertDate(start.now, 'now');
    if (start.scheduledStartTime !== undefined) assertDate(start.scheduledStartTime, 'scheduledStartTime');
    if (start.idempotencyKey !== undefined) assertKey(start.idempotencyKey, 'idempotencyKey');
    if (start.ifFinished !== undefined && start.ifFinished !== 'replace' && start.ifFinished !== 'fail') {
      throw new DurableError('INVALID_ARGUMENT', `ifFinished must be 'replace' or 'fail', got ${String(start.ifFinished)}`);
    }
    if (start.orchestrationVersion !== undefined) assertVersion(start.orchestrationVersion, 'orchestrationVersion');
    if (start.traceContext !== undefined) assertTraceContext(start.traceContext, 'traceContext');
    if (start.parentInstance !== undefined) {
      assertKey(start.parentInstance.instanceId, 'parentInstance.instanceId');
      assertKey(start.parentInstance.executionId, 'parentInstance.executionId');
    }

    const doc: InstanceDocument = {
      _id: start.instanceId,
      executionId: start.executionId,
      name: start.name,
      runtimeStatus: 'Pending',
      input: start.input,
      createdTime: start.now,
      lastUpdatedTime: start.now,
      historyLength: 0,
      version: 0,
      claimAttempts: 0,
      work: { pending: true, seq: FIRST_WORK_SEQ, availableAt: start.scheduledStartTime ?? start.now },
      ...(start.scheduledStartTime !== undefined && { scheduledStartTime: start.scheduledStartTime }),
      ...(start.parentInstance !== undefined && { parentInstance: { ...start.parentInstance } }),
      ...(start.orchestrationVersion !== undefined && { orchestrationVersion: start.orchestrationVersion, orchestrationVersionKey: versionSortKey(start.orchestrationVersion) }),
      ...(start.idempotencyKey !== undefined && { idempotencyKey: start.idempotencyKey }),
      ...(start.traceContext !== undefined && { traceContext: start.traceContext.traceState === undefined
        ? { traceParent: start.traceContext.traceParent }
        : { traceParent: start.traceContext.traceParent, traceState: start.traceContext.traceState } }),
    };

    for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
      try {
        await this.#c.instances.insertOne(doc);
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const existing = await this.#c.instances.findOne({ _id: start.instanceId }, { projection: { runtimeStatus: 1, executionId: 1, idempotencyKey: 1 } });
      if (existing === null) continue; // purged in between: insert again
      // The same start request again (a re-dispatched sub-orchestration start): whatever became of the instance since,
      // starting it again would run it twice.
      if (start.idempotencyKey !== undefined && existing.idempotencyKey === start.idempotencyKey) return;
      if (!TERMINAL_STATUSES.has(existing.runtimeStatus) || start.ifFinished === 'fail') {
        throw new InstanceAlreadyExistsError(start.instanceId, existing.runtimeStatus);
      }
      // Messages queued for the finished instance are moot. They are listed now and deleted by ID after a successful
      // replacement: a message sent to the new execution in between is never among them, and a start that loses the
      // race below deletes nothing.
      const moot = await this.#c.inbox.find({ instanceId: start.instanceId }, { projection: { _id: 1 } }).map((m) => m._id).toArray();
      // Replace only the execution that was read as terminal: a concurrent start that replaced it first wins.
      const replaced = await this.#c.instances.replaceOne({ _id: start.instanceId, executionId: existing.executionId, runtimeStatus: existing.runtimeStatus }, doc);
      if (replaced.matchedCount === 1) {
        if (moot.length > 0) await this.#c.inbox.deleteMany({ instanceId: start.instanceId, _id: { $in: moot } });
        await this.#c.deleteHistoryExcept(start.instanceId, start.executionId);
        return;
      }
    }
    throw new DurableError(
      'CONCURRENCY_CONFLICT',
      `Could not start instance '${start.instanceId}': it kept changing concurrently (started or purged by another client). Try again.`,
    );
  }

  /** See `InstanceStore.getInstance`. */
  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    assertKey(instanceId, 'instanceId');
    const doc = await this.#c.instances.findOne({ _id: instanceId });
    return doc === null ? undefined : toInstanceState(doc);
  }

  /** See `InstanceStore.listInstances`. */
  async listInstances(
    query: InstanceQuery & ListBounds & { readonly pageSize?: number; readonly continuationToken?: string },
  ): Promise<{ instances: ListedInstance[]; continuationToken?: string }> {
    const bounds = checkListBounds(query, 3);
    const after = query.continuationToken === undefined ? undefined : decodeContinuationToken(query.continuationToken);
    // Payloads too large to list are left out by the server itself (see listedInstanceProjection).
    const cursor = this.#c.instances.find<ListedInstanceDocument>(instanceQueryFilter(query, after), {
      sort: LIST_SORT, limit: bounds.pageSize + 1, batchSize: bounds.batchSize, projection: listedInstanceProjection(bounds.maxFieldBytes),
    });
    const docs = cursor.map((doc) => dropOversizedPayloads(doc, bounds.maxFieldBytes));
    const { page, more } = await readBoundedPage(docs, bounds, (doc) => listedInstanceSize(doc, LIST_ENTRY_OVERHEAD_BYTES));
    const last = page.at(-1);
    const instances = page.map(toListedInstance);
    if (!more || last === undefined) return { instances };
    const position: ListPosition = { createdTime: last.createdTime, instanceId: last._id };
    return { instances, continuationToken: encodeContinuationToken(position) };
  }

  /** See `InstanceStore.readChildren`. */
  async *readChildren(parentInstanceId: string, query: ChildQuery = {}): AsyncGenerator<ChildInstance> {
    const cursor = this.#c.instances.find<Pick<InstanceDocument, '_id' | 'executionId' | 'runtimeStatus'>>(childrenFilter(parentInstanceId, query), {
      projection: { _id: 1, executionId: 1, runtimeStatus: 1 }, batchSize: CHILDREN_BATCH,
    });
    for await (const doc of cursor) yield { instanceId: doc._id, executionId: doc.executionId, runtimeStatus: doc.runtimeStatus };
  }

  /** See `InstanceStore.purgeInstance`. */
  async purgeInstance(instanceId: string, only?: { readonly executionId: string }): Promise<number> {
    assertKey(instanceId, 'instanceId');
    if (only === undefined) return this.#purge({ _id: instanceId });
    assertKey(only.executionId, 'executionId');
    return this.#purge({ _id: instanceId, executionId: only.executionId, runtimeStatus: { $in: [...TERMINAL_STATUSES] } });
  }

  /** See `InstanceStore.purgeInstances`. */
  async purgeInstances(query: InstanceQuery): Promise<number> {
    if (query.createdTimeFrom === undefined) {
      throw new DurableError('INVALID_ARGUMENT', 'purgeInstances needs createdTimeFrom (purging a whole task hub by accident is too easy otherwise).');
    }
    const filter = instanceQueryFilter(query);
    let purged = 0;
    let after: ListPosition | undefined;
    for (;;) {
      const batch = await this.#c.instances
        .find(instanceQueryFilter(query, after), { sort: LIST_SORT, limit: PURGE_BATCH, projection: { _id: 1, createdTime: 1 } })
        .toArray();
      for (const doc of batch) {
        // Re-checked at deletion: an instance that stopped matching (e.g. restarted) since it was listed stays.
        purged += await this.#purge({ ...filter, _id: doc._id });
      }
      const last = batch.at(-1);
      if (last === undefined || batch.length < PURGE_BATCH) return purged;
      after = { createdTime: last.createdTime, instanceId: last._id };
    }
  }

  /** Deletes the instance matching `filter` (by `_id`), then its history and messages; returns 0 or 1. */
  async #purge(filter: Filter<InstanceDocument> & { _id: string }): Promise<number> {
    const instanceId = filter._id;
    const deleted = await this.#c.instances.findOneAndDelete(filter, { projection: { executionId: 1 } });
    if (deleted !== null) await this.#c.history.deleteMany({ instanceId, executionId: deleted.executionId });
    // Leftovers of earlier executions or of an interrupted purge go too — unless the instance was started again in
    // the meantime, whose history and messages must stay.
    const current = await this.#c.instances.findOne({ _id: instanceId }, { projection: { executionId: 1 } });
    if (current === null) {
      await this.#c.history.deleteMany({ instanceId });
      await this.#c.inbox.deleteMany({ instanceId });
    } else if (deleted !== null) {
      await this.#c.deleteHistoryExcept(instanceId, current.executionId);
    }
    return deleted === null ? 0 : 1;
  }
}
