import { randomUUID } from 'node:crypto';
import { MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import { DurableError } from '../../core/durable-error.js';
import { InstanceAlreadyExistsError } from '../../core/errors/instance-already-exists-error.js';
import type { FailureDetails } from '../../core/failure-details.js';
import { CollectionSuffix } from './collection-suffix.js';
import { HistoryEventType, type HistoryEvent } from '../../history/history-event.js';
import {
  TERMINAL_STATUSES, type ContinueAsNewCommit, type EpisodeAppend, type EpisodeCommit, type HistoryChunk, type ReleaseOptions, type InboxMessage, type InstanceQuery,
  type InstanceStart, type InstanceState, type InstanceStore, type ListedInstance, type WorkItem,
} from '../../ports/instance-store.js';
import { LIST_ENTRY_OVERHEAD_BYTES, type ListBounds } from '../../ports/list-bounds.js';
import { assembleChunks, episodeDocuments, streamChunks } from './history-chunks.js';
import {
  checkListBounds, CLAIM_SORT, claimFilter, decodeContinuationToken, encodeContinuationToken, instanceQueryFilter,
  LIST_SORT, readBoundedPage, type ListPosition,
} from './instance-queries.js';
import { claimableAt, earlierOf, episodeUpdate, flagWorkPipeline } from './instance-updates.js';
import { assertDate, assertInteger, assertKey, assertPayload, assertValidTaskHub } from './store-arguments.js';
import {
  dropOversizedPayloads, HISTORY_INDEXES, INBOX_INDEXES, INSTANCE_INDEXES, headId, listedInstanceProjection, listedInstanceSize, newInboxDocument, toInboxMessage, toInstanceState,
  toListedInstance, type HistoryDocument, type InboxDocument, type InstanceDocument, type ListedInstanceDocument,
} from './storage-documents.js';

/** Options of {@link MongoInstanceStore}. */
export interface MongoInstanceStoreOptions {
  /**
   * Isolates apps sharing one database: collections are `<taskHub>.instances`, `<taskHub>.history` and
   * `<taskHub>.inbox`. 1–50 letters, digits, `-` or `_`.
   */
  readonly taskHub: string;
}

// createInstance retries when a concurrent start or purge changed the instance between its reads and writes.
const MAX_CREATE_ATTEMPTS = 5;

/**
 * The {@link InstanceStore} on MongoDB, without multi-document transactions: it runs on a standalone `mongod`, a
 * replica set, Atlas and Durably's embedded engine alike. Every step is one atomic single-document write, or an
 * idempotent one, ordered so that the history stays the source of truth (see `docs/storage.md`):
 *
 * - an episode commits by inserting its history document, whose `_id` (instance, execution, first event index) is
 *   unique — of two workers committing the same episode exactly one succeeds; an episode too large for one document
 *   writes its extra parts first, invisible until that head document exists;
 * - the instance document is then updated under the lease token and a version check;
 * - consumed messages are then deleted (each chunk lists them, so a crash in between cannot apply them twice);
 * - each chunk keeps an `undispatched` flag until its actions are dispatched, for crash recovery;
 * - a chunk that landed but whose instance update missed (the lease was lost meanwhile) stays history, and the
 *   instance is flagged for work so that the next episode picks it up — unless its execution has ended, in which
 *   case it is deleted.
 *
 * The chunk's `firstEventIndex` is authoritative: the instance's `historyLength` is a summary that can lag behind
 * the history after a lost lease, never run ahead of it.
 *
 * The store never reads the clock: every time comes from the caller's `now`.
 *
 * @example
 * ```ts
 * const client = await MongoClient.connect(process.env.MONGODB_URI!);
 * const store = new MongoInstanceStore(client.db('app'), { taskHub: 'MyApp' });
 * await store.ensureSchema();
 * await store.createInstance({ instanceId: 'order-42', executionId: randomUUID(), name: 'ProcessOrder', input: '{"id":42}', now: new Date() });
 * const work = await store.claimWork({ workerId: 'worker-1', leaseMs: 30_000, now: new Date() });
 * ```
 */
export class MongoInstanceStore implements InstanceStore {
  readonly #instances: Collection<InstanceDocument>;
  readonly #history: Collection<HistoryDocument>;
  readonly #inbox: Collection<InboxDocument>;

  /**
   * @param db - The database holding the task hub's collections (the caller owns the client and closes it).
   * @throws DurableError with code `INVALID_TASK_HUB` for an unusable task hub name.
   */
  constructor(db: Db, options: MongoInstanceStoreOptions) {
    assertValidTaskHub(options.taskHub);
    // Optional fields that are undefined are left out of stored documents, so that they read back as absent
    // (undefined) rather than null: events load back deep-equal to what was committed.
    const collectionOptions = { ignoreUndefined: true };
    this.#instances = db.collection<InstanceDocument>(`${options.taskHub}.${CollectionSuffix.Instances}`, collectionOptions);
    this.#history = db.collection<HistoryDocument>(`${options.taskHub}.${CollectionSuffix.History}`, collectionOptions);
    this.#inbox = db.collection<InboxDocument>(`${options.taskHub}.${CollectionSuffix.Inbox}`, collectionOptions);
  }

  async ensureSchema(): Promise<void> {
    // createIndexes creates a missing collection and is a no-op for an index that already exists with the same spec.
    await this.#instances.createIndexes(INSTANCE_INDEXES);
    await this.#history.createIndexes(HISTORY_INDEXES);
    await this.#inbox.createIndexes(INBOX_INDEXES);
  }

  async createInstance(start: InstanceStart): Promise<void> {
    assertKey(start.instanceId, 'instanceId');
    assertKey(start.executionId, 'executionId');
    assertKey(start.name, 'name');
    assertPayload(start.input, 'input');
    assertDate(start.now, 'now');
    if (start.scheduledStartTime !== undefined) assertDate(start.scheduledStartTime, 'scheduledStartTime');
    if (start.idempotencyKey !== undefined) assertKey(start.idempotencyKey, 'idempotencyKey');
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
      work: { pending: true, seq: 1, availableAt: start.scheduledStartTime ?? start.now },
      ...(start.scheduledStartTime !== undefined && { scheduledStartTime: start.scheduledStartTime }),
      ...(start.parentInstance !== undefined && { parentInstance: { ...start.parentInstance } }),
      ...(start.idempotencyKey !== undefined && { idempotencyKey: start.idempotencyKey }),
    };

    for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
      try {
        await this.#instances.insertOne(doc);
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const existing = await this.#instances.findOne({ _id: start.instanceId }, { projection: { runtimeStatus: 1, executionId: 1, idempotencyKey: 1 } });
      if (existing === null) continue; // purged in between: insert again
      // The same start request again (a re-dispatched sub-orchestration start): whatever became of the instance since,
      // starting it again would run it twice.
      if (start.idempotencyKey !== undefined && existing.idempotencyKey === start.idempotencyKey) return;
      if (!TERMINAL_STATUSES.has(existing.runtimeStatus)) {
        throw new InstanceAlreadyExistsError(start.instanceId, existing.runtimeStatus);
      }
      // Messages queued for the finished instance are moot. They are listed now and deleted by ID after a successful
      // replacement: a message sent to the new execution in between is never among them, and a start that loses the
      // race below deletes nothing.
      const moot = await this.#inbox.find({ instanceId: start.instanceId }, { projection: { _id: 1 } }).map((m) => m._id).toArray();
      // Replace only the execution that was read as terminal: a concurrent start that replaced it first wins.
      const replaced = await this.#instances.replaceOne({ _id: start.instanceId, executionId: existing.executionId, runtimeStatus: existing.runtimeStatus }, doc);
      if (replaced.matchedCount === 1) {
        if (moot.length > 0) await this.#inbox.deleteMany({ _id: { $in: moot } });
        await this.#deleteHistoryExcept(start.instanceId, start.executionId);
        return;
      }
    }
    throw new DurableError(
      'CONCURRENCY_CONFLICT',
      `Could not start instance '${start.instanceId}': it kept changing concurrently (started or purged by another client). Try again.`,
    );
  }

  async getInstance(instanceId: string): Promise<InstanceState | undefined> {
    assertKey(instanceId, 'instanceId');
    const doc = await this.#instances.findOne({ _id: instanceId });
    return doc === null ? undefined : toInstanceState(doc);
  }

  async sendMessage(instanceId: string, event: HistoryEvent, options: { readonly dedupeKey?: string; readonly executionId?: string; readonly now: Date }): Promise<boolean> {
    assertKey(instanceId, 'instanceId');
    assertDate(options.now, 'now');
    if (options.dedupeKey !== undefined) assertKey(options.dedupeKey, 'dedupeKey');
    if (options.executionId !== undefined) assertKey(options.executionId, 'executionId');
    if (event === null || typeof event !== 'object') throw new DurableError('INVALID_ARGUMENT', 'event must be a history event object.');

    const message = newInboxDocument(instanceId, event, options);
    // The message first, then the flag: a worker that sees the flag always finds the message.
    try {
      await this.#inbox.insertOne(message);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The earlier copy is still queued, but its sender may have died (or lost the connection) between its insert
      // and its flag: flag again, or that copy would wait unseen forever. A spurious flag costs one empty episode.
      await this.#flagWork(instanceId, options.now, event.type === HistoryEventType.ExecutionTerminated);
      return false;
    }
    // A termination is not held back by a scheduled start (startAt) or a stuck instance's retry backoff.
    if (await this.#flagWork(instanceId, options.now, event.type === HistoryEventType.ExecutionTerminated)) return true;
    await this.#inbox.deleteOne({ _id: message._id });
    return false;
  }

  async claimWork(options: { readonly workerId: string; readonly leaseMs: number; readonly now: Date }): Promise<WorkItem | undefined> {
    assertKey(options.workerId, 'workerId');
    assertInteger(options.leaseMs, 'leaseMs', 1);
    assertDate(options.now, 'now');
    const token = randomUUID();
    const doc = await this.#instances.findOneAndUpdate(
      claimFilter(options.now),
      {
        $set: { lease: { token, workerId: options.workerId, until: new Date(options.now.getTime() + options.leaseMs) } },
        $inc: { claimAttempts: 1 },
      },
      { sort: CLAIM_SORT, returnDocument: 'after' },
    );
    if (doc === null) return undefined;
    return { instance: toInstanceState(doc), leaseToken: token, workSeq: doc.work.seq, workPending: true };
  }

  async claimInstance(instanceId: string, executionId: string, options: { readonly workerId: string; readonly leaseMs: number; readonly now: Date }): Promise<WorkItem | undefined> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertKey(options.workerId, 'workerId');
    assertInteger(options.leaseMs, 'leaseMs', 1);
    assertDate(options.now, 'now');
    const token = randomUUID();
    const doc = await this.#instances.findOneAndUpdate(
      {
        _id: instanceId,
        executionId,
        runtimeStatus: { $in: ['Running', 'Suspended'] },
        stuck: { $exists: false },
        $or: [{ lease: { $exists: false } }, { 'lease.until': { $lte: options.now } }],
      },
      {
        // Flagged like any claimed instance, so that if this worker dies holding the lease, the instance is claimed
        // again once the lease expires (its last chunk may be committed and not dispatched). The release clears the
        // flag as usual when nothing else arrived.
        $set: {
          lease: { token, workerId: options.workerId, until: new Date(options.now.getTime() + options.leaseMs) },
          'work.pending': true,
        },
        $inc: { claimAttempts: 1 },
      },
      { returnDocument: 'before' },
    );
    if (doc === null) return undefined;
    const claimed: InstanceDocument = { ...doc, claimAttempts: doc.claimAttempts + 1 };
    return { instance: toInstanceState(claimed), leaseToken: token, workSeq: doc.work.seq, workPending: doc.work.pending };
  }

  async nextWorkTime(now: Date): Promise<Date | undefined> {
    assertDate(now, 'now');
    const projection = { work: 1, lease: 1 };
    let earliest: Date | undefined = undefined;
    // Work that is not available yet (scheduled starts), oldest first: stop once nothing later can be earlier.
    for await (const doc of this.#instances.find({ 'work.pending': true, 'work.availableAt': { $gt: now } }, { projection, sort: { 'work.availableAt': 1 }, batchSize: 20 })) {
      if (earliest !== undefined && doc.work.availableAt >= earliest) break;
      earliest = earlierOf(earliest, claimableAt(doc), now);
    }
    // Pending work behind a lease that has not expired yet (a worker is on it, or crashed holding it).
    for await (const doc of this.#instances.find({ 'lease.until': { $gt: now }, 'work.pending': true }, { projection, sort: { 'lease.until': 1 }, batchSize: 20 })) {
      if (earliest !== undefined && doc.lease !== undefined && doc.lease.until >= earliest) break;
      earliest = earlierOf(earliest, claimableAt(doc), now);
    }
    return earliest;
  }

  async hasDueWork(now: Date): Promise<boolean> {
    assertDate(now, 'now');
    return (await this.#instances.findOne({ 'work.pending': true, 'work.availableAt': { $lte: now } }, { projection: { _id: 1 } })) !== null;
  }

  async loadHistory(instanceId: string, executionId: string): Promise<HistoryChunk[]> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    const docs = await this.#history.find({ instanceId, executionId }, { sort: { firstEventIndex: 1 } }).toArray();
    return assembleChunks(docs);
  }

  async *readHistory(instanceId: string, executionId: string): AsyncGenerator<HistoryChunk> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    yield* streamChunks(this.#history.find({ instanceId, executionId }, { sort: { firstEventIndex: 1 } }));
  }

  async loadMessages(instanceId: string): Promise<InboxMessage[]> {
    assertKey(instanceId, 'instanceId');
    const docs = await this.#inbox.find({ instanceId }, { sort: { createdAt: 1, _id: 1 } }).toArray();
    return docs.map(toInboxMessage);
  }

  async hasHistoryBeyond(instanceId: string, executionId: string, length: number): Promise<boolean> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertInteger(length, 'length', 0);
    return (await this.#history.findOne({ _id: headId(instanceId, executionId, length) }, { projection: { _id: 1 } })) !== null;
  }

  async commitEpisode(commit: EpisodeCommit): Promise<boolean> {
    const { instanceId, executionId, chunk, now } = commit;
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertKey(commit.leaseToken, 'leaseToken');
    assertInteger(commit.expectedVersion, 'expectedVersion', 0);
    assertInteger(chunk.firstEventIndex, 'chunk.firstEventIndex', 0);
    assertDate(now, 'now');
    if (!Array.isArray(chunk.events) || chunk.events.length === 0) {
      throw new DurableError('INVALID_ARGUMENT', 'An episode commit needs at least one history event.');
    }
    chunk.consumedMessageIds.forEach((id, i) => assertKey(id, `chunk.consumedMessageIds[${i}]`));

    // (1) The history document(s).
    if (!(await this.#insertChunk(instanceId, executionId, chunk, now))) return false;

    // (2) The instance, only if nobody moved it on since the claim.
    const updated = await this.#instances.updateOne(
      { _id: instanceId, executionId, version: commit.expectedVersion, 'lease.token': commit.leaseToken },
      episodeUpdate(commit),
    );
    if (updated.matchedCount === 1) {
      // (3) Applied messages go. A crash before this leaves them queued, but the chunk lists them as consumed.
      await this.#deleteConsumed(chunk);
      return true;
    }

    // The lease was lost (expired and taken, or released) after this worker loaded the history.
    const current = await this.#instances.findOne({ _id: instanceId }, { projection: { executionId: 1 } });
    if (current?.executionId !== executionId) {
      // The execution ended meanwhile (continued as new, replaced, purged): the chunk extends a history nobody will
      // read. Its messages may be meant for the new execution, so they stay; the chunk goes.
      await this.#history.deleteMany({ instanceId, executionId });
      return false;
    }
    // Same execution: the chunk is still a valid continuation — it was built on the history as loaded, at its end
    // (the insert would have collided otherwise) — so it is history now, its messages are applied, and whoever
    // commits next in this execution loads it. But the instance does not reflect it yet: flag work so that the
    // current or next lease holder runs an episode that loads it, re-dispatches its actions (it is `undispatched`)
    // and brings the instance up to date.
    await this.#deleteConsumed(chunk);
    await this.#flagWork(instanceId, now);
    return false;
  }

  async appendEpisode(append: EpisodeAppend): Promise<boolean> {
    const { instanceId, executionId, chunk, now } = append;
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertKey(append.leaseToken, 'leaseToken');
    assertInteger(chunk.firstEventIndex, 'chunk.firstEventIndex', 0);
    assertDate(now, 'now');
    if (!Array.isArray(chunk.events) || chunk.events.length === 0) {
      throw new DurableError('INVALID_ARGUMENT', 'An episode append needs at least one history event.');
    }
    chunk.consumedMessageIds.forEach((id, i) => assertKey(id, `chunk.consumedMessageIds[${i}]`));
    if (!(await this.#insertChunk(instanceId, executionId, chunk, now))) return false;
    await this.#deleteConsumed(chunk);
    return true;
  }

  async markDispatched(instanceId: string, executionId: string, firstEventIndex: number): Promise<void> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertInteger(firstEventIndex, 'firstEventIndex', 0);
    await this.#history.updateOne({ _id: headId(instanceId, executionId, firstEventIndex) }, { $set: { undispatched: false } });
  }

  async deleteMessages(ids: readonly string[]): Promise<void> {
    ids.forEach((id, i) => assertKey(id, `ids[${i}]`));
    if (ids.length > 0) await this.#inbox.deleteMany({ _id: { $in: [...ids] } });
  }

  async continueAsNew(commit: ContinueAsNewCommit): Promise<boolean> {
    assertKey(commit.instanceId, 'instanceId');
    assertKey(commit.leaseToken, 'leaseToken');
    assertKey(commit.executionId, 'executionId');
    assertPayload(commit.input, 'input');
    assertDate(commit.now, 'now');
    const carryover: unknown = commit.carryoverEvents ?? [];
    if (!Array.isArray(carryover)) throw new DurableError('INVALID_ARGUMENT', 'carryoverEvents must be an array of history events.');
    const set: Record<string, unknown> = {
      executionId: commit.executionId,
      runtimeStatus: 'Running',
      historyLength: 0,
      lastUpdatedTime: commit.now,
      'work.pending': true,
      'work.availableAt': commit.now,
    };
    const unset: Record<string, ''> = { output: '', customStatus: '', failureDetails: '', completedTime: '', stuck: '', stuckSince: '', scheduledStartTime: '' };
    if (commit.input === undefined) unset['input'] = '';
    else set['input'] = commit.input;
    // Stored with the switch itself, so that no carried-over event can be lost between two writes.
    if (carryover.length > 0) set['carryoverEvents'] = [...(carryover as HistoryEvent[])];
    else unset['carryoverEvents'] = '';
    const result = await this.#instances.updateOne(
      { _id: commit.instanceId, 'lease.token': commit.leaseToken },
      { $set: set, $unset: unset, $inc: { version: 1, 'work.seq': 1 } },
    );
    if (result.matchedCount === 0) return false;
    // After the switch, not before: until then the old execution is the instance's history.
    await this.#deleteHistoryExcept(commit.instanceId, commit.executionId);
    return true;
  }

  async markStuck(instanceId: string, leaseToken: string, failure: FailureDetails, options: { readonly fail: boolean; readonly now: Date }): Promise<void> {
    assertKey(instanceId, 'instanceId');
    assertKey(leaseToken, 'leaseToken');
    assertDate(options.now, 'now');
    const set: Record<string, unknown> = { stuck: failure, lastUpdatedTime: options.now };
    if (options.fail) {
      set['runtimeStatus'] = 'Failed';
      set['failureDetails'] = failure;
      set['completedTime'] = options.now;
    }
    // $min keeps the first time it got stuck across retries (and sets it when absent).
    await this.#instances.updateOne({ _id: instanceId, 'lease.token': leaseToken }, { $set: set, $min: { stuckSince: options.now } });
  }

  async releaseWork(item: WorkItem, options: ReleaseOptions): Promise<boolean> {
    const instanceId = item.instance.instanceId;
    assertKey(instanceId, 'instanceId');
    assertKey(item.leaseToken, 'leaseToken');
    assertInteger(item.workSeq, 'workSeq', 0);
    assertDate(options.now, 'now');
    if (options.retryAt !== undefined) assertDate(options.retryAt, 'retryAt');
    const progress = options.progress;
    if (progress !== undefined) {
      assertInteger(progress.historyLength, 'progress.historyLength', 0);
      assertDate(progress.lastUpdatedTime, 'progress.lastUpdatedTime');
    }
    // Appended episodes left the summary behind: it moves forward, never back (a zombie's late release cannot rewind it).
    const catchUp = progress === undefined ? {} : { $max: { historyLength: progress.historyLength, lastUpdatedTime: progress.lastUpdatedTime } };
    // Still pending: at the back of the queue (so a busy instance cannot starve others), or not before `retryAt`.
    const stillPending: Record<string, unknown> = { 'work.pending': true, 'work.availableAt': options.retryAt ?? options.now };
    const reset = options.succeeded ? { claimAttempts: 0 } : {};
    // Not the instance's fault: the claim's increment is taken back (the claim under this lease made it, so it is >= 1).
    const uncount = !options.succeeded && options.uncounted === true ? { $inc: { claimAttempts: -1 } } : {};
    const keepPending = options.moreWork || options.retryAt !== undefined;
    // Nothing was added since the claim (the counter is unchanged): the flag becomes `moreWork`, atomically with
    // the check, so a message that arrives a moment later is never lost behind a cleared flag.
    const unchanged = await this.#instances.updateOne(
      { _id: instanceId, 'lease.token': item.leaseToken, 'work.seq': item.workSeq },
      { $unset: { lease: '' }, $set: { ...(keepPending ? stillPending : { 'work.pending': false }), ...reset }, ...catchUp, ...uncount },
    );
    if (unchanged.matchedCount === 1) return true;
    // The counter moved: work arrived during the episode, so the instance stays flagged. (No match at all means the
    // lease was lost; then there is nothing to release.)
    const moved = await this.#instances.updateOne({ _id: instanceId, 'lease.token': item.leaseToken }, { $unset: { lease: '' }, $set: { ...stillPending, ...reset }, ...catchUp, ...uncount });
    return moved.matchedCount === 1;
  }

  async uncountClaim(instanceId: string): Promise<void> {
    assertKey(instanceId, 'instanceId');
    await this.#instances.updateOne({ _id: instanceId, claimAttempts: { $gt: 0 } }, { $inc: { claimAttempts: -1 } });
  }

  async renewLease(item: WorkItem, options: { readonly leaseMs: number; readonly now: Date }): Promise<boolean> {
    assertKey(item.instance.instanceId, 'instanceId');
    assertKey(item.leaseToken, 'leaseToken');
    assertInteger(options.leaseMs, 'leaseMs', 1);
    assertDate(options.now, 'now');
    const renewed = await this.#instances.updateOne(
      { _id: item.instance.instanceId, 'lease.token': item.leaseToken },
      { $set: { 'lease.until': new Date(options.now.getTime() + options.leaseMs) } },
    );
    return renewed.matchedCount === 1;
  }

  async listInstances(
    query: InstanceQuery & ListBounds & { readonly pageSize?: number; readonly continuationToken?: string },
  ): Promise<{ instances: ListedInstance[]; continuationToken?: string }> {
    const bounds = checkListBounds(query, 3);
    const after = query.continuationToken === undefined ? undefined : decodeContinuationToken(query.continuationToken);
    // Payloads too large to list are left out by the server itself (see listedInstanceProjection).
    const cursor = this.#instances.find<ListedInstanceDocument>(instanceQueryFilter(query, after), {
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

  async purgeInstance(instanceId: string): Promise<number> {
    assertKey(instanceId, 'instanceId');
    return this.#purge({ _id: instanceId });
  }

  async purgeInstances(query: InstanceQuery): Promise<number> {
    if (query.createdTimeFrom === undefined) {
      throw new DurableError('INVALID_ARGUMENT', 'purgeInstances needs createdTimeFrom (purging a whole task hub by accident is too easy otherwise).');
    }
    const filter = instanceQueryFilter(query);
    let purged = 0;
    let after: ListPosition | undefined;
    for (;;) {
      const batch = await this.#instances
        .find(instanceQueryFilter(query, after), { sort: LIST_SORT, limit: 500, projection: { _id: 1, createdTime: 1 } })
        .toArray();
      for (const doc of batch) {
        // Re-checked at deletion: an instance that stopped matching (e.g. restarted) since it was listed stays.
        purged += await this.#purge({ ...filter, _id: doc._id });
      }
      const last = batch.at(-1);
      if (last === undefined || batch.length < 500) return purged;
      after = { createdTime: last.createdTime, instanceId: last._id };
    }
  }

  async close(): Promise<void> {
    // Nothing to release: the store holds no cursors, timers or connections of its own (the client is the caller's).
  }

  /**
   * Flags an instance as having work (see {@link flagWorkPipeline}).
   * @returns false when the instance does not exist.
   */
  async #flagWork(instanceId: string, now: Date, immediate = false): Promise<boolean> {
    const result = await this.#instances.updateOne({ _id: instanceId }, flagWorkPipeline(now, { immediate }));
    return result.matchedCount === 1;
  }

  /**
   * Inserts an episode's history document(s): false when another chunk holds that index. Parts of a split episode go
   * first: they stay invisible until the head exists.
   */
  async #insertChunk(instanceId: string, executionId: string, chunk: HistoryChunk, now: Date): Promise<boolean> {
    const commitId = randomUUID();
    const { head, parts } = episodeDocuments({ instanceId, executionId, chunk, commitId, now });
    if (parts.length > 0) await this.#history.insertMany(parts, { ordered: true });
    try {
      await this.#history.insertOne(head);
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another worker committed this episode first: this attempt never happened.
      if (parts.length > 0) await this.#history.deleteMany({ instanceId, executionId, commitId });
      return false;
    }
  }

  async #deleteConsumed(chunk: HistoryChunk): Promise<void> {
    if (chunk.consumedMessageIds.length > 0) await this.#inbox.deleteMany({ _id: { $in: [...chunk.consumedMessageIds] } });
  }

  /** Deletes history documents of every execution but the current one (old executions, stale late writes). */
  async #deleteHistoryExcept(instanceId: string, executionId: string): Promise<void> {
    await this.#history.deleteMany({ instanceId, executionId: { $ne: executionId } });
  }

  /** Deletes the instance matching `filter` (by `_id`), then its history and messages; returns 0 or 1. */
  async #purge(filter: Filter<InstanceDocument> & { _id: string }): Promise<number> {
    const instanceId = filter._id;
    const deleted = await this.#instances.findOneAndDelete(filter, { projection: { executionId: 1 } });
    if (deleted !== null) await this.#history.deleteMany({ instanceId, executionId: deleted.executionId });
    // Leftovers of earlier executions or of an interrupted purge go too — unless the instance was started again in
    // the meantime, whose history and messages must stay.
    const current = await this.#instances.findOne({ _id: instanceId }, { projection: { executionId: 1 } });
    if (current === null) {
      await this.#history.deleteMany({ instanceId });
      await this.#inbox.deleteMany({ instanceId });
    } else if (deleted !== null) {
      await this.#deleteHistoryExcept(instanceId, current.executionId);
    }
    return deleted === null ? 0 : 1;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}
