/**
 * The update documents of {@link MongoInstanceStore} on `<taskHub>.instances` that carry logic of their own: an
 * episode commit's field changes, the atomic "flag work" pipeline, and the wake-up time arithmetic.
 *
 * @module
 */
import type { Document, UpdateFilter } from 'mongodb';
import type { EpisodeCommit } from '../../ports/instance-store.js';
import type { InstanceDocument } from './storage-documents.js';

/** The work counter of a created instance (its start is its first work): see `WorkItem.fresh`. */
export const FIRST_WORK_SEQ = 1;

/** Fields an episode commit may set on the instance (`EpisodeCommit.update`). */
const UPDATABLE_FIELDS = ['runtimeStatus', 'output', 'customStatus', 'failureDetails', 'completedTime', 'stuck'] as const;

/**
 * Flags an instance as having work, in one atomic pipeline update: the counter always moves (so a release in progress
 * keeps the flag), and the work becomes available `now` unless it was already pending — a message to an instance whose
 * scheduled start (or retry time) is still ahead waits for it, and a flagged instance keeps its place in the queue.
 */
export function flagWorkPipeline(now: Date, options: { readonly immediate?: boolean } = {}): Document[] {
  return [{
    $set: {
      work: {
        pending: true,
        seq: { $add: [{ $ifNull: ['$work.seq', 0] }, 1] },
        // Pending work keeps its place (and a scheduled start its time); a stuck instance waiting for its retry is
        // claimable at once, so a terminate (or any message) sent to it is not held back by the backoff.
        // `immediate` (a termination): claimable now, whatever the instance was waiting for.
        availableAt: options.immediate === true
          ? { $literal: now }
          : { $cond: [{ $and: [{ $eq: ['$work.pending', true] }, { $not: ['$stuck'] }] }, '$work.availableAt', { $literal: now }] },
      },
    },
  }];
}

/** The instance update of an episode commit: the fields it changes, the new history length and version. */
export function episodeUpdate(commit: EpisodeCommit): UpdateFilter<InstanceDocument> {
  const set: Record<string, unknown> = {
    historyLength: commit.chunk.firstEventIndex + commit.chunk.events.length,
    lastUpdatedTime: commit.now,
  };
  // Carried-over events are applied by the execution's first episode: once any episode has committed, they are history.
  const unset: Record<string, ''> = { carryoverEvents: '' };
  for (const field of UPDATABLE_FIELDS) {
    const value = commit.update[field];
    if (value !== undefined) set[field] = value;
    // Given but undefined clears an optional field; `stuck` is cleared by every commit that does not set it.
    else if (field === 'stuck' || (field !== 'runtimeStatus' && field in commit.update)) unset[field] = '';
  }
  if (commit.update.stuck === undefined) {
    unset['stuckSince'] = '';
    unset['stuckFingerprint'] = '';
  }
  return { $set: set, $unset: unset, $inc: { version: 1 } };
}

/** When an instance's pending work becomes claimable: its available time, or later if a lease holds it. */
export function claimableAt(doc: Pick<InstanceDocument, 'work' | 'lease'>): Date {
  const until = doc.lease?.until;
  return until !== undefined && until > doc.work.availableAt ? until : doc.work.availableAt;
}

/** The earlier of `current` and `candidate`, counting `candidate` only when it is after `now`. */
export function earlierOf(current: Date | undefined, candidate: Date, now: Date): Date | undefined {
  if (candidate <= now) return current;
  return current === undefined || candidate < current ? candidate : current;
}
