import type { FailureDetails } from '../core/failure-details.js';
import type { TraceContext } from '../core/trace-context.js';
import type { EntityRecord } from './entity-store.js';
import type { FinishedInstance, FinishedInstanceQuery } from './finished-instances.js';
import type { HistorySize } from './history-size.js';
import type { ListBounds } from './list-bounds.js';
import type { ClaimOptions, StuckRetry } from './work-claims.js';
import type { EncodedPayload, HistoryEvent } from '../history/history-event.js';

/** Durable Functions' runtime statuses. */
export type RuntimeStatus =
  | 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

/** Statuses after which an instance never runs again (a new `startNew` with the same ID may replace it). */
export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** The parent of a sub-orchestration: where to report its completion. */
export interface ParentInstance {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  /** The parent's action sequence number for this child. */
  readonly taskScheduledId: number;
}

/** The stored state of an instance's current execution. */
export interface InstanceState {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: EncodedPayload;
  readonly output: EncodedPayload;
  readonly customStatus: EncodedPayload;
  readonly failureDetails?: FailureDetails;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  readonly completedTime?: Date;
  /** Set by `startNew({ startAt })`: no work is claimed before this time. */
  readonly scheduledStartTime?: Date;
  readonly parentInstance?: ParentInstance;
  /**
   * Number of history events committed for the current execution (the next chunk starts here), as of the last
   * commit that updated the instance or the last release after appended episodes: it may lag behind the history,
   * never run ahead of it.
   */
  readonly historyLength: number;
  /** Incremented by every commit that updates the instance (`commitEpisode`): the optimistic-concurrency check of the next one. */
  readonly version: number;
  /** Set while an episode cannot run (non-determinism after a deploy, a poison episode): the error, for the status. */
  readonly stuck?: FailureDetails;
  /** When the instance first got stuck (kept across retries, cleared by the next commit): drives the retry backoff. */
  readonly stuckSince?: Date;
  /**
   * The orchestration version the instance was started with (`startNew(O, { version })`, the app's `version`, or its
   * parent's), kept across continue-as-new; undefined when it has none. Not to be confused with `version`.
   */
  readonly orchestrationVersion?: string;
  /**
   * The span that started the instance (the client's `create_orchestration` span, a parent orchestration's span), when
   * tracing was on: each execution's first episode records it as ExecutionStarted's `parentTraceContext`. Kept across
   * continue-as-new.
   */
  readonly traceContext?: TraceContext;
  /** Consecutive claims of this instance whose episode did not commit (poison detection). */
  readonly claimAttempts: number;
  /**
   * Events carried into this execution by continue-as-new (`preserveUnprocessedEvents`): the execution's first
   * episode applies them right after ExecutionStarted. Stored with the execution switch, so none can be lost.
   */
  readonly carryoverEvents?: readonly HistoryEvent[];
  /** Set when the instance is an entity (`@name@key`): its state, lock and pending sends. */
  readonly entity?: EntityRecord;
}

/** The payload fields of an instance that a list may leave out because they are too large to list. */
export type InstancePayloadField = 'input' | 'output' | 'customStatus';

/** One instance of a {@link InstanceStore.listInstances} page: its state, less the payloads too large to list. */
export type ListedInstance = InstanceState & {
  /** The payloads left out of this entry (larger than `maxFieldBytes`); absent when none was. */
  readonly omittedPayloads?: readonly InstancePayloadField[];
};

/** A sub-orchestration as {@link InstanceStore.readChildren} reads it. */
export interface ChildInstance {
  readonly instanceId: string;
  readonly executionId: string;
  readonly runtimeStatus: RuntimeStatus;
}

/** Which sub-orchestrations {@link InstanceStore.readChildren} reads. */
export interface ChildQuery {
  /** Only those started by this execution of the parent (default: by any of its executions). */
  readonly parentExecutionId?: string;
  /** Only those that have not finished (Pending, Running, Suspended, ContinuedAsNew). */
  readonly activeOnly?: boolean;
}

/** A message to an instance, waiting to be applied by an episode. */
export interface InboxMessage {
  readonly id: string;
  readonly instanceId: string;
  /**
   * The execution the message is for, when it answers one (results, timer firings); undefined for messages to
   * whatever execution is current (raised events, terminate, suspend). A result for another execution is stale.
   */
  readonly executionId?: string;
  /** The event to append to the instance's history (TaskCompleted, TimerFired, EventRaised, ExecutionTerminated, ...). */
  readonly event: HistoryEvent;
  readonly createdAt: Date;
  /** The sender's dedupe key, if it gave one (the identity of the message across re-sends). */
  readonly dedupeKey?: string;
}

