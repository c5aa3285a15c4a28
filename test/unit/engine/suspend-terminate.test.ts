import { describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

/** Races an activity against an event, so the order in which they are applied decides the output. */
class Race {
  async run(ctx: OrchestrationContext): Promise<string> {
    const work = ctx.callActivity('Work');
    const cancel = ctx.waitForExternalEvent('Cancel');
    await ctx.whenAny([work, cancel]);
    return work.isCompleted ? 'work first' : 'cancel first';
  }
}

/** Waits for Go, then calls an activity. */
class WaitThenWork {
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.waitForExternalEvent('Go');
    return ctx.callActivity<string>('Work');
  }
}

const racing = (): HistoryBuilder => new HistoryBuilder({ name: 'Race' })
  .taskScheduled('Work').orchestratorCompleted()
  .advance(1_000).orchestratorStarted().executionSuspended('maintenance').orchestratorCompleted()
  .advance(1_000).orchestratorStarted();

describe('suspend and resume', () => {
  it('holds events that arrive while suspended; the decision says suspended', async () => {
    const decision = await replayHistory(Race, racing().taskCompleted(0).eventRaised('Cancel'));

    expect(decision.suspended).toBe(true);
    expect(decision.completion).toBeUndefined();
    expect(decision.actions).toEqual([]);
  });

  it.each([
    ['work first', (h: HistoryBuilder) => h.taskCompleted(0).eventRaised('Cancel')],
    ['cancel first', (h: HistoryBuilder) => h.eventRaised('Cancel').taskCompleted(0)],
  ])('applies the held events in their order once resumed (%s)', async (expected, arrive) => {
    const history = arrive(racing()).orchestratorCompleted().advance(1_000).orchestratorStarted().executionResumed();

    const decision = await replayHistory(Race, history);

    expect(decision.suspended).toBe(false);
    expect(decision.completion).toEqual({ status: 'Completed', output: JSON.stringify(expected) });
  });

  it('a suspension spanning several episodes replays cleanly after the resume', async () => {
    class TwoSteps {
      async run(ctx: OrchestrationContext): Promise<string> {
        await ctx.callActivity('A');
        await ctx.callActivity('B');
        return 'done';
      }
    }
    const history = new HistoryBuilder({ name: 'TwoSteps' })
      .taskScheduled('A').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().executionSuspended().orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().executionResumed();
    const resumed = await replayHistory(TwoSteps, history);
    history.append(resumed.newHistory).advance(1_000).orchestratorStarted().taskCompleted(1);
    const done = await replayHistory(TwoSteps, history);

    expect(resumed.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'B', input: undefined }]);
    expect(done.completion).toEqual({ status: 'Completed', output: '"done"' });
  });

  it('an action taken just before the suspension is not taken again on resume', async () => {
    class TwoSteps {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('A');
        await ctx.callActivity('B');
      }
    }
    // The episode brings A's result, then the suspension: the code has already scheduled B when it is suspended.
    const history = new HistoryBuilder({ name: 'TwoSteps' })
      .taskScheduled('A').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0).executionSuspended();
    const suspending = await replayHistory(TwoSteps, history);
    history.append(suspending.newHistory).advance(1_000).orchestratorStarted().executionResumed();
    const resumed = await replayHistory(TwoSteps, history);

    expect(suspending.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'B', input: undefined }]);
    expect(suspending.suspended).toBe(true);
    expect(resumed.actions).toEqual([]);
    expect(resumed.suspended).toBe(false);
  });
});

describe('terminate', () => {
  it('ExecutionTerminated ends the execution as Terminated with the reason', async () => {
    const history = new HistoryBuilder({ name: 'Race' })
      .taskScheduled('Work').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().executionTerminated('no longer needed').taskCompleted(0);

    const decision = await replayHistory(Race, history);

    expect(decision.completion).toEqual({ status: 'Terminated', reason: '"no longer needed"' });
    expect(decision.actions).toEqual([]);
    expect(decision.newHistory).toEqual([
      expect.objectContaining({ type: 'ExecutionCompleted', orchestrationStatus: 'Terminated', result: '"no longer needed"' }),
      expect.objectContaining({ type: 'OrchestratorCompleted' }),
    ]);
  });

  it('starts nothing the code asked for in the episode that applied the termination', async () => {
    // The event arrives first in the batch: the code schedules the activity, then the termination is applied.
    const history = new HistoryBuilder({ name: 'WaitThenWork' }).eventRaised('Go').executionTerminated('stop');

    const decision = await replayHistory(WaitThenWork, history);

    expect(decision.completion).toEqual({ status: 'Terminated', reason: '"stop"' });
    expect(decision.actions).toEqual([]);
    expect(decision.newHistory.map((e) => e.type)).toEqual(['ExecutionCompleted', 'OrchestratorCompleted']);
  });

  it('terminates a suspended execution', async () => {
    const decision = await replayHistory(Race, racing().eventRaised('Cancel').executionTerminated());

    expect(decision.completion).toEqual({ status: 'Terminated', reason: undefined });
  });
});
