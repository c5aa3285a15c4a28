import type { FinishedBucket, HealthCountName, HealthSnapshot } from '../ports/health-stats.js';

/** One sample of `GET /health`: the counts at `at` (see `HealthSnapshot`). */
export interface HealthSamplePayload {
  /** ISO 8601. */
  readonly at: string;
  readonly backlog: { readonly instances: number; readonly activities: number; readonly timers: number };
  readonly running: number;
  readonly stuck: number;
  /** Only when some count reached the counting limit (100 000): those counts are lower bounds. */
  readonly atLeast?: readonly HealthCountName[];
}

/** One bucket of `GET /health`: instances that finished in `[start, start + bucketMs)`, by how they ended. */
export interface HealthBucketPayload {
  /** ISO 8601. */
  readonly start: string;
  readonly completed: number;
  readonly failed: number;
  readonly terminated: number;
  /** Only when true: a count of this bucket may be short (more than 100 000 instances finished with one status). */
  readonly partial?: true;
}

/** The body of `GET /health` (see docs/http-api.md). */
export interface HealthPayload {
  /** When the answer was made (ISO 8601). */
  readonly generatedAt: string;
  /** The window asked for, in minutes. */
  readonly minutes: number;
  readonly bucketMs: number;
  /** Whole buckets, oldest first, covering the window; the last one holds now (its end is in the future). */
  readonly buckets: readonly HealthBucketPayload[];
  /** The shortest time between two samples. */
  readonly sampleIntervalMs: number;
  /** Since when this router keeps samples (it was created then): no sample is older. */
  readonly samplingSince: string;
  /** The samples of the window this router took, oldest first; the last one is `current`. */
  readonly samples: readonly HealthSamplePayload[];
  /** The latest sample: taken for this request, or less than `sampleIntervalMs` before it. */
  readonly current: HealthSamplePayload;
}

/** A snapshot as a sample of the payload. */
export function toSamplePayload(snapshot: HealthSnapshot): HealthSamplePayload {
  return {
    at: snapshot.at.toISOString(),
    backlog: { instances: snapshot.backlog.instances, activities: snapshot.backlog.activities, timers: snapshot.backlog.timers },
    running: snapshot.running,
    stuck: snapshot.stuck,
    ...(snapshot.atLeast.length > 0 && { atLeast: snapshot.atLeast }),
  };
}

/** A bucket of finished instances as a bucket of the payload. */
export function toBucketPayload(bucket: FinishedBucket): HealthBucketPayload {
  return {
    start: bucket.start.toISOString(),
    completed: bucket.completed,
    failed: bucket.failed,
    terminated: bucket.terminated,
    ...(bucket.partial && { partial: true as const }),
  };
}