/** A committed episode of history. */
export interface HistoryChunk {
  /** Index of the chunk's first event in the execution's history. */
  readonly firstEventIndex: number;
  readonly events: readonly HistoryEvent[];
  /** Inbox messages this chunk applied (so a crash between commit and message deletion cannot apply them twice). */
  readonly consumedMessageIds: readonly string[];
  /** True until the actions this chunk recorded have been dispatched (crash recovery re-dispatches them). */
  readonly undispatched: boolean;
}

/** A claimed instance: the lease is held until {@link InstanceStore.releaseWork}. */
export interface WorkItem {
  readonly instance: InstanceState;
  /** Proves the lease on release/commit. */
  readonly leaseToken: string;
  /** The instance's work counter when claimed: work added later keeps the instance flagged on release. */
  readonly workSeq: number;
  /**
   * Whether the instance had work flagged when claimed (always, for {@link InstanceStore.claimWork}). When false, its
   * inbox held nothing to apply: a message is queued before its flag is set.
   */
  readonly workPending: boolean;
  /**
   * Set when the claim took the instance from a lease that had expired (its worker died, froze, or could not release
   * it): that worker's ID. Undefined when no lease was left on it.
   */
  readonly takenOverFrom?: string;
  /**
   * Set when nothing has happened to the execution since it was created: never claimed before, no episode committed,
   * nothing sent to it. Its history and inbox can only be empty — unless a worker that lost its claim committed a
   * chunk and died before flagging the instance; then this claim's commit collides with that chunk, and it must be
   * counted (not uncounted), so that the next claim is not fresh and loads the history.
   */
  readonly fresh?: boolean;
}

/** Everything one episode commits. */
export interface EpisodeCommit {
  readonly instanceId: string;
  readonly executionId: string;
  /** The version read at claim time; the commit fails if the instance moved on. */
  readonly expectedVersion: number;
  readonly leaseToken: string;
  /**
   * Appended as one chunk at `firstEventIndex` = the length of the history the episode loaded (authoritative: the
   * instance's `historyLength` may lag behind after a lost lease). Must not be empty.
   */
  readonly chunk: HistoryChunk;
  /** New instance fields (status, output, custom status, failure, completedTime, stuck cleared...). */
  readonly update: Partial<Pick<InstanceState, 'runtimeStatus' | 'output' | 'customStatus' | 'failureDetails' | 'completedTime' | 'stuck'>>;
  readonly now: Date;
}

/** An episode that changes nothing a reader of the instance sees: {@link InstanceStore.appendEpisode}. */
export interface EpisodeAppend {
  readonly instanceId: string;
  readonly executionId: string;
  /** The lease the appending session holds (the history chunk, not the lease, is what fences concurrent commits). */
  readonly leaseToken: string;
  /** Appended as one chunk at `firstEventIndex` = the length of the history the session knows. Must not be empty. */
  readonly chunk: HistoryChunk;
  readonly now: Date;
}

/** How an episode lets its instance go (see {@link InstanceStore.releaseWork}). */
export interface ReleaseOptions {
  readonly moreWork: boolean;
  readonly succeeded: boolean;
  /** The episode failed for a reason outside the instance: its claim does not count toward the poison cap. */
  readonly uncounted?: boolean;
  readonly retryAt?: Date;
  readonly now: Date;
  readonly progress?: ReleaseProgress;
}

/** The summary fields a session brings up to date when it releases an instance it appended history to. */
export interface ReleaseProgress {
  /** The history's length as the session committed it (the stored value never moves backwards). */
  readonly historyLength: number;
  /** When the session last committed. */
  readonly lastUpdatedTime: Date;
}

/** What {@link InstanceStore.createInstance} starts. */
export interface InstanceStart {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly input: EncodedPayload;
  readonly parentInstance?: ParentInstance;
  readonly scheduledStartTime?: Date;
  /** See {@link InstanceState.orchestrationVersion}. */
  readonly orchestrationVersion?: string;
  /** See {@link InstanceState.traceContext}. */
  readonly traceContext?: TraceContext;
  readonly idempotencyKey?: string;
  /** A finished instance with this ID: replace it (the default; its old history is deleted), or refuse. */
  readonly ifFinished?: 'replace' | 'fail';
  readonly now: Date;
}

/** What {@link InstanceStore.continueAsNew} switches to. */
export interface ContinueAsNewCommit {
  readonly instanceId: string;
  readonly leaseToken: string;
  readonly executionId: string;
  readonly input: EncodedPayload;
  readonly carryoverEvents: readonly HistoryEvent[];
  readonly now: Date;
}

