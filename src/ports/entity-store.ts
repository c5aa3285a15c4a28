import type { EncodedPayload, HistoryEvent } from '../history/history-event.js';
import type { ListBounds } from './list-bounds.js';

/** The execution ID every entity "instance" carries: entities have state, not executions. Persisted. */
export const ENTITY_EXECUTION_ID = 'entity';

/** The orchestration a locked entity serves, and for which critical section. */
export interface EntityLockHolder {
  readonly criticalSectionId: string;
  readonly instanceId: string;
}

/**
 * Something an entity batch sends once its commit has landed: a message to an instance (an answer to a caller, a
 * signal to an entity, a forwarded lock request or grant) or the start of an orchestration. Kept with the entity's
 * state until sent, so a crash between the commit and the sending re-sends it (each is idempotent).
 */
export type EntityOutboxItem =
  | {
    readonly kind: 'message';
    readonly targetInstanceId: string;
    readonly event: HistoryEvent;
    readonly dedupeKey: string;
    /** The target execution, for answers to an orchestration. */
    readonly executionId?: string;
  }
  | {
    readonly kind: 'start';
    readonly name: string;
    readonly instanceId: string;
    readonly input: EncodedPayload;
    readonly idempotencyKey: string;
  };

/** An entity's stored fields, beside the instance fields (work flags, lease, version) every instance has. */
export interface EntityRecord {
  /** The entity name (lower case, as in the instance ID). */
  readonly name: string;
  /** Whether the entity has state (a deleted or never-written entity has none). */
  readonly exists: boolean;
  readonly state: EncodedPayload;
  readonly lock?: EntityLockHolder;
  /** Inbox messages the last committed batch applied: skipped (and deleted) if a crash left them queued. */
  readonly appliedMessageIds: readonly string[];
  /** Sends of the last committed batch not yet done. */
  readonly outbox: readonly EntityOutboxItem[];
  readonly lastModifiedTime: Date;
}

/** A committed entity batch, under the lease and the version read at claim time. */
export interface EntityBatchCommit {
  readonly instanceId: string;
  readonly leaseToken: string;
  readonly expectedVersion: number;
  readonly entity: Omit<EntityRecord, 'name' | 'lastModifiedTime'>;
  readonly now: Date;
}

/** One entity in a {@link EntityStore.listEntities} page. */
export interface EntitySummary {
  readonly instanceId: string;
  readonly name: string;
  readonly exists: boolean;
  /** Only when asked for (`fetchState`), and not larger than the list's `maxFieldBytes`. */
  readonly state?: EncodedPayload;
  /** True when the state was asked for but left out: larger than the list's `maxFieldBytes`. */
  readonly stateOmitted?: boolean;
  readonly lock?: EntityLockHolder;
  readonly lastModifiedTime: Date;
}

/**
 * Entities' storage. An entity is an instance (`@name@key`) of the instances collection — it is claimed, leased and
 * released like an orchestration, and its messages queue in the same inbox — whose document also holds its state,
 * its lock and the sends of its last batch.
 */
export interface EntityStore {
  /** Creates the entity's instance if it does not exist (with no state). Idempotent. */
  ensureEntity(instanceId: string, name: string, now: Date): Promise<void>;

  /**
   * Queues a message for an entity and flags it as having work, creating the entity first if it does not exist.
   * The message is inserted once and never withdrawn: creating the entity after a failed flag flags the same message
   * again (a message deleted and re-sent could be applied twice, if a worker applied the first copy meanwhile).
   * Returns false when a message with the same `dedupeKey` is still queued (it is flagged again).
   */
  sendMessage(instanceId: string, event: HistoryEvent, options: { readonly dedupeKey?: string; readonly now: Date }): Promise<boolean>;

  /** The entity's record; undefined when the entity was never signaled (or was removed). */
  getEntity(instanceId: string): Promise<EntityRecord | undefined>;

  /**
   * Commits a batch: state, lock, applied message IDs and outbox in one update, only if the lease token and the
   * version are still the claimed ones (the version moves by one); then deletes the applied messages. False on a
   * conflict (the caller discards its work).
   */
  commitEntityBatch(commit: EntityBatchCommit): Promise<boolean>;

  /**
   * Records that the entity applies these keyed messages (before the batch that applies them commits). A sender that
   * sends one again after a crash checks {@link EntityStore.hasReceipt} first: once the first copy has been applied
   * and deleted, the inbox's dedupe key no longer stops the second. Receipts are kept for a retention period.
   */
  recordReceipts(instanceId: string, dedupeKeys: readonly string[], now: Date): Promise<void>;

  /** Whether the entity applied (or is about to apply) the message with this dedupe key. */
  hasReceipt(instanceId: string, dedupeKey: string): Promise<boolean>;

  /** Empties the outbox once its sends are done (only if the version is still `version`). */
  clearEntityOutbox(instanceId: string, version: number): Promise<void>;

  /**
   * Entities by instance ID, optionally of one name, with a stable continuation token. With bounds, states too large
   * to list are neither read nor returned (`stateOmitted`), and a page may end before `pageSize` (see
   * {@link ListBounds}).
   */
  listEntities(query: ListBounds & {
    readonly name?: string; readonly pageSize?: number; readonly continuationToken?: string; readonly fetchState?: boolean;
  }): Promise<{ entities: EntitySummary[]; continuationToken?: string }>;

  /**
   * Removes entities that have no state, no lock, no queued message and no pending sends (`emptyEntitiesRemoved`),
   * and releases locks held for orchestrations that are no longer running (`orphanedLocksReleased`).
   */
  cleanEntityStorage(now: Date): Promise<{ emptyEntitiesRemoved: number; orphanedLocksReleased: number }>;
}
