import { timerFromData } from './agenda-job-data.js';
import { JobName } from './job-name.js';
import type { JobCollection } from './job-write-combiner.js';

/**
 * Work an {@link AgendaWorkScheduler} holds that has not finished: what the test environment asks (through the app's
 * testing seam, not the work-scheduler port) to tell whether an app is idle.
 */
export interface PendingWork {
  /** Activity jobs not finished: waiting for a worker, or running. */
  readonly activities: number;
  /** When the earliest timer that has not fired is due, if there is one. */
  readonly nextTimerAt?: Date;
}

/** Reads the {@link PendingWork} of a jobs collection: one count, one indexed find. */
export async function readPendingWork(jobs: JobCollection): Promise<PendingWork> {
  const [activities, timers] = await Promise.all([
    jobs.countDocuments({ name: JobName.Activity, $or: [{ lastFinishedAt: null }, { lockedAt: { $ne: null } }] }),
    jobs.find({ name: JobName.Timer, lastFinishedAt: null }, { sort: { 'data.fireAt': 1 }, limit: 1, projection: { data: 1 } }).toArray(),
  ]);
  const next = timers[0];
  return { activities, ...(next === undefined ? {} : { nextTimerAt: timerFromData(next.data, JobName.Timer).fireAt }) };
}
