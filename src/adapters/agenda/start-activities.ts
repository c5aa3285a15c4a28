import type { ActivityJob, StartedActivities } from '../../ports/work-scheduler.js';
import { startedHere } from './activity-attempt.js';
import type { ActivityRunner } from './activity-runner.js';
import type { AgendaConnection } from './agenda-connection.js';
import { activityJobData } from './agenda-job-data.js';
import { newAgendaJobDocument } from './agenda-job-document.js';
import { HeldJobInsert } from './held-job-insert.js';
import { JobName } from './job-name.js';

const NO_SEQUENCES: ReadonlySet<number> = new Set();

/** Starts that nothing needs to store. */
export const NOTHING_STARTED: StartedActivities = { stored: () => Promise.resolve() };

/**
 * Starts `jobs` as `AgendaWorkScheduler.startActivities` does: a job that gets a slot of `runner` (one `reserve`
 * grants) runs here at once with its document held back ({@link HeldJobInsert}); the others are inserted now, to be
 * picked up here or by any worker.
 */
export function startActivities(connection: AgendaConnection, runner: ActivityRunner | undefined, jobs: readonly ActivityJob[], options: {
  readonly name: string;
  readonly log: (message: string) => void;
  /** Takes a slot of `runner` for one job; false: the job is queued. */
  readonly reserve: () => boolean;
}): StartedActivities {
  if (jobs.length === 0) return NOTHING_STARTED;
  const now = new Date();
  const held: { readonly sequence: number; readonly insert: HeldJobInsert }[] = [];
  const queued: ActivityJob[] = [];
  for (const job of jobs) {
    if (runner === undefined || !options.reserve()) {
      queued.push(job);
      continue;
    }
    const insert = new HeldJobInsert(connection.writes, newAgendaJobDocument(connection.agenda, JobName.Activity, startedHere(job, now.getTime()), now, options.name, true));
    held.push({ sequence: job.sequence, insert });
    // A job with limits is stored at once: its deadline must outlive this process.
    if (job.limits !== undefined) insert.store().catch(() => undefined);
    runner.runScheduled(insert.id, job, now.getTime(), insert);
  }
  const inserts = queued.map((job) => connection.writes.insert(newAgendaJobDocument(connection.agenda, JobName.Activity, activityJobData(job), now, options.name, false)));
  const queuedStored = Promise.all(inserts).then((inserted) => {
    if (inserted.some(Boolean)) runner?.queued();
  });
  // Awaited by stored(); a failure must wait for it rather than end the process as unhandled.
  queuedStored.catch(() => undefined);
  const { log } = options;
  return {
    async stored(answered = NO_SEQUENCES): Promise<void> {
      const stores = held.filter((h) => !answered.has(h.sequence)).map(async ({ insert }) => {
        if ((await insert.store()) === 'existed') log(`activity job ${insert.id.toHexString()} was started as fresh but its key existed; it ran here as well (its result is recorded once)`);
      });
      const outcomes = await Promise.allSettled([queuedStored, ...stores]);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
