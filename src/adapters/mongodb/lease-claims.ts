import { randomUUID } from 'node:crypto';
import type { FailureDetails } from '../../core/failure-details.js';
import type { Filter } from 'mongodb';
import type { InstanceStore, ReleaseOptions, WorkItem } from '../../ports/instance-store.js';
import type { StuckRetry } from '../../ports/work-claims.js';
import { CLAIM_SORT, claimFilter, versionFilter } from './instance-queries.js';
import { claimableAt, earlierOf, FIRST_WORK_SEQ } from './instance-updates.js';
import { assertDate, assertInteger, assertKey } from './store-arguments.js';
import { toInstanceState, type InstanceDocument } from './storage-documents.js';
import type { StoreCollections } from './store-collections.js';

/** Who claims, for how long, and when (the store never reads the clock). */
type ClaimOptions = Parameters<InstanceStore['claimWork']>[0];

/**
 * A claim is acknowledged by the primary alone, without waiting for the journal or a majority: it only keeps other
 * workers off the instance, and nothing rests on it surviving a crash or a failover. Every write the lease holder
 * makes afterwards names its lease token and is majority-acknowledged; a claim that is lost makes them miss (the
 * attempt never happened), and the unique history `_id` keeps two holders from committing the same episode.
 */
const CLAIM_WRITE_CONCERN = { writeConcern: { w: 1 } } as const;

/**
 * Claims and leases of {@link MongoInstanceStore}: which instance a worker runs next, the lease that keeps others
 * off it, and how the lease ends (released, with the work flag settled atomically, or marked stuck). Every write is
 * one atomic update of the instance document, conditioned on the lease token where the caller holds one.
 */
export class LeaseClaims {
  readonly #c: StoreCollections;

  constructor(collections: StoreCollections) {
    this.#c = collections;
  }

