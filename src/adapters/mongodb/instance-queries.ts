/**
 * The queries of {@link MongoInstanceStore} over `<taskHub>.instances` that must be served by an index (claiming work,
 * listing and purging), kept apart so that tests can `explain` exactly what the store runs.
 *
 * @module
 */
import type { Filter, Sort } from 'mongodb';
import { DurableError } from '../../core/durable-error.js';
import { assertVersion, versionSortKey } from '../../core/orchestration-version.js';
import { TERMINAL_STATUSES, type ChildQuery, type InstanceQuery, type RuntimeStatus } from '../../ports/instance-store.js';
import type { VersionClaim } from '../../ports/work-claims.js';
import { LIST_ENTRY_OVERHEAD_BYTES, type ListBounds } from '../../ports/list-bounds.js';
import { assertDate, assertInteger, assertKey, assertRuntimeStatus } from './store-arguments.js';
import type { InstanceDocument } from './storage-documents.js';

/** Default and maximum page sizes of `listInstances` (and `listEntities`). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** A list's page size and bounds, checked: `pageSize` defaults to 100 and is capped at 1000. */
export interface CheckedListBounds {
  readonly pageSize: number;
  readonly maxFieldBytes: number | undefined;
  readonly maxPageBytes: number | undefined;
  /**
   * How many entries the driver fetches per round trip: enough for a page, but no more than about one page's byte
   * budget of entries of the largest listed size, so that a list holds little more than its budget in memory.
   */
  readonly batchSize: number;
}

/**
 * Checks the page size and bounds of a list (`listInstances`, `listEntities`) and fills in the defaults.
 * @throws DurableError with code `INVALID_ARGUMENT` for a page size below 1 or a negative or fractional bound.
 */
export function checkListBounds(query: ListBounds & { readonly pageSize?: number }, payloadFields: number): CheckedListBounds {
  let pageSize = DEFAULT_PAGE_SIZE;
  if (query.pageSize !== undefined) {
    assertInteger(query.pageSize, 'pageSize', 1);
    pageSize = Math.min(query.pageSize, MAX_PAGE_SIZE);
  }
  if (query.maxFieldBytes !== undefined) assertInteger(query.maxFieldBytes, 'maxFieldBytes', 0);
  if (query.maxPageBytes !== undefined) assertInteger(query.maxPageBytes, 'maxPageBytes', 1);
  // One more than a page tells whether another page exists, without an empty last page.
  let batchSize = pageSize + 1;
  if (query.maxFieldBytes !== undefined && query.maxPageBytes !== undefined) {
    const largestEntry = LIST_ENTRY_OVERHEAD_BYTES + payloadFields * query.maxFieldBytes;
    batchSize = Math.min(batchSize, Math.max(2, Math.ceil(query.maxPageBytes / largestEntry) + 1));
  }
  return { pageSize, maxFieldBytes: query.maxFieldBytes, maxPageBytes: query.maxPageBytes, batchSize };
}

/**
 * Reads one page from `docs` (a cursor sorted in list order, limited to `pageSize + 1`): at most `pageSize` entries,
 * ending early before the entry that would take the page's estimated size past `maxPageBytes` (a page holds at least
 * one entry). `more` tells whether an entry follows the page. Leaving the loop early closes the cursor.
 */
export async function readBoundedPage<T>(
  docs: AsyncIterable<T>,
  bounds: Pick<CheckedListBounds, 'pageSize' | 'maxPageBytes'>,
  sizeOf: (doc: T) => number,
): Promise<{ page: T[]; more: boolean }> {
  const page: T[] = [];
  let bytes = 0;
  for await (const doc of docs) {
    if (page.length === bounds.pageSize) return { page, more: true };
    if (bounds.maxPageBytes !== undefined) {
      const size = sizeOf(doc);
      if (page.length > 0 && bytes + size > bounds.maxPageBytes) return { page, more: true };
      bytes += size;
    }
    page.push(doc);
  }
  return { page, more: false };
}

// The earliest Date JavaScript can represent: an explicit lower bound lets every list query use the creation-time
// index as a range (a query with no condition at all would be planned as a scan by some engines).
const MIN_DATE = new Date(-8.64e15);

/**
 * Pending instances whose work is available and that nobody holds a live lease on — with `versions`, only those of
 * the versions it accepts (checked on the documents the claim index finds: no index of its own).
 */
export function claimFilter(now: Date, versions?: VersionClaim): Filter<InstanceDocument> {
  return {
    'work.pending': true,
    'work.availableAt': { $lte: now },
    $or: [{ lease: { $exists: false } }, { 'lease.until': { $lte: now } }],
    ...(versions === undefined ? {} : { $and: [versionFilter(versions)] }),
  };
}

/**
 * Instances of the versions `versions` accepts, compared through their stored sort key (`versionSortKey`, whose plain
 * order is `compareVersions`'): no version is older than every version, and entities (which have none) always pass.
 */
export function versionFilter(versions: VersionClaim): Filter<InstanceDocument> {
  const unversioned: Filter<InstanceDocument> = { orchestrationVersionKey: { $exists: false } };
  if (versions.version === undefined) return unversioned;
  assertVersion(versions.version, 'versions.version');
  const key = versionSortKey(versions.version);
  if (versions.match === 'strict') return { $or: [{ orchestrationVersionKey: key }, { entity: { $exists: true } }] };
  if (versions.match === 'currentOrOlder') return { $or: [unversioned, { orchestrationVersionKey: { $lte: key } }] };
  throw new DurableError('INVALID_ARGUMENT', `versions.match must be 'strict' or 'currentOrOlder', got ${String(versions.match)}`);
}

