import { MalformedJobDataError } from '../../core/errors/malformed-job-data-error.js';
import { activityAttemptFields } from '../../history/activity-attempt-fields.js';
import type { ActivityAttemptLimits } from '../../history/history-event.js';
import type { ActivityJob, TimerJob } from '../../ports/work-scheduler.js';
import { traceContextFrom as parseTraceContext, type TraceContext } from '../../core/trace-context.js';

/**
 * The identity of a scheduled action: `${instanceId}\u0000${executionId}\u0000${sequence}`. A unique index on
 * `data.key` makes scheduling idempotent. Persisted: changing the format is a storage migration.
 */
export function jobKey(job: { readonly instanceId: string; readonly executionId: string; readonly sequence: number }): string {
  return `${job.instanceId}\u0000${job.executionId}\u0000${job.sequence}`;
}

/** `data` of a `durably.activity` job. */
export interface ActivityJobData extends ActivityJob {
  readonly key: string;
  /**
   * How many times a worker started the job without the start ending: incremented (and persisted) before each run,
   * decremented when a live worker gives the job back. At most 1 unless a worker died, froze or lost its lock.
   */
  readonly deliveries: number;
  /**
   * While a start with limits runs: when another worker may call it timed out (the running worker's own deadline plus
   * a grace), and which limit that is. Unset at each start, set by the running worker.
   */
  readonly timeoutAt?: Date;
  readonly timeoutKind?: 'startToClose' | 'heartbeat';
  /** The latest heartbeat details a start of this job wrote. */
  readonly lastHeartbeat?: string;
  /** Set when the orchestration cancelled the activity (or its instance was terminated) while it ran: the reason. */
  readonly cancelRequested?: string;
}

/** `data` of a `durably.timer` job. */
export interface TimerJobData extends TimerJob {
  readonly key: string;
}

/** The `data` of a new activity job: the activity, its key, and no delivery yet. */
export function activityJobData(job: ActivityJob): ActivityJobData {
  const { instanceId, executionId, sequence, name, input, traceContext } = job;
  return {
    instanceId, executionId, sequence, name, input, key: jobKey(job), deliveries: 0, ...activityAttemptFields(job),
    ...(traceContext === undefined ? {} : { traceContext: traceContextData(traceContext) }),
  };
}

/** The `data` of a new timer job: the timer and its key. */
export function timerJobData(job: TimerJob): TimerJobData {
  const { instanceId, executionId, sequence, fireAt } = job;
  return { instanceId, executionId, sequence, fireAt, key: jobKey(job) };
}

function record(data: unknown, jobName: string): Record<string, unknown> {
  if (typeof data !== 'object' || data === null) throw new MalformedJobDataError(jobName, 'not an object');
  return data as Record<string, unknown>;
}

