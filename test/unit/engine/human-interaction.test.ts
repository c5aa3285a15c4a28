import { describe, expect, it } from '@jest/globals';
import { TimeoutError } from '../../../src/core/errors/timeout-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

const HOUR = 3_600_000;
const start = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);

// Pattern #5 of the overview: ask for approval, race the approval event against a 72-hour durable timer.
class ApprovalWorkflow {
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.callActivity('RequestApproval');
    const dueTime = new Date(ctx.currentUtcDateTime.getTime() + 72 * HOUR);
    const durableTimeout = ctx.createTimer(dueTime);
    const approvalEvent = ctx.waitForExternalEvent<boolean>('ApprovalEvent');
    await ctx.whenAny([approvalEvent, durableTimeout]);
    if (approvalEvent.isCompleted) {
      durableTimeout.cancel();
      await ctx.callActivity('ProcessApproval', approvalEvent.result);
      return 'approved';
    }
    await ctx.callActivity('Escalate');
    return 'escalated';
  }
}

/** Up to the race: RequestApproval (#0) done at +1 h, the 72-hour timer (#1) recorded. */
const racing = (): HistoryBuilder => new HistoryBuilder({ name: 'ApprovalWorkflow', startTime: start })
  .taskScheduled('RequestApproval').orchestratorCompleted()
  .advance(HOUR).orchestratorStarted().taskCompleted(0).timerCreated(72 * HOUR).orchestratorCompleted();

describe('human interaction: approval against a timeout', () => {
  it('starts a 72-hour timer once approval has been requested', async () => {
    const history = new HistoryBuilder({ name: 'ApprovalWorkflow', startTime: start })
      .taskScheduled('RequestApproval').orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().taskCompleted(0);

    const decision = await replayHistory(ApprovalWorkflow, history);

    expect(decision.actions).toEqual([{ type: 'CreateTimer', sequence: 1, fireAt: at(73 * HOUR) }]);
  });

  it('processes the approval when the event wins', async () => {
    const history = racing().advance(HOUR).orchestratorStarted().eventRaised('ApprovalEvent', true);

    const decision = await replayHistory(ApprovalWorkflow, history);

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 2, name: 'ProcessApproval', input: 'true' }]);
  });

  it('ignores the cancelled timer when it fires later', async () => {
    const history = racing()
      .advance(HOUR).orchestratorStarted().eventRaised('ApprovalEvent', true).taskScheduled('ProcessApproval', true).orchestratorCompleted()
      .advance(72 * HOUR).orchestratorStarted().timerFired(1);

    const decision = await replayHistory(ApprovalWorkflow, history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toBeUndefined();
  });

  it('escalates when the timer wins, and a late approval changes nothing', async () => {
    const history = racing().advance(72 * HOUR).orchestratorStarted().timerFired(1);
    const escalating = await replayHistory(ApprovalWorkflow, history);
    history.append(escalating.newHistory).advance(HOUR).orchestratorStarted().eventRaised('ApprovalEvent', true);
    const afterLateApproval = await replayHistory(ApprovalWorkflow, history);

    expect(escalating.actions).toEqual([{ type: 'ScheduleTask', sequence: 2, name: 'Escalate', input: undefined }]);
    expect(afterLateApproval.actions).toEqual([]);
    expect(afterLateApproval.completion).toBeUndefined();
  });

  it('buffers an approval raised before the orchestrator waits for it', async () => {
    const history = new HistoryBuilder({ name: 'ApprovalWorkflow', startTime: start })
      .taskScheduled('RequestApproval').orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().eventRaised('ApprovalEvent', false).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().taskCompleted(0);

    const decision = await replayHistory(ApprovalWorkflow, history);

    // The timer is still created (the code creates it before looking at the event), then the approval wins at once.
    expect(decision.actions).toEqual([
      { type: 'CreateTimer', sequence: 1, fireAt: at(74 * HOUR) },
      { type: 'ScheduleTask', sequence: 2, name: 'ProcessApproval', input: 'false' },
    ]);
  });

  it('matches event names case-insensitively', async () => {
    const history = racing().advance(HOUR).orchestratorStarted().eventRaised('APPROVALevent', true);

    const decision = await replayHistory(ApprovalWorkflow, history);

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 2, name: 'ProcessApproval', input: 'true' }]);
  });

  it('await whenAny behaves like Promise.race (the winner\'s value); isCompleted tells which task won', async () => {
    // JavaScript promise resolution unwraps thenables, and TypeScript types `await ctx.whenAny(...)` accordingly
    // (boolean | void here), so async code identifies the winner through isCompleted. Generator code gets the
    // winning task itself (generator.test.ts), as in Durable Functions JavaScript.
    class OverviewStyle {
      async run(ctx: OrchestrationContext): Promise<string> {
        const durableTimeout = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 72 * HOUR));
        const approvalEvent = ctx.waitForExternalEvent<boolean>('ApprovalEvent');
        const value = await ctx.whenAny([approvalEvent, durableTimeout]);
        if (approvalEvent.isCompleted) {
          durableTimeout.cancel();
          return `approved: ${String(value)}`;
        }
        return 'escalated';
      }
    }
    const history = new HistoryBuilder({ name: 'OverviewStyle', startTime: start })
      .timerCreated(72 * HOUR).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().eventRaised('ApprovalEvent', true);

    const decision = await replayHistory(OverviewStyle, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"approved: true"' });
  });
});

