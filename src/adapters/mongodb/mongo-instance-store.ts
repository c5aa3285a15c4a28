import type { Db } from 'mongodb';
import type { FailureDetails } from '../../core/failure-details.js';
import type { HistoryEvent } from '../../history/history-event.js';
import type {
  ChildInstance, ChildQuery, ContinueAsNewCommit, EpisodeAppend, EpisodeCommit, HistoryChunk, InboxMessage, InstanceQuery, InstanceStart, InstanceState, InstanceStore,
  ListedInstance, ReleaseOptions, WorkItem,
} from '../../ports/instance-store.js';
import type { ClaimOptions, StuckRetry } from '../../ports/work-claims.js';
import type { HistorySize } from '../../ports/history-size.js';
import type { FinishedInstance, FinishedInstanceQuery } from '../../ports/finished-instances.js';
import type { ListBounds } from '../../ports/list-bounds.js';
import { EpisodeCommits } from './episode-commits.js';
import { findFinishedInstances } from './finished-instances.js';
import { readHistorySize } from './history-size.js';
import { InstanceCatalog } from './instance-catalog.js';
import { InstanceMessages } from './instance-messages.js';
import { LeaseClaims } from './lease-claims.js';
import { assertValidTaskHub } from './store-arguments.js';
import { HISTORY_INDEXES, INBOX_INDEXES, INSTANCE_INDEXES } from './storage-documents.js';
import { StoreCollections } from './store-collections.js';

