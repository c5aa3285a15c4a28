import { DurableError } from '../core/durable-error.js';
import type { FinishedPosition } from '../ports/finished-instances.js';
import type { InstanceStore, RuntimeStatus } from '../ports/instance-store.js';
import type { WorkScheduler } from '../ports/work-scheduler.js';
import { purgeInstanceTree } from './purge-instance-tree.js';

/**
 * Which instances {@link DurableClient.purgeInstances} deletes: those created in the creation-time range, and — with
 * a completion-time bound — finished in the completion-time range, optionally only with these statuses. At least one
 * of `createdTimeFrom`, `completedTimeFrom` and `completedTimeTo` is required (purging a whole task hub by accident
 * is too easy otherwise). With a completion-time bound only finished instances match (Completed, Failed, Terminated,
 * Canceled; an instance that continued as new finishes with its last execution).
 *
 * @example
 * ```ts
 * // Everything that finished more than 30 days ago, however long it ran.
 * await client.purgeInstances({ completedTimeTo: new Date(Date.now() - 30 * 86_400_000) });
 * ```
 */
export interface PurgeInstancesFilter {
  /** Created at or after this time (Durable Functions' required bound; optional here with a completion-time bound). */
  readonly createdTimeFrom?: Date;
  /** Created at or before this time. */
  readonly createdTimeTo?: Date;
  /** Finished at or after this time. */
  readonly completedTimeFrom?: Date;
  /** Finished at or before this time: the bound of a retention purge ("finished more than N days ago"). */
  readonly completedTimeTo?: Date;
  /** Only instances with one of these statuses. Default: any. */
  readonly runtimeStatus?: readonly RuntimeStatus[];
}

// Instances read per batch of a purge by completion time (only IDs and times: no payload is read).
const PURGE_BATCH = 500;

/** The body of {@link DurableClient.purgeInstances}. */
export async function purgeInstances(store: InstanceStore, scheduler: WorkScheduler, filter: PurgeInstancesFilter): Promise<{ instancesDeleted: number }> {
  if (filter === null || typeof filter !== 'object') throw new DurableError('INVALID_ARGUMENT', 'purgeInstances needs a filter object');
  for (const key of ['createdTimeFrom', 'createdTimeTo', 'completedTimeFrom', 'completedTimeTo'] as const) {
    const value: unknown = filter[key];
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
      throw new DurableError('INVALID_ARGUMENT', `purgeInstances: ${key} must be a valid Date`);
    }
  }
  if (filter.completedTimeFrom === undefined && filter.completedTimeTo === undefined) {
    if (filter.createdTimeFrom === undefined) {
      throw new DurableError('INVALID_ARGUMENT', 'purgeInstances needs createdTimeFrom, completedTimeFrom or completedTimeTo');
    }
    return purgeByCreation(store, scheduler, { ...filter, createdTimeFrom: filter.createdTimeFrom });
  }
  // By completion time: batches in completion order from the status / completion-time index, each instance purged
  // only while it is still the finished execution that was found (one restarted meanwhile stays).
  let instancesDeleted = 0;
  let after: FinishedPosition | undefined;
  for (;;) {
    const batch = await store.findFinishedInstances({ ...filter, limit: PURGE_BATCH, ...(after === undefined ? {} : { after }) });
    for (const found of batch) {
      instancesDeleted += (await purgeInstanceTree(store, scheduler, found.instanceId, false, { executionId: found.executionId })).instancesDeleted;
    }
    const last = batch.at(-1);
    if (last === undefined || batch.length < PURGE_BATCH) return { instancesDeleted };
    after = { completedTime: last.completedTime, instanceId: last.instanceId };
  }
}

async function purgeByCreation(
  store: InstanceStore, scheduler: WorkScheduler, filter: PurgeInstancesFilter & { readonly createdTimeFrom: Date },
): Promise<{ instancesDeleted: number }> {
  // Only the IDs are needed: no payload is read.
  const query = { ...filter, pageSize: 1000, maxFieldBytes: 0 };
  let page = await store.listInstances(query);
  for (;;) {
    for (const state of page.instances) await scheduler.cancelInstanceJobs(state.instanceId);
    if (page.continuationToken === undefined) break;
    page = await store.listInstances({ ...query, continuationToken: page.continuationToken });
  }
  return { instancesDeleted: await store.purgeInstances(filter) };
}
