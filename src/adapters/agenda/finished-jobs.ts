import type { JobRef } from '../../ports/work-scheduler.js';
import { jobKey } from './agenda-job-data.js';
import { FinishedJobName, JobName } from './job-name.js';
import type { JobCollection } from './job-write-combiner.js';

const JOB_NAMES = [JobName.Activity, JobName.Timer];
const FINISHED_JOB_NAMES = [FinishedJobName[JobName.Activity], FinishedJobName[JobName.Timer]];

/**
 * Deletes jobs that finished before `finishedBefore` (retention): see `AgendaWorkScheduler.purgeFinishedJobs`.
 * Returns how many.
 */
export async function purgeFinishedJobs(jobs: JobCollection, finishedBefore: Date): Promise<number> {
  const { deletedCount } = await jobs.deleteMany({
    name: { $in: [...JOB_NAMES, ...FINISHED_JOB_NAMES] },
    lastFinishedAt: { $lte: finishedBefore },
    lockedAt: null,
  });
  return deletedCount;
}

/**
 * Deletes the finished jobs of these actions (a rewind schedules them again under the same keys): only jobs renamed
 * as finished, never one queued or running.
 */
export async function forgetFinishedJobs(jobs: JobCollection, refs: readonly JobRef[]): Promise<void> {
  if (refs.length === 0) return;
  await jobs.deleteMany({ name: { $in: FINISHED_JOB_NAMES }, 'data.key': { $in: refs.map(jobKey) } });
}