/** Options of {@link MongoInstanceStore}. */
export interface MongoInstanceStoreOptions {
  /**
   * Isolates apps sharing one database: collections are `<taskHub>.instances`, `<taskHub>.history` and
   * `<taskHub>.inbox`. 1–50 letters, digits, `-` or `_`.
   */
  readonly taskHub: string;
}

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
 * The class is a facade over one part per responsibility, all on the same {@link StoreCollections}:
 * {@link InstanceCatalog} (start, read, list, purge), {@link LeaseClaims} (claims, leases, release),
 * {@link EpisodeCommits} (commits and histories) and {@link InstanceMessages} (the inbox).
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
  readonly #collections: StoreCollections;
  readonly #catalog: InstanceCatalog;
  readonly #claims: LeaseClaims;
  readonly #commits: EpisodeCommits;
  readonly #messages: InstanceMessages;

  /**
   * @param db - The database holding the task hub's collections (the caller owns the client and closes it).
   * @throws DurableError with code `INVALID_TASK_HUB` for an unusable task hub name.
   */
  constructor(db: Db, options: MongoInstanceStoreOptions) {
    assertValidTaskHub(options.taskHub);
    this.#collections = new StoreCollections(db, options.taskHub);
    this.#catalog = new InstanceCatalog(this.#collections);
    this.#claims = new LeaseClaims(this.#collections);
    this.#commits = new EpisodeCommits(this.#collections);
    this.#messages = new InstanceMessages(this.#collections);
  }

  async ensureSchema(): Promise<void> {
    // createIndexes creates a missing collection and is a no-op for an index that already exists with the same spec.
    await this.#collections.instances.createIndexes(INSTANCE_INDEXES);
    await this.#collections.history.createIndexes(HISTORY_INDEXES);
    await this.#collections.inbox.createIndexes(INBOX_INDEXES);
  }

  // Instances as a whole.

  createInstance(start: InstanceStart): Promise<void> {
    return this.#catalog.createInstance(start);
  }

  getInstance(instanceId: string): Promise<InstanceState | undefined> {
    return this.#catalog.getInstance(instanceId);
  }

  historySize(instanceId: string, executionId: string): Promise<HistorySize> {
    return readHistorySize(this.#collections, instanceId, executionId);
  }

  listInstances(
    query: InstanceQuery & ListBounds & { readonly pageSize?: number; readonly continuationToken?: string },
  ): Promise<{ instances: ListedInstance[]; continuationToken?: string }> {
    return this.#catalog.listInstances(query);
  }

  readChildren(parentInstanceId: string, query?: ChildQuery): AsyncGenerator<ChildInstance> {
    return this.#catalog.readChildren(parentInstanceId, query);
  }

  purgeInstance(instanceId: string, only?: { readonly executionId: string }): Promise<number> {
    return this.#catalog.purgeInstance(instanceId, only);
  }

  findFinishedInstances(query: FinishedInstanceQuery): Promise<FinishedInstance[]> {
    return findFinishedInstances(this.#collections, query);
  }

  purgeInstances(query: InstanceQuery): Promise<number> {
    return this.#catalog.purgeInstances(query);
  }

  // Messages.

  sendMessage(instanceId: string, event: HistoryEvent, options: { readonly dedupeKey?: string; readonly executionId?: string; readonly now: Date }): Promise<boolean> {
    return this.#messages.sendMessage(instanceId, event, options);
  }

  loadMessages(instanceId: string): Promise<InboxMessage[]> {
    return this.#messages.loadMessages(instanceId);
  }

  deleteMessages(ids: readonly string[]): Promise<void> {
    return this.#messages.deleteMessages(ids);
  }

  // Claims and leases.

  claimWork(options: ClaimOptions): Promise<WorkItem | undefined> {
    return this.#claims.claimWork(options);
  }

  claimInstance(instanceId: string, executionId: string, options: ClaimOptions): Promise<WorkItem | undefined> {
    return this.#claims.claimInstance(instanceId, executionId, options);
  }

  nextWorkTime(now: Date): Promise<Date | undefined> {
    return this.#claims.nextWorkTime(now);
  }

  /** Whether some instance has work due by `now`, claimed or not (a test environment's idleness check). */
  hasDueWork(now: Date): Promise<boolean> {
    return this.#claims.hasDueWork(now);
  }

  markStuck(instanceId: string, leaseToken: string, failure: FailureDetails, options: { readonly fail: boolean; readonly now: Date; readonly fingerprint?: string }): Promise<void> {
    return this.#claims.markStuck(instanceId, leaseToken, failure, options);
  }

  retryStuck(retry: StuckRetry): Promise<number> {
    return this.#claims.retryStuck(retry);
  }

  releaseWork(item: WorkItem, options: ReleaseOptions): Promise<boolean> {
    return this.#claims.releaseWork(item, options);
  }

  uncountClaim(instanceId: string): Promise<void> {
    return this.#claims.uncountClaim(instanceId);
  }

  renewLease(item: WorkItem, options: { readonly leaseMs: number; readonly now: Date }): Promise<boolean> {
    return this.#claims.renewLease(item, options);
  }

  // Episode commits and histories.

  loadHistory(instanceId: string, executionId: string): Promise<HistoryChunk[]> {
    return this.#commits.loadHistory(instanceId, executionId);
  }

  readHistory(instanceId: string, executionId: string): AsyncGenerator<HistoryChunk> {
    return this.#commits.readHistory(instanceId, executionId);
  }

  hasHistoryBeyond(instanceId: string, executionId: string, length: number): Promise<boolean> {
    return this.#commits.hasHistoryBeyond(instanceId, executionId, length);
  }

  commitEpisode(commit: EpisodeCommit): Promise<boolean> {
    return this.#commits.commitEpisode(commit);
  }

  appendEpisode(append: EpisodeAppend): Promise<boolean> {
    return this.#commits.appendEpisode(append);
  }

  markDispatched(instanceId: string, executionId: string, firstEventIndex: number): Promise<void> {
    return this.#commits.markDispatched(instanceId, executionId, firstEventIndex);
  }

  continueAsNew(commit: ContinueAsNewCommit): Promise<boolean> {
    return this.#commits.continueAsNew(commit);
  }

  async close(): Promise<void> {
    // Nothing to release: the store holds no cursors, timers or connections of its own (the client is the caller's).
  }
}