/**
 * The sub-orchestrations of `parentInstanceId` (see `InstanceStore.readChildren`): answered from the parent index,
 * the other conditions checked on the children it finds.
 */
export function childrenFilter(parentInstanceId: string, query: ChildQuery): Filter<InstanceDocument> {
  assertKey(parentInstanceId, 'parentInstanceId');
  const filter: Filter<InstanceDocument> = { 'parentInstance.instanceId': parentInstanceId };
  if (query.parentExecutionId !== undefined) {
    assertKey(query.parentExecutionId, 'parentExecutionId');
    filter['parentInstance.executionId'] = query.parentExecutionId;
  }
  if (query.activeOnly === true) filter.runtimeStatus = { $nin: [...TERMINAL_STATUSES] };
  return filter;
}

/** Oldest work first. */
export const CLAIM_SORT: Sort = { 'work.availableAt': 1 };

/** Creation order, `_id` breaking ties: the order of `listInstances` and the position its continuation token names. */
export const LIST_SORT: Sort = { createdTime: 1, _id: 1 };

/** A position in {@link LIST_SORT} order: the last instance of a page. */
export interface ListPosition {
  readonly createdTime: Date;
  readonly instanceId: string;
}

/**
 * The filter of `listInstances` / `purgeInstances`, optionally resuming after `after`. Every user-supplied value is
 * validated and used only as a compared value, never as a field name or operator.
 */
export function instanceQueryFilter(query: InstanceQuery, after?: ListPosition): Filter<InstanceDocument> {
  let from = MIN_DATE;
  if (query.createdTimeFrom !== undefined) {
    assertDate(query.createdTimeFrom, 'createdTimeFrom');
    from = query.createdTimeFrom;
  }
  if (after !== undefined && after.createdTime > from) from = after.createdTime;
  const createdTime: { $gte: Date; $lte?: Date } = { $gte: from };
  if (query.createdTimeTo !== undefined) {
    assertDate(query.createdTimeTo, 'createdTimeTo');
    createdTime.$lte = query.createdTimeTo;
  }
  // Entities (`@name@key`) are instances too, but are listed and cleaned through the entity API.
  const filter: Filter<InstanceDocument> = { createdTime, entity: { $exists: false } };

  const statuses: unknown = query.runtimeStatus;
  if (statuses !== undefined) {
    if (!Array.isArray(statuses)) throw new DurableError('INVALID_ARGUMENT', 'runtimeStatus must be an array of runtime statuses.');
    const list: RuntimeStatus[] = [];
    statuses.forEach((status: unknown, i) => {
      assertRuntimeStatus(status, `runtimeStatus[${i}]`);
      list.push(status);
    });
    // An empty list filters nothing, like an absent one.
    if (list.length > 0) filter.runtimeStatus = { $in: list };
  }

  if (query.name !== undefined) {
    assertKey(query.name, 'name');
    filter.name = query.name;
  }
  if (query.instanceIdPrefix !== undefined && query.instanceIdPrefix !== '') {
    assertKey(query.instanceIdPrefix, 'instanceIdPrefix');
    // A range, not a regex: no metacharacters to escape, and every engine can answer it from the _id index.
    const upper = prefixUpperBound(query.instanceIdPrefix);
    filter._id = upper === undefined ? { $gte: query.instanceIdPrefix } : { $gte: query.instanceIdPrefix, $lt: upper };
  }

  if (after !== undefined) {
    filter.$or = [
      { createdTime: { $gt: after.createdTime } },
      { createdTime: after.createdTime, _id: { $gt: after.instanceId } },
    ];
  }
  return filter;
}

/**
 * The least string greater than every string that starts with `prefix`, in MongoDB's (UTF-8 byte = code point) order:
 * the prefix with its last code point incremented. Undefined when no such string exists (all code points maximal).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (codePoints.length > 0) {
    const last = (codePoints.pop() ?? 0) + 1;
    if (last <= 0x10ffff) {
      // Surrogate code points cannot be encoded in UTF-8: the next real one is U+E000.
      codePoints.push(last >= 0xd800 && last <= 0xdfff ? 0xe000 : last);
      return String.fromCodePoint(...codePoints);
    }
  }
  return undefined;
}

/** Encodes a page's last position: base64url of `{ t: ISO time, id }`. */
export function encodeContinuationToken(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdTime.toISOString(), id: position.instanceId }), 'utf8').toString('base64url');
}

/**
 * Decodes a token from {@link encodeContinuationToken}.
 * @throws DurableError with code `INVALID_CONTINUATION_TOKEN` when it is not one.
 */
export function decodeContinuationToken(token: unknown): ListPosition {
  const invalid = (): never => {
    throw new DurableError(
      'INVALID_CONTINUATION_TOKEN',
      'The continuation token is not one that listInstances returned (it may have been truncated or altered). ' +
        'Pass the token from the previous page unchanged, or omit it to start from the first page.',
    );
  };
  if (typeof token !== 'string' || token.length === 0 || token.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(token)) return invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return invalid();
  }
  if (parsed === null || typeof parsed !== 'object') return invalid();
  const { t, id } = parsed as { t?: unknown; id?: unknown };
  if (typeof t !== 'string' || typeof id !== 'string' || id.length === 0 || id.includes('\u0000')) return invalid();
  const createdTime = new Date(t);
  if (Number.isNaN(createdTime.getTime()) || createdTime.toISOString() !== t) return invalid();
  return { createdTime, instanceId: id };
}