  /** See `InstanceStore.claimWork`: the oldest claimable instance with work, leased to the caller. */
  async claimWork(options: ClaimOptions): Promise<WorkItem | undefined> {
    assertKey(options.workerId, 'workerId');
    assertInteger(options.leaseMs, 'leaseMs', 1);
    assertDate(options.now, 'now');
    const token = randomUUID();
    const doc = await this.#c.instances.findOneAndUpdate(
      claimFilter(options.now, options.versions),
      {
        $set: { lease: { token, workerId: options.workerId, until: new Date(options.now.getTime() + options.leaseMs) } },
        $inc: { claimAttempts: 1 },
      },
      // The document before the claim: its lease, if any (an expired one), tells a takeover.
      { sort: CLAIM_SORT, returnDocument: 'before', ...CLAIM_WRITE_CONCERN },
    );
    if (doc === null) return undefined;
    const claimed: InstanceDocument = { ...doc, claimAttempts: doc.claimAttempts + 1 };
    return { instance: toInstanceState(claimed), leaseToken: token, workSeq: doc.work.seq, workPending: true, ...takenOver(doc), ...(isFresh(doc) ? { fresh: true } : {}) };
  }

  /** See `InstanceStore.claimInstance`: one running execution, leased to the caller whether or not it has work. */
  async claimInstance(instanceId: string, executionId: string, options: ClaimOptions): Promise<WorkItem | undefined> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertKey(options.workerId, 'workerId');
    assertInteger(options.leaseMs, 'leaseMs', 1);
    assertDate(options.now, 'now');
    const token = randomUUID();
    const doc = await this.#c.instances.findOneAndUpdate(
      {
        _id: instanceId,
        executionId,
        runtimeStatus: { $in: ['Running', 'Suspended'] },
        stuck: { $exists: false },
        $or: [{ lease: { $exists: false } }, { 'lease.until': { $lte: options.now } }],
        ...(options.versions === undefined ? {} : { $and: [versionFilter(options.versions)] }),
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
      { returnDocument: 'before', ...CLAIM_WRITE_CONCERN },
    );
    if (doc === null) return undefined;
    const claimed: InstanceDocument = { ...doc, claimAttempts: doc.claimAttempts + 1 };
    return { instance: toInstanceState(claimed), leaseToken: token, workSeq: doc.work.seq, workPending: doc.work.pending, ...takenOver(doc) };
  }

  /** See `InstanceStore.nextWorkTime`: when the earliest work that is not claimable at `now` becomes claimable. */
  async nextWorkTime(now: Date): Promise<Date | undefined> {
    assertDate(now, 'now');
    const projection = { work: 1, lease: 1 };
    let earliest: Date | undefined = undefined;
    // Work that is not available yet (scheduled starts), oldest first: stop once nothing later can be earlier.
    for await (const doc of this.#c.instances.find({ 'work.pending': true, 'work.availableAt': { $gt: now } }, { projection, sort: { 'work.availableAt': 1 }, batchSize: 20 })) {
      if (earliest !== undefined && doc.work.availableAt >= earliest) break;
      earliest = earlierOf(earliest, claimableAt(doc), now);
    }
    // Pending work behind a lease that has not expired yet (a worker is on it, or crashed holding it).
    for await (const doc of this.#c.instances.find({ 'lease.until': { $gt: now }, 'work.pending': true }, { projection, sort: { 'lease.until': 1 }, batchSize: 20 })) {
      if (earliest !== undefined && doc.lease !== undefined && doc.lease.until >= earliest) break;
      earliest = earlierOf(earliest, claimableAt(doc), now);
    }
    return earliest;
  }

  /** See `InstanceStore.hasDueWork`. */
  async hasDueWork(now: Date): Promise<boolean> {
    assertDate(now, 'now');
    return (await this.#c.instances.findOne({ 'work.pending': true, 'work.availableAt': { $lte: now } }, { projection: { _id: 1 } })) !== null;
  }

  /** See `InstanceStore.markStuck`: records a failing instance's failure (and fails it with `fail`) under the lease. */
  async markStuck(instanceId: string, leaseToken: string, failure: FailureDetails, options: { readonly fail: boolean; readonly now: Date; readonly fingerprint?: string }): Promise<void> {
    assertKey(instanceId, 'instanceId');
    assertKey(leaseToken, 'leaseToken');
    assertDate(options.now, 'now');
    if (options.fingerprint !== undefined) assertKey(options.fingerprint, 'fingerprint');
    const set: Record<string, unknown> = { stuck: failure, lastUpdatedTime: options.now };
    // The last worker to get stuck names the code: another code may resolve it (see retryStuck).
    if (options.fingerprint !== undefined) set['stuckFingerprint'] = options.fingerprint;
    if (options.fail) {
      set['runtimeStatus'] = 'Failed';
      set['failureDetails'] = failure;
      set['completedTime'] = options.now;
    }
    // $min keeps the first time it got stuck across retries (and sets it when absent).
    const unset = options.fingerprint === undefined ? { $unset: { stuckFingerprint: '' as const } } : {};
    await this.#c.instances.updateOne({ _id: instanceId, 'lease.token': leaseToken }, { $set: set, $min: { stuckSince: options.now }, ...unset });
  }

  /** See `InstanceStore.retryStuck`: stuck instances waiting for their backoff become claimable at `now`. */
  async retryStuck(retry: StuckRetry): Promise<number> {
    assertDate(retry.now, 'now');
    const filter: Filter<InstanceDocument> = {
      stuck: { $exists: true },
      runtimeStatus: { $in: ['Pending', 'Running', 'Suspended'] },
      'work.pending': true,
      'work.availableAt': { $gt: retry.now },
      $or: [{ lease: { $exists: false } }, { 'lease.until': { $lte: retry.now } }],
    };
    if (retry.instanceId !== undefined) {
      assertKey(retry.instanceId, 'instanceId');
      filter._id = retry.instanceId;
    }
    if (retry.exceptFingerprint !== undefined) {
      assertKey(retry.exceptFingerprint, 'exceptFingerprint');
      // Answered from the sparse index of stuck instances: only those stuck under some code have an entry.
      filter.stuckFingerprint = { $exists: true, $ne: retry.exceptFingerprint };
    }
    const updated = await this.#c.instances.updateMany(filter, { $set: { 'work.availableAt': retry.now } });
    return updated.modifiedCount;
  }

  /** See `InstanceStore.releaseWork`: ends the lease and settles the work flag. False when the lease was lost. */
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
    const unchanged = await this.#c.instances.updateOne(
      { _id: instanceId, 'lease.token': item.leaseToken, 'work.seq': item.workSeq },
      { $unset: { lease: '' }, $set: { ...(keepPending ? stillPending : { 'work.pending': false }), ...reset }, ...catchUp, ...uncount },
    );
    if (unchanged.matchedCount === 1) return true;
    // The counter moved: work arrived during the episode, so the instance stays flagged. (No match at all means the
    // lease was lost; then there is nothing to release.)
    const moved = await this.#c.instances.updateOne({ _id: instanceId, 'lease.token': item.leaseToken }, { $unset: { lease: '' }, $set: { ...stillPending, ...reset }, ...catchUp, ...uncount });
    return moved.matchedCount === 1;
  }

  /** See `InstanceStore.uncountClaim`: takes back one claim attempt (never below zero). */
  async uncountClaim(instanceId: string): Promise<void> {
    assertKey(instanceId, 'instanceId');
    await this.#c.instances.updateOne({ _id: instanceId, claimAttempts: { $gt: 0 } }, { $inc: { claimAttempts: -1 } });
  }

  /** See `InstanceStore.renewLease`: extends the lease from `now`; false when it was lost. */
  async renewLease(item: WorkItem, options: { readonly leaseMs: number; readonly now: Date }): Promise<boolean> {
    assertKey(item.instance.instanceId, 'instanceId');
    assertKey(item.leaseToken, 'leaseToken');
    assertInteger(options.leaseMs, 'leaseMs', 1);
    assertDate(options.now, 'now');
    const renewed = await this.#c.instances.updateOne(
      { _id: item.instance.instanceId, 'lease.token': item.leaseToken },
      { $set: { 'lease.until': new Date(options.now.getTime() + options.leaseMs) } },
    );
    return renewed.matchedCount === 1;
  }
}

/**
 * `WorkItem.fresh` of a claim, from the document before it: as `createInstance` wrote it — version 0, no history,
 * the work counter at its first value (nothing sent since), never claimed (no lease, no attempt counted).
 */
function isFresh(before: InstanceDocument): boolean {
  return before.version === 0 && before.historyLength === 0 && before.work.seq === FIRST_WORK_SEQ && before.claimAttempts === 0 && before.lease == null
    && before.stuck == null && before.carryoverEvents == null && before.entity == null;
}

/** `WorkItem.takenOverFrom` of a claim, from the document before it: the worker of the expired lease it replaced. */
function takenOver(before: InstanceDocument): { takenOverFrom?: string } {
  return before.lease == null ? {} : { takenOverFrom: before.lease.workerId };
}