/** Filter of {@link InstanceStore.listInstances} and {@link InstanceStore.purgeInstances}. */
export interface InstanceQuery {
  readonly runtimeStatus?: readonly RuntimeStatus[];
  readonly createdTimeFrom?: Date;
  readonly createdTimeTo?: Date;
  readonly instanceIdPrefix?: string;
  /** Only instances of this orchestrator (its registered name, exactly). */
  readonly name?: string;
}

/**
 * Where instances, histories and inbox messages live. The MongoDB adapter implements it without multi-document
 * transactions: every step is a single-document atomic write or an idempotent one, in an order that keeps the
 * history the source of truth (see docs/storage.md).
 */
export interface InstanceStore {
  /** Creates collections and indexes (idempotent). */
  ensureSchema(): Promise<void>;

  /**
   * Creates an instance in status Pending, flagged as having work (its first episode writes ExecutionStarted from
   * these fields). Replaces a terminal instance with the same ID (its old history is deleted).
   * @throws InstanceAlreadyExistsError when an instance with this ID is Pending, Running or Suspended (or finished, with
   *   `ifFinished: 'fail'`) — unless `idempotencyKey` matches the existing one's (a re-dispatched sub-orchestration
   *   start), which is a no-op, also when that instance has finished (a re-dispatch must never run a child twice).
   */
  createInstance(start: InstanceStart): Promise<void>;

  /** The exact size of an execution's committed history (`historyLength` may lag), read without its events. */
  historySize(instanceId: string, executionId: string): Promise<HistorySize>;

  getInstance(instanceId: string): Promise<InstanceState | undefined>;

  /**
   * Queues a message and flags the instance as having work (one atomic increment of its work counter).
   * Returns false when a message with the same `dedupeKey` is still queued for the instance, or the instance does not
   * exist. (Duplicates of a message already applied are dropped by the runtime, which checks history.)
   */
  sendMessage(instanceId: string, event: HistoryEvent, options: { readonly dedupeKey?: string; readonly executionId?: string; readonly now: Date }): Promise<boolean>;

  /**
   * Claims the next instance that has work, is not leased (or whose lease expired) and whose scheduled start has
   * come, preferring the oldest work; undefined when there is none. Increments `claimAttempts`. With `versions`,
   * instances of other versions are not claimed (they wait for a worker that accepts them).
   */
  claimWork(options: ClaimOptions): Promise<WorkItem | undefined>;

  /**
   * Claims one instance for a result that reached this process (a timer fired or an activity finished here), whether
   * or not it has work flagged: only while `executionId` is its current execution, it is Running or Suspended and not
   * stuck, no live lease holds it, and its version is one `versions` accepts. Increments `claimAttempts` like
   * {@link InstanceStore.claimWork}.
   */
  claimInstance(instanceId: string, executionId: string, options: ClaimOptions): Promise<WorkItem | undefined>;

  /** The earliest time at which currently unclaimable work becomes claimable (scheduled starts, expiring leases). */
  nextWorkTime(now: Date): Promise<Date | undefined>;

  /** The current execution's history, chunk by chunk, in order. */
  loadHistory(instanceId: string, executionId: string): Promise<HistoryChunk[]>;

  /**
   * The same chunks as {@link InstanceStore.loadHistory}, read from storage as they are consumed: memory holds about
   * one chunk at a time, whatever the history's size (for views and exports of long histories).
   */
  readHistory(instanceId: string, executionId: string): AsyncIterable<HistoryChunk>;

  /**
   * Whether the execution's history holds more than its first `length` events: another worker committed past a copy
   * of that length kept in this process. (Histories are contiguous: a later chunk always starts exactly at `length`.)
   */
  hasHistoryBeyond(instanceId: string, executionId: string, length: number): Promise<boolean>;

  /** Queued messages for an instance, oldest first. */
  loadMessages(instanceId: string): Promise<InboxMessage[]>;

  /**
   * Commits an episode: inserts the chunk (unique per instance, execution and first index: of two workers committing
   * the same episode, exactly one succeeds), then updates the instance with a version check, then deletes the consumed
   * messages. Returns false on a conflict (the caller discards its work).
   */
  commitEpisode(commit: EpisodeCommit): Promise<boolean>;

