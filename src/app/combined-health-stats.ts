import {
  HEALTH_COUNT_LIMIT, type FinishedBucket, type HealthCountName, type HealthSnapshot, type HealthStats, type InstanceHealthCounts, type JobHealthCounts,
} from '../ports/health-stats.js';

/**
 * The {@link HealthStats} of an app: the instance store's counts and the work scheduler's, read in parallel into one
 * snapshot, with the counts that reached {@link HEALTH_COUNT_LIMIT} listed as lower bounds.
 */
export class CombinedHealthStats implements HealthStats {
  readonly #instances: InstanceHealthCounts;
  readonly #jobs: JobHealthCounts;

  constructor(instances: InstanceHealthCounts, jobs: JobHealthCounts) {
    this.#instances = instances;
    this.#jobs = jobs;
  }

  async snapshot(now: Date): Promise<HealthSnapshot> {
    const [instances, jobs] = await Promise.all([this.#instances.countInstances(now), this.#jobs.countDueJobs(now)]);
    const counts: Readonly<Record<HealthCountName, number>> = {
      'backlog.instances': instances.backlog,
      'backlog.activities': jobs.activities,
      'backlog.timers': jobs.timers,
      running: instances.running,
      stuck: instances.stuck,
    };
    return {
      at: now,
      backlog: { instances: instances.backlog, activities: jobs.activities, timers: jobs.timers },
      running: instances.running,
      stuck: instances.stuck,
      atLeast: (Object.keys(counts) as HealthCountName[]).filter((name) => counts[name] >= HEALTH_COUNT_LIMIT),
    };
  }

  finishedPerBucket(from: Date, to: Date, bucketMs: number): Promise<FinishedBucket[]> {
    return this.#instances.finishedPerBucket(from, to, bucketMs);
  }
}
