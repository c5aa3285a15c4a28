/**
 * Cluster-wide health figures of a task hub — backlog, running and stuck instances, finished instances over time —
 * read from storage, for the dashboard's health view (the admin router's `GET /health`) and for metrics gauges.
 *
 * @module
 */
import { DurableError } from '../core/durable-error.js';

/**
 * Where every count of a {@link HealthSnapshot} stops: counting is bounded in cost however large the backlog grows.
 * A count that reached it is reported in {@link HealthSnapshot.atLeast}: there are at least that many.
 */
export const HEALTH_COUNT_LIMIT = 100_000;

/** The longest range {@link HealthStats.finishedPerBucket} reads: one hour. */
export const MAX_HEALTH_RANGE_MS = 60 * 60 * 1000;

/** The smallest bucket of {@link HealthStats.finishedPerBucket}: one second. */
export const MIN_HEALTH_BUCKET_MS = 1000;

/** The most buckets one {@link HealthStats.finishedPerBucket} answers. */
export const MAX_HEALTH_BUCKETS = 360;

/**
 * Due work that nobody has claimed yet: what workers are behind on. Work scheduled for later (a timer not due yet, a
 * stuck instance waiting for its retry) and work a live worker holds is not backlog.
 */
export interface HealthBacklog {
  /** Instances (entities included) flagged with work that is due, and that no worker holds a live lease on. */
  readonly instances: number;
  /** Activity jobs due and not locked (never started, given back, or locked by a worker whose lock expired). */
  readonly activities: number;
  /** Durable timers due and not locked (none while workers keep up: timers are locked as they fire). */
  readonly timers: number;
}

/** The name of a count of a {@link HealthSnapshot}, as {@link HealthSnapshot.atLeast} lists it. */
export type HealthCountName = 'backlog.instances' | 'backlog.activities' | 'backlog.timers' | 'running' | 'stuck';

/** The counts of {@link HealthStats.snapshot} at one moment, over every worker of the task hub. */
export interface HealthSnapshot {
  /** The time the counts were asked for (the `now` of the snapshot). */
  readonly at: Date;
  readonly backlog: HealthBacklog;
  /** Orchestration instances whose status is Running (entities, which are always "running", are not counted). */
  readonly running: number;
  /**
   * Instances (orchestrations and entities) that are stuck: Pending, Running or Suspended with a `stuckSince` — their
   * code cannot run their history (an unknown orchestrator, a non-deterministic change), retried with backoff.
   */
  readonly stuck: number;
  /** The counts that reached {@link HEALTH_COUNT_LIMIT} (there are at least that many); empty when all are exact. */
  readonly atLeast: readonly HealthCountName[];
}

/** Instances that finished within one bucket of {@link HealthStats.finishedPerBucket}, by how they ended. */
export interface FinishedBucket {
  /** The bucket covers completion times from `start` (included) to `start + bucketMs` (excluded; the last ends at `to`). */
  readonly start: Date;
  readonly completed: number;
  readonly failed: number;
  readonly terminated: number;
  /**
   * True when a count of this bucket may be short: more than {@link HEALTH_COUNT_LIMIT} instances finished with one
   * status over the range, and only the most recent ones were counted (later buckets are exact).
   */
  readonly partial: boolean;
}

/**
 * Health figures of a whole task hub, read from storage: the same for every process that asks. Every call is bounded
 * in cost: counts stop at {@link HEALTH_COUNT_LIMIT} and ranges at {@link MAX_HEALTH_RANGE_MS}, and each query is
 * answered from an index.
 *
 * Backlog and stuck instances exist only as a current state: storage keeps no past values of them. Whoever wants them
 * over time samples {@link HealthStats.snapshot} (the admin router keeps a ring of samples; a metrics exporter reads
 * it from an observable gauge's callback). Finished instances keep their completion time, so their counts over time
 * can be read afterwards ({@link HealthStats.finishedPerBucket}).
 *
 * @example
 * ```ts
 * const snapshot = await health.snapshot(new Date());
 * console.log(`backlog ${snapshot.backlog.instances + snapshot.backlog.activities + snapshot.backlog.timers}, stuck ${snapshot.stuck}`);
 * const to = new Date();
 * const buckets = await health.finishedPerBucket(new Date(to.getTime() - 15 * 60_000), to, 15_000);
 * ```
 */
