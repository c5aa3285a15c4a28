import type { JobCollection } from './job-write-combiner.js';
import { JobName } from './job-name.js';

const JOB_NAMES = [JobName.Activity, JobName.Timer];

/**
 * Cancelling jobs in the database, whichever process runs them: a job nobody runs (pending, or locked by a worker whose
 * lock expired: it died) is deleted; a running activity is marked `data.cancelRequested` with the reason, which its
 * worker's poll finds (see ActivityWatch) and a later start reads before running it. Finished jobs stay: they are
 * the record that their keys ran.
 */
export class JobCancellation {
  constructor(
    private readonly jobs: JobCollection,
    private readonly lockLifetimeMs: number,
  ) {}

  /** Deletes the instance's jobs nobody runs and marks its running activities cancelled; returns how many were deleted. */
  async cancelInstance(instanceId: string, reason: string): Promise<number> {
    const { deletedCount } = await this.jobs.deleteMany({
      name: { $in: JOB_NAMES }, 'data.instanceId': instanceId, lastFinishedAt: null, ...this.#notRunning(),
    });
    await this.jobs.updateMany(
      { name: JobName.Activity, 'data.instanceId': instanceId, lastFinishedAt: null, lockedAt: { $ne: null } },
      { $set: { 'data.cancelRequested': reason } },
    );
    return deletedCount;
  }

  /** Deletes the activity's job if nobody runs it, else marks it cancelled. */
  async cancelActivity(key: string, reason: string): Promise<void> {
    const { deletedCount } = await this.jobs.deleteOne({ name: JobName.Activity, 'data.key': key, lastFinishedAt: null, ...this.#notRunning() });
    if (deletedCount > 0) return;
    await this.jobs.updateOne({ name: JobName.Activity, 'data.key': key, lastFinishedAt: null, lockedAt: { $ne: null } }, { $set: { 'data.cancelRequested': reason } });
  }

  /** Deletes the timer's job unless it is firing now (an armed one finds nothing when its time comes). */
  async cancelTimer(key: string): Promise<void> {
    await this.jobs.deleteOne({ name: JobName.Timer, 'data.key': key, lastFinishedAt: null, lockedAt: null });
  }

  #notRunning(): Record<string, unknown> {
    return { $or: [{ lockedAt: null }, { lockedAt: { $lte: new Date(Date.now() - this.lockLifetimeMs) } }] };
  }
}
