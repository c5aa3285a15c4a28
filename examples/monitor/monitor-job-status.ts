import { Activity, Orchestrator, type OrchestrationContext } from '../../src/index.js';
import { JobService, Pager, type JobState } from './monitor-services.js';

/** What to watch, and how. */
export interface MonitorRequest {
  readonly jobId: string;
  /** Time between two status checks. */
  readonly pollingIntervalMs: number;
  /** How long to keep watching, from the start of the monitor. */
  readonly expiresAfterMs: number;
}

/** How a monitor ended. */
export interface MonitorResult {
  readonly jobId: string;
  /** `Completed`: the job finished and an alert was sent. `Expired`: it was still running when the monitor gave up. */
  readonly outcome: 'Completed' | 'Expired';
  readonly checks: number;
}

/** Asks the job service for a job's state. */
@Activity()
export class GetJobStatus {
  constructor(private readonly jobs: JobService) {}

  run(jobId: string): Promise<JobState> {
    return this.jobs.getStatus(jobId);
  }
}

/** Tells the on-call engineer that a job finished. */
@Activity()
export class SendJobAlert {
  constructor(private readonly pager: Pager) {}

  run(jobId: string): Promise<void> {
    return this.pager.page(`Job ${jobId} completed`);
  }
}

/**
 * The monitor pattern (Durable Functions' MonitorJobStatus): checks a job, and if it has not completed, sleeps on a
 * durable timer until the next check, until it completes or the monitor expires. A sleeping monitor holds no
 * worker: its timer is a stored job, and a restart loses nothing. Time comes from `ctx.currentUtcDateTime`, never
 * the wall clock, so every replay takes the same path.
 */
@Orchestrator()
export class MonitorJobStatus {
  async run(ctx: OrchestrationContext<MonitorRequest>): Promise<MonitorResult> {
    const { jobId, pollingIntervalMs, expiresAfterMs } = ctx.input;
    const expiryTime = new Date(ctx.currentUtcDateTime.getTime() + expiresAfterMs);
    let checks = 0;
    while (ctx.currentUtcDateTime < expiryTime) {
      checks++;
      const jobStatus = await ctx.callActivity(GetJobStatus, jobId);
      ctx.setCustomStatus({ jobStatus, checks });
      if (jobStatus === 'Completed') {
        await ctx.callActivity(SendJobAlert, jobId);
        return { jobId, outcome: 'Completed', checks };
      }
      // The orchestration sleeps until this time.
      const nextCheck = new Date(ctx.currentUtcDateTime.getTime() + pollingIntervalMs);
      await ctx.createTimer(nextCheck);
    }
    return { jobId, outcome: 'Expired', checks };
  }
}
