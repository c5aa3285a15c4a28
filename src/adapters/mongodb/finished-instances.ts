/**
 * The query of `InstanceStore.findFinishedInstances` (retention, purges by completion time), kept apart so that tests
 * can `explain` exactly what the store runs: it is answered from the status / completion-time index.
 *
 * @module
 */
import type { Filter, Sort } from 'mongodb';
import { DurableError } from '../../core/durable-error.js';
import type { FinishedInstance, FinishedInstanceQuery } from '../../ports/finished-instances.js';
import { TERMINAL_STATUSES, type RuntimeStatus } from '../../ports/instance-store.js';
import { assertDate, assertInteger, assertKey, assertRuntimeStatus } from './store-arguments.js';
import type { InstanceDocument } from './storage-documents.js';
import type { StoreCollections } from './store-collections.js';

/** The most instances one `findFinishedInstances` batch may return. */
export const MAX_FINISHED_BATCH = 1000;

// The extremes of JavaScript's Date: explicit bounds make the completion-time condition a range of the index on every
// engine, and leave out instances that have no completion time (those that never finished).
const MIN_DATE = new Date(-8.64e15);
const MAX_DATE = new Date(8.64e15);

/** Completion order, `_id` breaking ties: the order of a batch and the position `after` names. */
export const FINISHED_SORT: Sort = { completedTime: 1, _id: 1 };

/**
 * The filter of `findFinishedInstances`, or undefined when no instance can match (no finished status asked for).
 * Every user-supplied value is validated and used only as a compared value.
 */
export function finishedInstanceFilter(query: FinishedInstanceQuery): Filter<InstanceDocument> | undefined {
  const statuses: RuntimeStatus[] = [];
  const asked: unknown = query.runtimeStatus;
  if (asked !== undefined && !Array.isArray(asked)) throw new DurableError('INVALID_ARGUMENT', 'runtimeStatus must be an array of runtime statuses.');
  // An empty list filters nothing, like an absent one (as in listInstances).
  const list: readonly unknown[] = asked === undefined || asked.length === 0 ? [...TERMINAL_STATUSES] : asked;
  list.forEach((status, i) => {
    assertRuntimeStatus(status, `runtimeStatus[${i}]`);
    if (TERMINAL_STATUSES.has(status)) statuses.push(status);
  });
  if (statuses.length === 0) return undefined;

  const completedTime = dateRange(query.completedTimeFrom, query.completedTimeTo, 'completedTime', { $gte: MIN_DATE, $lte: MAX_DATE });
  // Entities (`@name@key`) are instances too, but never finish: they are cleaned through the entity API.
  const filter: Filter<InstanceDocument> = { runtimeStatus: { $in: statuses }, completedTime, entity: { $exists: false } };
  if (query.createdTimeFrom !== undefined || query.createdTimeTo !== undefined) {
    filter.createdTime = dateRange(query.createdTimeFrom, query.createdTimeTo, 'createdTime', {});
  }
  if (query.after !== undefined) {
    assertDate(query.after.completedTime, 'after.completedTime');
    assertKey(query.after.instanceId, 'after.instanceId');
    if (query.after.completedTime > completedTime.$gte) completedTime.$gte = query.after.completedTime;
    filter.$or = [
      { completedTime: { $gt: query.after.completedTime } },
      { completedTime: query.after.completedTime, _id: { $gt: query.after.instanceId } },
    ];
  }
  return filter;
}

/** See `InstanceStore.findFinishedInstances`: one bounded batch in completion order, without payloads. */
export async function findFinishedInstances(collections: StoreCollections, query: FinishedInstanceQuery): Promise<FinishedInstance[]> {
  assertInteger(query.limit, 'limit', 1);
  const filter = finishedInstanceFilter(query);
  if (filter === undefined) return [];
  type Found = Pick<InstanceDocument, '_id' | 'executionId' | 'runtimeStatus' | 'completedTime' | 'parentInstance'>;
  const docs = await collections.instances.find<Found>(filter, {
    sort: FINISHED_SORT,
    limit: Math.min(query.limit, MAX_FINISHED_BATCH),
    projection: { _id: 1, executionId: 1, runtimeStatus: 1, completedTime: 1, 'parentInstance.instanceId': 1, 'parentInstance.executionId': 1 },
  }).toArray();
  return docs.flatMap((doc) => doc.completedTime === undefined ? [] : [{
    instanceId: doc._id,
    executionId: doc.executionId,
    runtimeStatus: doc.runtimeStatus,
    completedTime: doc.completedTime,
    ...(doc.parentInstance !== undefined && { parent: { instanceId: doc.parentInstance.instanceId, executionId: doc.parentInstance.executionId } }),
  }]);
}

/** A date range filter from `<field>From` / `<field>To` (each checked, named in the error), over `base`'s bounds. */
function dateRange<R extends { $gte?: Date; $lte?: Date }>(from: Date | undefined, to: Date | undefined, field: string, base: R): R {
  const range = { ...base };
  if (from !== undefined) {
    assertDate(from, `${field}From`);
    range.$gte = from;
  }
  if (to !== undefined) {
    assertDate(to, `${field}To`);
    range.$lte = to;
  }
  return range;
}