  /**
   * Commits an episode whose instance fields do not change, in one write: inserts the chunk — unique per instance,
   * execution and first index, so of two workers appending at the same index exactly one succeeds, whatever their
   * leases say — then deletes the consumed inbox messages, if any. Returns false when another chunk is already at
   * that index (the caller's view of the history is stale; it discards its work). The instance's `historyLength` and
   * `lastUpdatedTime` lag until {@link InstanceStore.releaseWork} is given the session's progress.
   */
  appendEpisode(append: EpisodeAppend): Promise<boolean>;

  /** Marks a chunk's actions as dispatched. */
  markDispatched(instanceId: string, executionId: string, firstEventIndex: number): Promise<void>;

  /** Deletes messages (e.g. results for a finished instance). */
  deleteMessages(ids: readonly string[]): Promise<void>;

  /**
   * Starts a new execution of the same instance (continue-as-new), in one atomic update under the lease: new
   * executionId, history length 0, the given input and carry-over events, status Running, output/failure/stuck
   * cleared, flagged as having work; then the old execution's history is deleted. False when the lease was lost.
   */
  continueAsNew(commit: ContinueAsNewCommit): Promise<boolean>;

  /**
   * Records that an episode cannot run (non-determinism, poison): visible in the status, cleared by the next commit.
   * `stuckSince` is set the first time and kept by later calls. `fingerprint` names the code that got stuck (see
   * {@link InstanceStore.retryStuck}); cleared with the marker.
   */
  markStuck(instanceId: string, leaseToken: string, failure: FailureDetails, options: { readonly fail: boolean; readonly now: Date; readonly fingerprint?: string }): Promise<void>;

  /**
   * Makes stuck instances that wait for their retry (Running, Pending or Suspended, with work flagged and not yet
   * claimable) claimable at `now`, ignoring the stuck backoff: one of them (`instanceId`, for the operator's
   * `retryNow`), or every one stuck under another code fingerprint than `exceptFingerprint` (a worker that starts
   * with other code). Returns how many it changed. A stuck instance that a worker holds is left alone.
   */
  retryStuck(retry: StuckRetry): Promise<number>;

  /**
   * Takes back one claim's count of `claimAttempts` (never below 0), for a claim whose episode failed outside the
   * instance but could not be released in time (the database was away): see `uncounted` on release.
   */
  uncountClaim(instanceId: string): Promise<void>;

  /**
   * Extends the lease of `item` to `now + leaseMs`, for an episode still running: false when the lease is no longer
   * this item's (it expired and another worker claimed the instance).
   */
  renewLease(item: WorkItem, options: { readonly leaseMs: number; readonly now: Date }): Promise<boolean>;

  /**
   * Releases the lease. The instance stays flagged as having work if its work counter moved since the claim or
   * `moreWork` is true; otherwise the flag is cleared. `claimAttempts` resets when `succeeded`; with `uncounted`
   * (a failure outside the instance: storage, network, shutdown) this claim's increment is taken back, so it never
   * counts toward the poison cap. With `retryAt`, the instance stays flagged but is not claimable before that time
   * (a stuck instance retried with backoff). With `progress`, the instance's history length and last update time
   * move forward to it (never backwards). False when the lease was no longer this item's (nothing was released).
   */
  releaseWork(item: WorkItem, options: ReleaseOptions): Promise<boolean>;

  /**
   * Instances matching the query, ordered by creation time then ID, with a stable continuation token. With `bounds`,
   * payloads too large to list are neither read nor returned, and a page may end before `pageSize` (see
   * {@link ListBounds}).
   */
  listInstances(
    query: InstanceQuery & ListBounds & { readonly pageSize?: number; readonly continuationToken?: string },
  ): Promise<{ instances: ListedInstance[]; continuationToken?: string }>;

  /**
   * The sub-orchestrations whose parent is `parentInstanceId`, in no particular order, read from storage a batch at a
   * time as they are consumed (an index on the parent serves the query): memory holds one batch however many children
   * the parent has. For cascading terminate and purge.
   */
  readChildren(parentInstanceId: string, query?: ChildQuery): AsyncIterable<ChildInstance>;

  /** Deletes an instance with its history and messages (0 or 1 deleted); with `only`, only while it is that execution and finished. */
  purgeInstance(instanceId: string, only?: { readonly executionId: string }): Promise<number>;

  /** Finished instances in completion order (completion time, then ID), a bounded batch: retention, purges by completion time. */
  findFinishedInstances(query: FinishedInstanceQuery): Promise<FinishedInstance[]>;

  /** Deletes every matching instance with its history and messages; returns the count. */
  purgeInstances(query: InstanceQuery): Promise<number>;

  /** Releases what the store holds (not the client it was given). */
  close(): Promise<void>;
}
