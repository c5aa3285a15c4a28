import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container, injectable } from 'tsyringe';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

/** A job that reports done after a number of status checks. */
@injectable()
class JobService {
  readonly checks = new Map<string, number>();

  check(jobId: string, doneAfter: number): { done: boolean; checks: number } {
    const checks = (this.checks.get(jobId) ?? 0) + 1;
    this.checks.set(jobId, checks);
    return { done: checks >= doneAfter, checks };
  }
}

@Activity()
class CheckJobStatus {
  constructor(private readonly jobs: JobService) {}
  run(input: { jobId: string; doneAfter: number }): { done: boolean; checks: number } {
    return this.jobs.check(input.jobId, input.doneAfter);
  }
}

@Activity()
class SendAlert {
  run(jobId: string): string {
    return `alert: ${jobId} is done`;
  }
}

interface MonitorInput {
  readonly jobId: string;
  readonly doneAfter: number;
  readonly intervalMs: number;
  readonly expiresAfterMs: number;
}

interface MonitorOutput {
  readonly outcome: string;
  readonly checks: number;
  readonly times: string[];
}

/** The overview's monitor: poll an activity on a durable timer until it reports done or the monitor expires. */
@Orchestrator()
class JobMonitor {
  async run(ctx: OrchestrationContext<MonitorInput>): Promise<MonitorOutput> {
    const { jobId, doneAfter, intervalMs, expiresAfterMs } = ctx.input;
    const expiry = ctx.currentUtcDateTime.getTime() + expiresAfterMs;
    const times: string[] = [];
    let checks = 0;
    while (ctx.currentUtcDateTime.getTime() < expiry) {
      times.push(ctx.currentUtcDateTime.toISOString());
      const status = await ctx.callActivity(CheckJobStatus, { jobId, doneAfter });
      checks = status.checks;
      ctx.setCustomStatus({ checks });
      if (status.done) {
        return { outcome: await ctx.callActivity(SendAlert, jobId), checks, times };
      }
      await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + intervalMs));
    }
    return { outcome: 'expired', checks, times };
  }
}

let app: TestApp;
const appContainer = container.createChildContainer();
appContainer.registerSingleton(JobService);

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [JobMonitor], activities: [CheckJobStatus, SendAlert], container: appContainer });
});

afterAll(async () => {
  await app.stop();
});

describe('runtime: monitor pattern', () => {
  it('polls on ~200 ms durable timers until the job is done, with currentUtcDateTime advancing', async () => {
    const client = app.durably.client;
    const input: MonitorInput = { jobId: 'job-1', doneAfter: 4, intervalMs: 200, expiresAfterMs: 20_000 };
    const started = Date.now();
    const id = await client.startNew(JobMonitor, { input });
    const status = await client.waitForCompletion(id, { timeoutMs: 20_000 });
    const elapsed = Date.now() - started;
    expect(status.runtimeStatus).toBe('Completed');
    const output = status.output as MonitorOutput;
    expect(output.outcome).toBe('alert: job-1 is done');
    expect(output.checks).toBe(4);
    expect(appContainer.resolve(JobService).checks.get('job-1')).toBe(4);
    // Three timers of 200 ms lie between the four checks (a few ms of slack: timers have millisecond precision).
    const slack = 5;
    expect(elapsed).toBeGreaterThanOrEqual(600 - slack);
    const times = output.times.map((t) => new Date(t).getTime());
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(200 - slack);
    }
    const history = await client.getHistory(id);
    const timersCreated = history.filter((e) => e.type === 'TimerCreated');
    const timersFired = history.filter((e) => e.type === 'TimerFired');
    expect(timersCreated).toHaveLength(3);
    expect(timersFired).toHaveLength(3);
    // Every timer fired no earlier than it was due.
    for (const fired of timersFired) {
      if (fired.type !== 'TimerFired') continue;
      expect(fired.timestamp.getTime()).toBeGreaterThanOrEqual(fired.fireAt.getTime() - slack);
    }
    // The episode times (OrchestratorStarted) only ever move forward.
    const episodeTimes = history.filter((e) => e.type === 'OrchestratorStarted').map((e) => e.timestamp.getTime());
    expect(episodeTimes).toEqual([...episodeTimes].sort((a, b) => a - b));
    expect(status.customStatus).toEqual({ checks: 4 });
  });

  it('gives up once it expires', async () => {
    const client = app.durably.client;
    const input: MonitorInput = { jobId: 'job-never', doneAfter: 1_000, intervalMs: 200, expiresAfterMs: 700 };
    const id = await client.startNew(JobMonitor, { input });
    const status = await client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(status.runtimeStatus).toBe('Completed');
    const output = status.output as MonitorOutput;
    expect(output.outcome).toBe('expired');
    // How many checks fit in 700 ms depends on the machine's speed (one, on a loaded one); never more than the timers
    // allow, and every check began before the expiry.
    expect(output.checks).toBeGreaterThanOrEqual(1);
    expect(output.checks).toBeLessThanOrEqual(4);
    const times = output.times.map((t) => new Date(t).getTime());
    expect(times).toHaveLength(output.checks);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(700);
  });
});
