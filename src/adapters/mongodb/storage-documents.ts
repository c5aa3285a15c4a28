/**
 * The documents {@link MongoInstanceStore} keeps in a task hub's three collections, their indexes, and the mapping to
 * the port's types. The shapes are a persisted contract, described for operators in `docs/storage.md`: changing one
 * is a migration.
 *
 * @module
 */
import { ObjectId, type IndexDescription } from 'mongodb';
import type { FailureDetails } from '../../core/failure-details.js';
import type { HistoryEvent } from '../../history/history-event.js';
import type { EntityLockHolder, EntityOutboxItem, EntityRecord } from '../../ports/entity-store.js';
import type { InboxMessage, InstanceState, ParentInstance, RuntimeStatus } from '../../ports/instance-store.js';

/** When an instance has work, and since when (the claim order). */
export interface WorkFlags {
  /** True while messages (or a first episode, or more work) wait; cleared only by a release that saw no new work. */
  pending: boolean;
  /** Incremented by every `sendMessage` / `continueAsNew`: a release compares it with the value seen at claim time. */
  seq: number;
  /** No claim before this time (a scheduled start); among claimable instances the oldest is claimed first. */
  availableAt: Date;
}

/** Held by the worker running an episode of the instance. */
export interface LeaseFields {
  token: string;
  workerId: string;
  until: Date;
}

/** `<taskHub>.instances`: one per instance, describing its current execution. `_id` is the instance ID. */
export interface InstanceDocument {
  _id: string;
  executionId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input?: string;
  output?: string;
  customStatus?: string;
  failureDetails?: FailureDetails;
  createdTime: Date;
  lastUpdatedTime: Date;
  completedTime?: Date;
  scheduledStartTime?: Date;
  parentInstance?: ParentInstance;
  historyLength: number;
  version: number;
  stuck?: FailureDetails;
  stuckSince?: Date;
  claimAttempts: number;
  /** Set by continue-as-new with `preserveUnprocessedEvents`; cleared by the new execution's first commit. */
  carryoverEvents?: HistoryEvent[];
  work: WorkFlags;
  lease?: LeaseFields;
  idempotencyKey?: string;
  /** Entities only (`_id` = `@name@key`): state, lock, last batch and pending sends. */
  entity?: EntityFields;
}

/** The entity part of an entity's instance document. */
export interface EntityFields {
  name: string;
  exists: boolean;
  /** The encoded state; absent when `exists` is false. */
  state?: string;
  lock?: EntityLockHolder;
  appliedMessageIds: string[];
  outbox: EntityOutboxItem[];
  lastModifiedTime: Date;
}

/**
 * `<taskHub>.history`: one "head" document per committed episode, plus — only for an episode whose events exceed
 * {@link MAX_CHUNK_EVENT_BYTES} — "part" documents holding the rest of its events.
 */
export interface HistoryDocument {
  /** Head: `instanceId NUL executionId NUL firstEventIndex` (10 digits) — the concurrency guard. Part: that + `NUL commitId`. */
  _id: string;
  instanceId: string;
  executionId: string;
  /** Index of this document's first event in the execution's history. */
  firstEventIndex: number;
  events: HistoryEvent[];
  createdAt: Date;
  /** Head only. */
  consumedMessageIds?: string[];
  /** Head only: true until the episode's actions are dispatched. */
  undispatched?: boolean;
  /** Head only: the episode's number of events, over all its documents. */
  eventCount?: number;
  /** Split episodes: the commit attempt that wrote the head and its parts (parts of a losing or crashed attempt are ignored). */
  commitId?: string;
  /** Part only: 1, 2, ... in event order. Absent on heads. */
  part?: number;
  /** Part only: the head's firstEventIndex. */
  episodeFirstEventIndex?: number;
}

/** `<taskHub>.inbox`: one per message waiting for an episode of its instance. */
export interface InboxDocument {
  /** A fresh ObjectId's hex string, so that messages created in one process in one millisecond keep their order. */
  _id: string;
  instanceId: string;
  /** The execution a result is for; absent for messages to whatever execution is current. */
  executionId?: string;
  event: HistoryEvent;
  createdAt: Date;
  /** Present only when the sender gave one; unique per instance while the message is queued. */
  dedupeKey?: string;
}

/** A split episode's documents each hold at most this much of its events (BSON bytes), well under MongoDB's 16 MiB. */
export const MAX_CHUNK_EVENT_BYTES = 8 * 1024 * 1024;

/** The largest single event a history document can hold: MongoDB's 16 MiB less room for the document's other fields. */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024 - 64 * 1024;

/** Index names, persisted: queries and `explain` assertions refer to them. */
export const IndexName = {
  /** claimWork: pending instances whose work is available, oldest first. */
  Claim: 'work_pending_availableAt',
  /** nextWorkTime: leases that will expire. Sparse: only leased instances have an entry. */
  LeaseUntil: 'lease_until',
  /** listInstances / purgeInstances: creation order, `_id` as the tie-breaker of the continuation token. */
  CreatedTime: 'createdTime_id',
  /** listInstances / purgeInstances filtered by status. */
  StatusCreatedTime: 'runtimeStatus_createdTime_id',
  /** Finding the children of an instance (sub-orchestrations) by parent. */
  Parent: 'parentInstance_instanceId',
  /** loadHistory, and deleting an execution's history. */
  HistoryByExecution: 'instanceId_executionId_firstEventIndex',
  /** loadMessages, and deleting an instance's messages. */
  InboxByInstance: 'instanceId_createdAt_id',
  /** Absorbs duplicate deliveries of a message with the same dedupeKey. */
  InboxDedupe: 'instanceId_dedupeKey_unique',
} as const;

