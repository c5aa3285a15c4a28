import { describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Pattern #4 of the overview: poll a job until it completes or the monitor expires, sleeping on durable timers.
class GetJobStatus {
  run(_jobId: number): string {
    return 'Running';
  }
}
class SendAlert {
  run(_jobId: number): void {}
}

const POLLING_INTERVAL = 60_000;

class MonitorJobStatus {
  async run(ctx: OrchestrationContext<{ jobId: number; expiry: Date }>): Promise<string> {
    const { jobId, expiry } = ctx.input;
    while (ctx.currentUtcDateTime < expiry) {
      const jobStatus = await ctx.callActivity(GetJobStatus, jobId);
      if (jobStatus === 'Completed') {
        await ctx.callActivity(SendAlert, jobId);
        return 'alerted';
      }
      const nextCheck = new Date(ctx.currentUtcDateTime.getTime() + POLLING_INTERVAL);
      await ctx.createTimer(nextCheck);
    }
    return 'expired';
  }
}

const start = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);
const monitor = (expiresAfterMs: number): HistoryBuilder =>
  new HistoryBuilder({ name: 'MonitorJobStatus', startTime: start, input: { jobId: 7, expiry: at(expiresAfterMs) } });

describe('monitor', () => {
  it('polls first, then sleeps on a timer measured from the episode start', async () => {
    const history = monitor(3_600_000)
      .taskScheduled('GetJobStatus', 7).orchestratorCompleted()
      // The episode starts at +5 s; the result is recorded half a second later.
      .advance(5_000).orchestratorStarted().advance(500).taskCompleted(0, 'Running');

    const decision = await replayHistory(MonitorJobStatus, history);

    expect(decision.actions).toEqual([{ type: 'CreateTimer', sequence: 1, fireAt: at(5_000 + POLLING_INTERVAL) }]);
  });

  it('polls again when the timer fires', async () => {
    const history = monitor(3_600_000)
      .taskScheduled('GetJobStatus', 7).orchestratorCompleted()
      .advance(5_000).orchestratorStarted().taskCompleted(0, 'Running').timerCreated(POLLING_INTERVAL).orchestratorCompleted()
      .advance(POLLING_INTERVAL).orchestratorStarted().timerFired(1);

    const decision = await replayHistory(MonitorJobStatus, history);

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 2, name: 'GetJobStatus', input: '7' }]);
  });

  it('sends an alert and stops once the job completes', async () => {
    const history = monitor(3_600_000)
      .taskScheduled('GetJobStatus', 7).orchestratorCompleted()
      .advance(5_000).orchestratorStarted().taskCompleted(0, 'Running').timerCreated(POLLING_INTERVAL).orchestratorCompleted()
      .advance(POLLING_INTERVAL).orchestratorStarted().timerFired(1).taskScheduled('GetJobStatus', 7).orchestratorCompleted()
      .advance(5_000).orchestratorStarted().taskCompleted(2, 'Completed').taskScheduled('SendAlert', 7).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(3);

    const decision = await replayHistory(MonitorJobStatus, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"alerted"' });
  });

  it('expires when the time from history passes the expiry, not the wall clock', async () => {
    // Expiry at +90 s: the first timer fires at +65 s (still polling), the second at +130 s (expired).
    const history = monitor(90_000)
      .taskScheduled('GetJobStatus', 7).orchestratorCompleted()
      .advance(5_000).orchestratorStarted().taskCompleted(0, 'Running').timerCreated(POLLING_INTERVAL).orchestratorCompleted()
      .advance(POLLING_INTERVAL).orchestratorStarted().timerFired(1).taskScheduled('GetJobStatus', 7).orchestratorCompleted()
      .advance(5_000).orchestratorStarted().taskCompleted(2, 'Running').timerCreated(POLLING_INTERVAL).orchestratorCompleted()
      .advance(POLLING_INTERVAL).orchestratorStarted().timerFired(3);

    const decision = await replayHistory(MonitorJobStatus, history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toEqual({ status: 'Completed', output: '"expired"' });
  });
});
