import { networkDelay } from '../shared/network-delay.js';
import { InMemoryStandInCounters, type StandInCounters } from '../shared/stand-in-counters.js';

/** A job's state as the job service reports it. */
export type JobState = 'Running' | 'Completed';

/**
 * The external job service being watched. Stand-in with fixed behaviour, so the example is predictable: a job
 * completes on its third status check (counted in `counters`: in the example service the count carries on after a
 * restart, and a completed job stays completed), except jobs whose ID starts with `stuck`, which never do. Register
 * your real job API client under this class.
 */
export class JobService {
  constructor(private readonly log: (line: string) => void = () => undefined, private readonly counters: StandInCounters = new InMemoryStandInCounters()) {}

  /** The job's current state. */
  async getStatus(jobId: string): Promise<JobState> {
    await networkDelay();
    const checks = await this.counters.next(`job-checks/${jobId}`);
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
