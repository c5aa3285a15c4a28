import type { Db } from '@agendajs/mongo-backend';
import { DurableError } from '../../core/durable-error.js';
import { HEALTH_COUNT_LIMIT, type JobHealthCounts } from '../../ports/health-stats.js';
import { CollectionSuffix } from '../mongodb/collection-suffix.js';
import { assertValidTaskHub } from '../mongodb/store-arguments.js';
import { JobName } from './job-name.js';
import type { JobCollection, JobFilter } from './job-write-combiner.js';

/** Options of {@link AgendaJobCounts}. */
export interface AgendaJobCountsOptions {
  /** The task hub: jobs live in `<taskHub>.jobs`. */
  readonly taskHub: string;
  /**
   * The scheduler's lock lifetime (`AgendaWorkSchedulerOptions.lockLifetimeMs`): a job locked longer ago belongs to a
   * worker that died or froze, and is due again.
   */
  readonly lockLifetimeMs: number;
}

/**
 * The jobs of `name` a worker would take now: not disabled, and either unlocked and due, or locked by a worker whose
 * lock expired — the condition of the scheduler's own runners. The first branch is a range of Agenda's lookup index
 * (`findAndLockNextJobIndex`: name, nextRunAt, …); the second reads that index's entries of the name (jobs not
 * finished: finished ones are renamed).
 */
export function dueJobFilter(name: string, now: Date, lockDeadline: Date): JobFilter {
  return {
    name,
    disabled: { $ne: true },
    $or: [{ lockedAt: null, nextRunAt: { $lte: now } }, { lockedAt: { $lte: lockDeadline } }],
  };
}

/**
 * The job side of the health figures ({@link JobHealthCounts}) over a task hub's `<taskHub>.jobs`, the collection the
 * {@link AgendaWorkScheduler} keeps: activity and timer jobs due and not held by a live worker, each counted with a
 * limit of {@link HEALTH_COUNT_LIMIT}. Reads only; it needs no started scheduler (a client-only process can count).
 *
 * @example
 * ```ts
 * const jobs = new AgendaJobCounts(db, { taskHub: 'MyApp', lockLifetimeMs: 300_000 });
 * const { activities, timers } = await jobs.countDueJobs(new Date());
 * ```
 */
export class AgendaJobCounts implements JobHealthCounts {
  readonly #jobs: JobCollection;
  readonly #lockLifetimeMs: number;

  /**
   * @param db - The database the scheduler writes its jobs to.
   * @throws DurableError `INVALID_TASK_HUB` for an unusable task hub name, `INVALID_ARGUMENT` for a lock lifetime that
   *   is not a positive integer.
   */
  constructor(db: Db, options: AgendaJobCountsOptions) {
    assertValidTaskHub(options.taskHub);
    if (!Number.isSafeInteger(options.lockLifetimeMs) || options.lockLifetimeMs < 1) {
      throw new DurableError('INVALID_ARGUMENT', `AgendaJobCounts: lockLifetimeMs must be a positive integer, got ${String(options.lockLifetimeMs)}.`);
    }
    this.#jobs = db.collection(`${options.taskHub}.${CollectionSuffix.Jobs}`);
    this.#lockLifetimeMs = options.lockLifetimeMs;
  }

  async countDueJobs(now: Date): Promise<{ activities: number; timers: number }> {
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new DurableError('INVALID_ARGUMENT', 'countDueJobs: now must be a valid Date.');
    const lockDeadline = new Date(now.getTime() - this.#lockLifetimeMs);
    const count = (name: string): Promise<number> => this.#jobs.countDocuments(dueJobFilter(name, now, lockDeadline), { limit: HEALTH_COUNT_LIMIT });
    const [activities, timers] = await Promise.all([count(JobName.Activity), count(JobName.Timer)]);
    return { activities, timers };
  }
}
