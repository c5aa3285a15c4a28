/**
 * The documents {@link MongoInstanceStore} keeps in a task hub's three collections, their indexes, and the mapping to
 * the port's types. The shapes are a persisted contract, described for operators in `docs/storage.md`: changing one
 * is a migration.
 *
 * @module
 */
import { ObjectId, type Document, type IndexDescription } from 'mongodb';
import type { FailureDetails } from '../../core/failure-details.js';
import type { HistoryEvent } from '../../history/history-event.js';
import type { TraceContext } from '../../core/trace-context.js';
import type { EntityLockHolder, EntityOutboxItem, EntityRecord } from '../../ports/entity-store.js';
import type { InboxMessage, InstancePayloadField, InstanceState, ListedInstance, ParentInstance, RuntimeStatus } from '../../ports/instance-store.js';

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
  /** The code fingerprint of the worker that marked the instance stuck (see `InstanceStore.retryStuck`). */
  stuckFingerprint?: string;
  /** See `InstanceState.orchestrationVersion`. */
  orchestrationVersion?: string;
  /** `versionSortKey(orchestrationVersion)`: what a claim compares (`InstanceStore.claimWork`'s `versions`). */
  orchestrationVersionKey?: string;
  /** See `InstanceState.traceContext`. */
  traceContext?: TraceContext;
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
  /** Head only: the size of the episode's events (`historyEventBytes`), over all its documents: for `historySize`. */
  eventBytes?: number;
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
  /** findFinishedInstances (retention, purges by completion time): finished instances in completion order. */
  StatusCompletedTime: 'runtimeStatus_completedTime_id',
  /** Finding the children of an instance (sub-orchestrations) by parent. */
  Parent: 'parentInstance_instanceId',
  /** retryStuck: instances stuck under a code fingerprint. Sparse: only those have an entry. */
  StuckFingerprint: 'stuckFingerprint',
  /** Health counts: orchestrations by status, without the entities (their entries have an entity name). */
  StatusEntityName: 'runtimeStatus_entityName',
  /** Health counts: stuck instances by status. Partial: only instances with a `stuckSince` have an entry. */
  StuckStatus: 'stuck_runtimeStatus',
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
  { name: IndexName.StatusCompletedTime, key: { runtimeStatus: 1, completedTime: 1, _id: 1 } },
  { name: IndexName.Parent, key: { 'parentInstance.instanceId': 1 }, sparse: true },
  { name: IndexName.StuckFingerprint, key: { stuckFingerprint: 1 }, sparse: true },
  { name: IndexName.StatusEntityName, key: { runtimeStatus: 1, 'entity.name': 1 } },
  { name: IndexName.StuckStatus, key: { runtimeStatus: 1 }, partialFilterExpression: { stuckSince: { $exists: true } } },
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
export function toInstanceState(doc: Omit<InstanceDocument, 'work' | 'lease' | 'idempotencyKey'>): InstanceState {
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
    ...(doc.orchestrationVersion != null && { orchestrationVersion: doc.orchestrationVersion }),
    ...(doc.traceContext != null && { traceContext: doc.traceContext }),
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

/** The payload fields of an instance document that a list may leave out. */
const PAYLOAD_FIELDS: readonly InstancePayloadField[] = ['input', 'output', 'customStatus'];

/** What a list entry reads of an instance document: what a status shows, none of the work flags, lease or carry-over. */
const LISTED_FIELDS = [
  'executionId', 'name', 'runtimeStatus', 'failureDetails', 'createdTime', 'lastUpdatedTime', 'completedTime',
  'scheduledStartTime', 'parentInstance', 'historyLength', 'version', 'stuck', 'stuckSince', 'claimAttempts',
  'orchestrationVersion',
] as const;

/**
 * An instance document as a list reads it ({@link listedInstanceProjection}): the listed fields, the payloads small
 * enough to list, and which payloads the server left out (`listedOmitted`, computed by the query; never stored).
 */
export type ListedInstanceDocument = Omit<InstanceDocument, 'work' | 'lease' | 'idempotencyKey' | 'carryoverEvents' | 'entity'> & {
  listedOmitted?: Partial<Record<InstancePayloadField, boolean>>;
};

/** An entity as a list reads it ({@link listedEntityProjection}); `listedOmitted` is computed by the query. */
export interface ListedEntityDocument {
  _id: string;
  entity?: Pick<EntityFields, 'name' | 'exists' | 'lock' | 'lastModifiedTime' | 'state'>;
  listedOmitted?: { state?: boolean };
}

// MongoDB's own limit on a document: a payload bound at or above it leaves nothing out.
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * An aggregation expression that is true when the payload at `path` is longer than `maxBytes`. `$indexOfBytes` of
 * the empty string from position `maxBytes + 1` finds it only in a longer string, and answers without walking or
 * copying the string (`$strLenBytes` walks it: the embedded engine takes about 0.2 s per MiB for that). The embedded
 * engine counts UTF-16 code units instead of bytes, so non-ASCII text of up to 3 × `maxBytes` bytes may pass: the
 * reader measures what it gets ({@link toListedInstance}). Expressions in find projections need MongoDB 4.4+.
 */
function payloadOver(path: string, maxBytes: number): Document {
  return { $gte: [{ $indexOfBytes: [{ $ifNull: [path, ''] }, '', maxBytes + 1] }, 0] };
}

/** The payload at `path` unless it is over `maxBytes`: the server leaves a large one out of the result. */
function payloadUnlessOver(path: string, maxBytes: number): Document {
  return { $cond: [payloadOver(path, maxBytes), '$$REMOVE', path] };
}

/** Whether a bound leaves anything out (none at or above MongoDB's document size). */
function bounded(maxFieldBytes: number | undefined): maxFieldBytes is number {
  return maxFieldBytes !== undefined && maxFieldBytes < MAX_DOCUMENT_BYTES;
}

/**
 * The projection of a list of instances: the listed fields, and each payload only when it is at most `maxFieldBytes`
 * (every payload when undefined), with a flag for each one left out.
 */
export function listedInstanceProjection(maxFieldBytes: number | undefined): Document {
  const projection: Document = Object.fromEntries(LISTED_FIELDS.map((field) => [field, 1]));
  for (const field of PAYLOAD_FIELDS) projection[field] = bounded(maxFieldBytes) ? payloadUnlessOver(`$${field}`, maxFieldBytes) : 1;
  if (bounded(maxFieldBytes)) projection['listedOmitted'] = Object.fromEntries(PAYLOAD_FIELDS.map((field) => [field, payloadOver(`$${field}`, maxFieldBytes)]));
  return projection;
}

/**
 * The projection of a list of entities: their names, locks and times, and with `fetchState` the state as payloads
 * are for instances. Never the outbox or the applied message IDs.
 */
export function listedEntityProjection(fetchState: boolean, maxFieldBytes: number | undefined): Document {
  const projection: Document = { 'entity.name': 1, 'entity.exists': 1, 'entity.lock': 1, 'entity.lastModifiedTime': 1 };
  if (!fetchState) return projection;
  if (!bounded(maxFieldBytes)) return { ...projection, 'entity.state': 1 };
  projection['entity.state'] = payloadUnlessOver('$entity.state', maxFieldBytes);
  projection['listedOmitted'] = { state: payloadOver('$entity.state', maxFieldBytes) };
  return projection;
}

/**
 * Drops from a listed document the payloads over `maxFieldBytes` that the server let through (an engine that counts
 * characters rather than bytes), so that what a list returns is bounded in bytes either way.
 */
export function dropOversizedPayloads(doc: ListedInstanceDocument, maxFieldBytes: number | undefined): ListedInstanceDocument {
  if (!bounded(maxFieldBytes)) return doc;
  for (const field of PAYLOAD_FIELDS) {
    if (utf8Bytes(doc[field]) > maxFieldBytes) {
      delete doc[field];
      doc.listedOmitted = { ...doc.listedOmitted, [field]: true };
    }
  }
  return doc;
}

/** As {@link dropOversizedPayloads}, for a listed entity's state. */
export function dropOversizedState(doc: ListedEntityDocument, maxFieldBytes: number | undefined): ListedEntityDocument {
  if (bounded(maxFieldBytes) && doc.entity !== undefined && utf8Bytes(doc.entity.state) > maxFieldBytes) {
    delete doc.entity.state;
    doc.listedOmitted = { state: true };
  }
  return doc;
}

/** The port's view of a listed instance: its state, and the payloads the list left out. */
export function toListedInstance(doc: ListedInstanceDocument): ListedInstance {
  const omitted = PAYLOAD_FIELDS.filter((field) => doc.listedOmitted?.[field] === true);
  const state = toInstanceState(doc);
  return omitted.length === 0 ? state : { ...state, omittedPayloads: omitted };
}

/**
 * The size estimate of a listed instance: the allowance per entry, its ID and name, the payloads it returns and its
 * failure details, as JSON in UTF-8 bytes — never less than what the HTTP API sends for the entry.
 */
export function listedInstanceSize(doc: ListedInstanceDocument, overheadBytes: number): number {
  let size = overheadBytes + jsonBytes(doc._id) + jsonBytes(doc.name);
  for (const field of PAYLOAD_FIELDS) size += utf8Bytes(doc[field]);
  if (doc.failureDetails != null) size += jsonBytes(doc.failureDetails);
  if (doc.stuck != null) size += jsonBytes(doc.stuck);
  return size;
}

/** The size estimate of a listed entity (as {@link listedInstanceSize}). */
export function listedEntitySize(doc: ListedEntityDocument, overheadBytes: number): number {
  return overheadBytes + jsonBytes(doc._id) + utf8Bytes(doc.entity?.state);
}

function utf8Bytes(text: string | null | undefined): number {
  return text == null ? 0 : Buffer.byteLength(text, 'utf8');
}

function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value));
}
