import type { Db, Document, Filter } from 'mongodb';
import { checkHealthBuckets, HEALTH_COUNT_LIMIT, type FinishedBucket, type InstanceHealthCounts } from '../../ports/health-stats.js';
import type { RuntimeStatus } from '../../ports/instance-store.js';
import { claimFilter } from './instance-queries.js';
import { assertDate, assertValidTaskHub } from './store-arguments.js';
import { IndexName, type InstanceDocument } from './storage-documents.js';
import { StoreCollections } from './store-collections.js';

/** The statuses a stuck instance can have (a stuck one that was failed for good has ended, and is not counted). */
const STUCK_STATUSES: readonly RuntimeStatus[] = ['Pending', 'Running', 'Suspended'];

/** The finished statuses counted per bucket, and the field of {@link FinishedBucket} each one adds to. */
const FINISHED = [['Completed', 'completed'], ['Failed', 'failed'], ['Terminated', 'terminated']] as const;

/**
 * Orchestration instances whose status is Running, entities left out: answered from the `runtimeStatus_entityName`
 * index, whose entries for orchestrations have no entity name (the entities' entries, always Running, are not read).
 */
export function runningFilter(): Filter<InstanceDocument> {
  return { runtimeStatus: 'Running', 'entity.name': { $exists: false } };
}

/**
 * Stuck instances that have not ended: answered from the `stuck_runtimeStatus` index, which holds only instances with
 * a `stuckSince` (partial), by status.
 */
export function stuckFilter(): Filter<InstanceDocument> {
  return { stuckSince: { $exists: true }, runtimeStatus: { $in: [...STUCK_STATUSES] } };
}

/**
 * The pipeline counting the instances of `status` finished in `[from, to)`, per bucket of `bucketMs` from `from`: the
 * most recent {@link HEALTH_COUNT_LIMIT} of them only, read backwards from the status / completion-time index (an
 * index range; only the completion time is used). Yields `{ _id: bucket index, n: count }` for non-empty buckets.
 */
export function finishedBucketsPipeline(status: RuntimeStatus, from: Date, to: Date, bucketMs: number): Document[] {
  return [
    { $match: { runtimeStatus: status, completedTime: { $gte: from, $lt: to } } },
    { $sort: { completedTime: -1 } },
    { $limit: HEALTH_COUNT_LIMIT },
    { $group: { _id: { $floor: { $divide: [{ $subtract: [{ $toLong: '$completedTime' }, from.getTime()] }, bucketMs] } }, n: { $sum: 1 } } },
  ];
}

/**
 * The instance side of the health figures ({@link InstanceHealthCounts}) over a task hub's `<taskHub>.instances`, the
 * collection {@link MongoInstanceStore} keeps (whose `ensureSchema` creates the indexes used here). Each count is
 * a `countDocuments` with a limit of {@link HEALTH_COUNT_LIMIT}, answered from an index:
 *
 * - backlog: the claim query of workers (`work_pending_availableAt`): flagged with work, due, not leased;
 * - running: `runtimeStatus_entityName`;
 * - stuck: `stuck_runtimeStatus` (partial: only instances with a `stuckSince`).
 *
 * Finished instances per bucket: one aggregation per finished status over `runtimeStatus_completedTime_id`.
 *
 * @example
 * ```ts
 * const counts = new MongoHealthCounts(db, { taskHub: 'MyApp' });
 * const { backlog, running, stuck } = await counts.countInstances(new Date());
 * ```
 */
export class MongoHealthCounts implements InstanceHealthCounts {
  readonly #c: StoreCollections;

  /** @throws DurableError with code `INVALID_TASK_HUB` for an unusable task hub name. */
  constructor(db: Db, options: { readonly taskHub: string }) {
    assertValidTaskHub(options.taskHub);
    this.#c = new StoreCollections(db, options.taskHub);
  }

  async countInstances(now: Date): Promise<{ backlog: number; running: number; stuck: number }> {
    assertDate(now, 'now');
    // Hinted: a planner could take another index on runtimeStatus and read every entity (or instance) of the status.
    const count = (filter: Filter<InstanceDocument>, hint: string): Promise<number> => this.#c.instances.countDocuments(filter, { limit: HEALTH_COUNT_LIMIT, hint });
    const [backlog, running, stuck] = await Promise.all([
      count(claimFilter(now), IndexName.Claim),
      count(runningFilter(), IndexName.StatusEntityName),
      count(stuckFilter(), IndexName.StuckStatus),
    ]);
    return { backlog, running, stuck };
  }

  async finishedPerBucket(from: Date, to: Date, bucketMs: number): Promise<FinishedBucket[]> {
    const count = checkHealthBuckets(from, to, bucketMs);
    const perStatus = await Promise.all(FINISHED.map(async ([status]) => {
      const groups = await this.#c.instances.aggregate<{ _id: number; n: number }>(finishedBucketsPipeline(status, from, to, bucketMs)).toArray();
      const counts = new Map(groups.map((g) => [Number(g._id), g.n]));
      const total = groups.reduce((sum, g) => sum + g.n, 0);
      // Capped: only the most recent instances were counted, so the oldest bucket reached and all before it may be short.
      const partialUpTo = total >= HEALTH_COUNT_LIMIT ? Math.min(...counts.keys()) : -1;
      return { counts, partialUpTo };
    }));
    return Array.from({ length: count }, (_, i) => {
      const bucket: Record<'completed' | 'failed' | 'terminated', number> = { completed: 0, failed: 0, terminated: 0 };
      FINISHED.forEach(([, field], s) => {
        bucket[field] = perStatus[s]?.counts.get(i) ?? 0;
      });
      return { start: new Date(from.getTime() + i * bucketMs), ...bucket, partial: perStatus.some((p) => i <= p.partialUpTo) };
    });
  }
}