function field<T>(data: Record<string, unknown>, jobName: string, key: string, check: (v: unknown) => v is T, what: string): T {
  const value = data[key];
  if (!check(value)) throw new MalformedJobDataError(jobName, `'${key}' is not ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isInteger = (v: unknown): v is number => Number.isInteger(v);
const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());

/** A stored activity job: the activity, its persisted delivery count, and what its earlier starts left. */
export interface StoredActivity {
  readonly job: ActivityJob;
  readonly deliveries: number;
  /** The latest heartbeat details an earlier start wrote. */
  readonly lastHeartbeat: string | undefined;
  /** Set when the activity was cancelled: the reason. */
  readonly cancelRequested: string | undefined;
  /** When another worker may call the running start timed out, and which limit that is. */
  readonly timeout: { readonly at: Date; readonly kind: 'startToClose' | 'heartbeat' } | undefined;
}

/** The activity and its persisted delivery count, read back from a stored job document's `data`. */
export function activityFromData(data: unknown, jobName: string): StoredActivity {
  const d = record(data, jobName);
  // The driver stores an undefined `input` as null.
  const input = optionalString(d, jobName, 'input');
  const limits = d.limits ?? undefined;
  if (limits !== undefined && (typeof limits !== 'object' || limits === null)) throw new MalformedJobDataError(jobName, "'limits' is not an object");
  const attempt = d.attempt ?? undefined;
  if (attempt !== undefined && !isInteger(attempt)) throw new MalformedJobDataError(jobName, "'attempt' is not an integer");
  const heartbeatDetails = optionalString(d, jobName, 'heartbeatDetails');
  const traceContext = traceContextFrom(d.traceContext);
  const timeoutAt = d.timeoutAt ?? undefined;
  const timeoutKind = d.timeoutKind === 'heartbeat' ? 'heartbeat' : 'startToClose';
  return {
    job: {
      instanceId: field(d, jobName, 'instanceId', isString, 'a string'),
      executionId: field(d, jobName, 'executionId', isString, 'a string'),
      sequence: field(d, jobName, 'sequence', isInteger, 'an integer'),
      name: field(d, jobName, 'name', isString, 'a string'),
      input,
      ...(limits === undefined ? {} : { limits: limitsOf(limits as Record<string, unknown>) }),
      ...(attempt === undefined ? {} : { attempt }),
      ...(heartbeatDetails === undefined ? {} : { heartbeatDetails }),
      ...(traceContext === undefined ? {} : { traceContext }),
    },
    deliveries: field(d, jobName, 'deliveries', isInteger, 'an integer'),
    lastHeartbeat: optionalString(d, jobName, 'lastHeartbeat'),
    cancelRequested: optionalString(d, jobName, 'cancelRequested'),
    timeout: isDate(timeoutAt) ? { at: timeoutAt, kind: timeoutKind } : undefined,
  };
}

// Stored as plain data (only its two strings); a malformed one is dropped: the attempt is then not traced under it.
function traceContextData(traceContext: TraceContext): TraceContext {
  return traceContext.traceState === undefined ? { traceParent: traceContext.traceParent } : { traceParent: traceContext.traceParent, traceState: traceContext.traceState };
}

function traceContextFrom(value: unknown): TraceContext | undefined {
  const stored = value as Partial<TraceContext> | null | undefined;
  if (typeof stored !== 'object' || stored === null) return undefined;
  const parsed = parseTraceContext(stored.traceParent, stored.traceState);
  return parsed;
}

function optionalString(d: Record<string, unknown>, jobName: string, key: string): string | undefined {
  const value = d[key] ?? undefined;
  if (value !== undefined && typeof value !== 'string') throw new MalformedJobDataError(jobName, `'${key}' is not a string`);
  return value;
}

function limitsOf(limits: Record<string, unknown>): ActivityAttemptLimits {
  const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  return {
    ...(positive(limits.startToCloseTimeoutMs) ? { startToCloseTimeoutMs: limits.startToCloseTimeoutMs } : {}),
    ...(positive(limits.heartbeatTimeoutMs) ? { heartbeatTimeoutMs: limits.heartbeatTimeoutMs } : {}),
  };
}

/**
 * How many earlier starts of the activity job with this `data` never ended (its worker died, froze or lost the lock),
 * before the job is started again; 0 for malformed data, which that start then fails.
 */
export function unfinishedStarts(data: unknown): number {
  const deliveries = typeof data === 'object' && data !== null ? (data as { deliveries?: unknown }).deliveries : undefined;
  return typeof deliveries === 'number' && Number.isInteger(deliveries) ? deliveries : 0;
}

/** The timer, read back from a stored job document's `data`. */
export function timerFromData(data: unknown, jobName: string): TimerJob {
  const d = record(data, jobName);
  return {
    instanceId: field(d, jobName, 'instanceId', isString, 'a string'),
    executionId: field(d, jobName, 'executionId', isString, 'a string'),
    sequence: field(d, jobName, 'sequence', isInteger, 'an integer'),
    fireAt: field(d, jobName, 'fireAt', isDate, 'a date'),
  };
}