class CancelledTimer {
  async run(ctx: OrchestrationContext): Promise<string> {
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + HOUR));
    timer.cancel();
    await ctx.whenAny([timer, ctx.waitForExternalEvent('Go')]);
    return timer.isCompleted ? 'woken by the timer' : `woken by the event (timer cancelled: ${timer.isCancelled})`;
  }
}

describe('cancelled timers', () => {
  it('never wake the orchestrator: their TimerFired resumes nothing', async () => {
    const history = new HistoryBuilder({ name: 'CancelledTimer', startTime: start })
      .timerCreated(HOUR).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().timerFired(0);
    const afterFire = await replayHistory(CancelledTimer, history);
    history.orchestratorCompleted().advance(HOUR).orchestratorStarted().eventRaised('Go');
    const afterEvent = await replayHistory(CancelledTimer, history);

    expect(afterFire.completion).toBeUndefined();
    expect(afterEvent.completion).toEqual({ status: 'Completed', output: '"woken by the event (timer cancelled: true)"' });
  });
});

class ApprovalWithTimeout {
  caught: unknown;

  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      const approved = await ctx.waitForExternalEvent<boolean>('Approval', { timeoutMs: 24 * HOUR });
      return approved ? 'approved' : 'rejected';
    } catch (error) {
      this.caught = error;
      if (!(error instanceof TimeoutError)) throw error;
    }
    await ctx.callActivity('SendReminder');
    const late = await ctx.waitForExternalEvent<boolean>('Approval');
    return `late: ${late}`;
  }
}

describe('waitForExternalEvent with timeoutMs', () => {
  it('records a timer for the timeout', async () => {
    const decision = await replayHistory(ApprovalWithTimeout, new HistoryBuilder({ name: 'ApprovalWithTimeout', startTime: start }));

    expect(decision.actions).toEqual([{ type: 'CreateTimer', sequence: 0, fireAt: at(24 * HOUR) }]);
  });

  it('completes with the event when it arrives in time, and the timeout timer is then ignored', async () => {
    const history = new HistoryBuilder({ name: 'ApprovalWithTimeout', startTime: start })
      .timerCreated(24 * HOUR).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().eventRaised('Approval', true).timerFired(0);

    const decision = await replayHistory(ApprovalWithTimeout, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"approved"' });
  });

  it('fails with TimeoutError when the timer fires first', async () => {
    const orchestrator = new ApprovalWithTimeout();
    const history = new HistoryBuilder({ name: 'ApprovalWithTimeout', startTime: start })
      .timerCreated(24 * HOUR).orchestratorCompleted()
      .advance(24 * HOUR).orchestratorStarted().timerFired(0);

    const decision = await replayHistory(orchestrator, history);

    expect(orchestrator.caught).toBeInstanceOf(TimeoutError);
    expect(orchestrator.caught).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining("'Approval'") });
    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'SendReminder', input: undefined }]);
  });

  it('an uncaught TimeoutError fails the orchestration', async () => {
    class Impatient {
      async run(ctx: OrchestrationContext): Promise<unknown> {
        return await ctx.waitForExternalEvent('Approval', { timeoutMs: HOUR });
      }
    }
    const history = new HistoryBuilder({ name: 'Impatient', startTime: start })
      .timerCreated(HOUR).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().timerFired(0);

    const decision = await replayHistory(Impatient, history);

    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorType: 'TimeoutError' } });
  });

  it('buffers an event that arrives after the timeout, so a later wait gets it', async () => {
    const history = new HistoryBuilder({ name: 'ApprovalWithTimeout', startTime: start })
      .timerCreated(24 * HOUR).orchestratorCompleted()
      .advance(24 * HOUR).orchestratorStarted().timerFired(0).taskScheduled('SendReminder').orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().eventRaised('Approval', true).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().taskCompleted(1);

    const decision = await replayHistory(ApprovalWithTimeout, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"late: true"' });
  });
});
