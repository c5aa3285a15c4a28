import { DEFAULT_LIST_MAX_FIELD_BYTES, DEFAULT_LIST_MAX_PAGE_BYTES } from '../client/list-options.js';
import { ReadGate } from './read-gate.js';

/** Default {@link AdminReadLimits.maxHistoryBytes}: 4 MiB of history view per status. */
export const DEFAULT_MAX_HISTORY_BYTES = 4 * 1024 * 1024;
/** Default {@link AdminReadLimits.maxConcurrentReads}. */
export const DEFAULT_MAX_CONCURRENT_READS = 4;
/** Default {@link AdminReadLimits.maxQueuedReads}. */
export const DEFAULT_MAX_QUEUED_READS = 32;

/**
 * How much the admin router's expensive reads may cost, so that no read-only caller can make it answer or hold
 * megabytes per request: lists (`GET /instances`, `GET /entities`), history views (`GET /instances/:id?showHistory=true`)
 * and history exports (`GET /instances/:id/history`). See docs/http-api.md, "Bounded answers".
 *
 * @example
 * ```ts
 * durably.adminRouter({ keys, readLimits: { maxFieldBytes: 16 * 1024, maxConcurrentReads: 2 } })
 * ```
 */
export interface AdminReadLimits {
  /**
   * A payload larger than this many bytes (encoded) is left out of list entries and history rows, which say so:
   * `inputOmitted`, `outputOmitted`, `customStatusOmitted` (instances), `stateOmitted` (entities), `InputOmitted`,
   * `ResultOmitted`, `ReasonOmitted` (history rows). `GET /instances/:id` and `GET /entities/:name/:key` return it.
   * Default 64 KiB.
   */
  readonly maxFieldBytes?: number;
  /**
   * A page of `GET /instances` or `GET /entities` ends early — with an `x-ms-continuation-token` that resumes at the
   * next entry — before its body would grow past this many bytes (a page holds at least one entry). Default 4 MiB.
   */
  readonly maxPageBytes?: number;
  /**
   * The `historyEvents` of a status stop before they would grow past this many bytes, and the status then has
   * `historyEventsTruncated: true` (the whole history: `GET /instances/:id/history`, streamed). Default 4 MiB.
   */
  readonly maxHistoryBytes?: number;
  /** How many list and history reads the router serves at once. Default 4. */
  readonly maxConcurrentReads?: number;
  /**
   * How many more wait for a slot, in arrival order; beyond that a read is refused with `503 TOO_MANY_READS` and
   * `Retry-After: 1`. Default 32.
   */
  readonly maxQueuedReads?: number;
}

/** {@link AdminReadLimits} with the defaults filled in, and the router's gate. */
export interface ResolvedReadLimits {
  readonly maxFieldBytes: number;
  readonly maxPageBytes: number;
  readonly maxHistoryBytes: number;
  /** Shared by every list and history route of one router. */
  readonly gate: ReadGate;
}

const KNOWN_LIMITS = new Set(['maxFieldBytes', 'maxPageBytes', 'maxHistoryBytes', 'maxConcurrentReads', 'maxQueuedReads']);

/**
 * Checks the router's `readLimits` option and fills in the defaults; each router gets its own gate.
 * @param fail - Throws the router's configuration error with the message.
 */
export function resolveReadLimits(raw: unknown, fail: (message: string) => never): ResolvedReadLimits {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) fail('adminRouter: readLimits must be an object.');
  const limits = (raw ?? {}) as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(limits)) {
    if (!KNOWN_LIMITS.has(key)) fail(`adminRouter: unknown readLimits option '${key}'. Known: ${[...KNOWN_LIMITS].join(', ')}.`);
  }
  const integer = (key: string, fallback: number, min: number): number => {
    const value = limits[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      return fail(`adminRouter: readLimits.${key} must be an integer >= ${min}, got ${typeof value === 'number' ? String(value) : typeof value}.`);
    }
    return value;
  };
  return {
    maxFieldBytes: integer('maxFieldBytes', DEFAULT_LIST_MAX_FIELD_BYTES, 0),
    maxPageBytes: integer('maxPageBytes', DEFAULT_LIST_MAX_PAGE_BYTES, 1),
    maxHistoryBytes: integer('maxHistoryBytes', DEFAULT_MAX_HISTORY_BYTES, 1),
    gate: new ReadGate(integer('maxConcurrentReads', DEFAULT_MAX_CONCURRENT_READS, 1), integer('maxQueuedReads', DEFAULT_MAX_QUEUED_READS, 0)),
  };
}