export interface HealthStats {
  /**
   * The counts at `now`: backlog by kind, running and stuck instances. About five indexed counts, run in parallel.
   * @param now - What "due" is compared with (and the snapshot's `at`).
   */
  snapshot(now: Date): Promise<HealthSnapshot>;

  /**
   * Instances that completed, failed or were terminated with a completion time in `[from, to)`, counted per bucket of
   * `bucketMs` from `from`: one entry per bucket, empty ones included, in time order (see
   * {@link checkHealthBuckets} for the bounds). Instances that continued as new count only when their last
   * execution ends; entities never finish.
   * @throws DurableError with code `INVALID_ARGUMENT` for a range or bucket size out of bounds.
   */
  finishedPerBucket(from: Date, to: Date, bucketMs: number): Promise<FinishedBucket[]>;
}

/** What the instance store counts of a {@link HealthSnapshot} (the composition adds the jobs' side). */
export interface InstanceHealthCounts {
  /** Backlog of instances, running and stuck instances at `now`, each stopping at {@link HEALTH_COUNT_LIMIT}. */
  countInstances(now: Date): Promise<{ readonly backlog: number; readonly running: number; readonly stuck: number }>;
  /** See {@link HealthStats.finishedPerBucket}. */
  finishedPerBucket(from: Date, to: Date, bucketMs: number): Promise<FinishedBucket[]>;
}

/** What the work scheduler counts of a {@link HealthSnapshot}'s backlog. */
export interface JobHealthCounts {
  /** Activity and timer jobs due at `now` and not locked, each stopping at {@link HEALTH_COUNT_LIMIT}. */
  countDueJobs(now: Date): Promise<{ readonly activities: number; readonly timers: number }>;
}

/**
 * Checks the arguments of {@link HealthStats.finishedPerBucket}: valid dates with `from` before `to`, at most
 * {@link MAX_HEALTH_RANGE_MS} apart; an integer `bucketMs` of at least {@link MIN_HEALTH_BUCKET_MS}; at most
 * {@link MAX_HEALTH_BUCKETS} buckets. Returns the number of buckets (the last one may be shorter).
 * @throws DurableError with code `INVALID_ARGUMENT`, naming what is out of bounds.
 */
export function checkHealthBuckets(from: Date, to: Date, bucketMs: number): number {
  const fail = (message: string): never => {
    throw new DurableError('INVALID_ARGUMENT', `finishedPerBucket: ${message}`);
  };
  if (!(from instanceof Date) || Number.isNaN(from.getTime())) fail('from must be a valid Date.');
  if (!(to instanceof Date) || Number.isNaN(to.getTime())) fail('to must be a valid Date.');
  const rangeMs = to.getTime() - from.getTime();
  if (rangeMs <= 0) fail('from must be before to.');
  if (rangeMs > MAX_HEALTH_RANGE_MS) fail(`the range must be at most ${MAX_HEALTH_RANGE_MS} ms (one hour), got ${rangeMs} ms.`);
  if (!Number.isSafeInteger(bucketMs) || bucketMs < MIN_HEALTH_BUCKET_MS) fail(`bucketMs must be an integer >= ${MIN_HEALTH_BUCKET_MS}, got ${String(bucketMs)}.`);
  const buckets = Math.ceil(rangeMs / bucketMs);
  if (buckets > MAX_HEALTH_BUCKETS) fail(`at most ${MAX_HEALTH_BUCKETS} buckets, got ${buckets} (${rangeMs} ms in buckets of ${bucketMs} ms).`);
  return buckets;
}