export const INSTANCE_INDEXES: IndexDescription[] = [
  { name: IndexName.Claim, key: { 'work.pending': 1, 'work.availableAt': 1 } },
  { name: IndexName.LeaseUntil, key: { 'lease.until': 1 }, sparse: true },
  { name: IndexName.CreatedTime, key: { createdTime: 1, _id: 1 } },
  { name: IndexName.StatusCreatedTime, key: { runtimeStatus: 1, createdTime: 1, _id: 1 } },
  { name: IndexName.Parent, key: { 'parentInstance.instanceId': 1 }, sparse: true },
];

export const HISTORY_INDEXES: IndexDescription[] = [
  { name: IndexName.HistoryByExecution, key: { instanceId: 1, executionId: 1, firstEventIndex: 1 } },
];

export const INBOX_INDEXES: IndexDescription[] = [
  { name: IndexName.InboxByInstance, key: { instanceId: 1, createdAt: 1, _id: 1 } },
  {
    name: IndexName.InboxDedupe,
    key: { instanceId: 1, dedupeKey: 1 },
    unique: true,
    // Only messages that carry a key are indexed: any number of messages without one may queue.
    partialFilterExpression: { dedupeKey: { $type: 'string' } },
  },
];

/** The history `_id` of an episode's head: NUL cannot occur in validated IDs, so the parts cannot run together. */
export function headId(instanceId: string, executionId: string, firstEventIndex: number): string {
  return `${instanceId}\u0000${executionId}\u0000${String(firstEventIndex).padStart(10, '0')}`;
}

/** The history `_id` of one extra part of a split episode written by commit attempt `commitId`. */
export function partId(instanceId: string, executionId: string, firstEventIndex: number, commitId: string): string {
  return `${headId(instanceId, executionId, firstEventIndex)}\u0000${commitId}`;
}

/** The port's view of an instance document: the work flags, lease and idempotency key stay internal. */
export function toInstanceState(doc: InstanceDocument): InstanceState {
  return {
    instanceId: doc._id,
    executionId: doc.executionId,
    name: doc.name,
    runtimeStatus: doc.runtimeStatus,
    input: doc.input ?? undefined,
    output: doc.output ?? undefined,
    customStatus: doc.customStatus ?? undefined,
    ...(doc.failureDetails != null && { failureDetails: doc.failureDetails }),
    createdTime: doc.createdTime,
    lastUpdatedTime: doc.lastUpdatedTime,
    ...(doc.completedTime != null && { completedTime: doc.completedTime }),
    ...(doc.scheduledStartTime != null && { scheduledStartTime: doc.scheduledStartTime }),
    ...(doc.parentInstance != null && { parentInstance: doc.parentInstance }),
    historyLength: doc.historyLength,
    version: doc.version,
    ...(doc.stuck != null && { stuck: doc.stuck }),
    ...(doc.stuckSince != null && { stuckSince: doc.stuckSince }),
    claimAttempts: doc.claimAttempts,
    ...(doc.carryoverEvents != null && doc.carryoverEvents.length > 0 && { carryoverEvents: doc.carryoverEvents }),
    ...(doc.entity != null && { entity: toEntityRecord(doc.entity) }),
  };
}

/** The port's view of an entity's fields. */
export function toEntityRecord(fields: EntityFields): EntityRecord {
  return {
    name: fields.name,
    exists: fields.exists,
    state: fields.exists ? (fields.state ?? undefined) : undefined,
    ...(fields.lock != null && { lock: fields.lock }),
    appliedMessageIds: fields.appliedMessageIds,
    outbox: fields.outbox,
    lastModifiedTime: fields.lastModifiedTime,
  };
}

/** A new inbox message for `instanceId` (its `_id` a fresh ObjectId, so messages of one process keep their order). */
export function newInboxDocument(instanceId: string, event: HistoryEvent, options: { readonly executionId?: string; readonly dedupeKey?: string; readonly now: Date }): InboxDocument {
  return {
    _id: new ObjectId().toHexString(),
    instanceId,
    ...(options.executionId !== undefined && { executionId: options.executionId }),
    event,
    createdAt: options.now,
    ...(options.dedupeKey !== undefined && { dedupeKey: options.dedupeKey }),
  };
}

export function toInboxMessage(doc: InboxDocument): InboxMessage {
  return {
    id: doc._id,
    instanceId: doc.instanceId,
    ...(doc.executionId != null && { executionId: doc.executionId }),
    event: doc.event,
    createdAt: doc.createdAt,
    ...(doc.dedupeKey != null && { dedupeKey: doc.dedupeKey }),
  };
}
