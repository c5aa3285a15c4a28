import { networkDelay } from '../shared/network-delay.js';

/** A job's state as the job service reports it. */
export type JobState = 'Running' | 'Completed';

/**
 * The external job service being watched. In-memory stand-in with fixed behaviour, so the example is predictable: a
 * job completes on its third status check, except jobs whose ID starts with `stuck`, which never do. Register your
 * real job API client under this class.
 */
export class JobService {
  /** Status checks made so far, per job. */
  readonly checks = new Map<string, number>();

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** The job's current state. */
  async getStatus(jobId: string): Promise<JobState> {
    await networkDelay();
    const checks = (this.checks.get(jobId) ?? 0) + 1;
    this.checks.set(jobId, checks);
    const state: JobState = !jobId.startsWith('stuck') && checks >= 3 ? 'Completed' : 'Running';
    this.log(`[job-service] ${jobId} is ${state} (check ${checks})`);
    return state;
  }
}

/** Pages whoever is on call. In-memory stand-in: keeps the pages it sent. */
export class Pager {
  readonly pages: string[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Sends `message` to the on-call engineer. */
  async page(message: string): Promise<void> {
    await networkDelay();
    this.pages.push(message);
    this.log(`[pager] ${message}`);
  }
}
