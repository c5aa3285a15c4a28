// Cancellations in the engine (engine version 2): what the code cancels is recorded once (TaskCancelRequested,
// TimerCanceled), a cancelled activity task fails at once with TaskCanceledError, a late result is ignored, replay
// matches the recorded cancellations, and an execution started under version 1 records none.
import { describe, expect, it } from '@jest/globals';
import { NonDeterminismError } from '../../../src/core/errors/non-determinism-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

/** Races 'Slow' against a one-second timer; cancels the loser; reports what awaiting the activity gave. */
class Race {
  async run(ctx: OrchestrationContext): Promise<string> {
    const work = ctx.callActivity<string>('Slow');
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1_000));
    await ctx.whenAny([work, timer]);
    if (timer.isCompleted) work.cancel();
    else timer.cancel();
    try {
      return `work: ${await work}`;
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  }
}

/** Never cancels anything. */
class NoCancel {
  async run(ctx: OrchestrationContext): Promise<string> {
    const work = ctx.callActivity<string>('Slow');
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1_000));
    await ctx.whenAny([work, timer]);
    await ctx.waitForExternalEvent('Nudge');
    return 'done';
  }
}

const raceHistory = (): HistoryBuilder => new HistoryBuilder({ name: 'Race' }).taskScheduled('Slow').timerCreated(1_000).orchestratorCompleted();
const cancelEvents = (events: readonly HistoryEvent[]): HistoryEvent[] =>
  events.filter((e) => e.type === HistoryEventType.TaskCancelRequested || e.type === HistoryEventType.TimerCanceled);

describe('cancellation', () => {
  it('cancels the losing activity: the task fails with TaskCanceledError and the cancellation is recorded before the end', async () => {
    const history = raceHistory().advance(1_000).orchestratorStarted().timerFired(1);
    const decision = await replayHistory(new Race(), history);
    expect(decision.completion).toMatchObject({ status: 'Completed' });
    expect(decision.newHistory.map((e) => e.type)).toEqual(['TaskCancelRequested', 'ExecutionCompleted', 'OrchestratorCompleted']);
    expect(cancelEvents(decision.newHistory)[0]).toMatchObject({ taskScheduledId: 0, reason: 'cancelled by the orchestration' });
    expect(decision.completion?.status === 'Completed' ? decision.completion.output : undefined).toBe(JSON.stringify("TaskCanceledError: Activity 'Slow' was cancelled by the orchestration."));
  });

  it('cancels the losing timer: TimerCanceled', async () => {
    const history = raceHistory().advance(10).orchestratorStarted().taskCompleted(0, 'fast');
    const decision = await replayHistory(new Race(), history);
    expect(cancelEvents(decision.newHistory)).toEqual([expect.objectContaining({ type: 'TimerCanceled', timerId: 1 })]);
  });

  it('replays a recorded cancellation without recording it again, and ignores a result that arrives after it', async () => {
    const history = raceHistory().advance(1_000).orchestratorStarted().timerFired(1);
    const first = await replayHistory(new Race(), history);
    const replayed = history.append(first.newHistory.filter((e) => e.type !== HistoryEventType.OrchestratorCompleted && e.type !== HistoryEventType.ExecutionCompleted));
    replayed.orchestratorCompleted().advance(5).orchestratorStarted().taskCompleted(0, 'late');
    const again = await replayHistory(new Race(), replayed);
    expect(cancelEvents(again.newHistory)).toEqual([]);
    expect(again.completion?.status === 'Completed' ? again.completion.output : undefined).toMatch(/TaskCanceledError/);
  });

  it('reports a recorded cancellation the code no longer makes as non-determinism', async () => {
    const history = raceHistory().advance(1_000).orchestratorStarted().timerFired(1)
      .append([{ type: HistoryEventType.TaskCancelRequested, eventId: -1, timestamp: new Date('2026-01-01T00:00:01Z'), taskScheduledId: 0 }])
      .orchestratorCompleted().advance(5).orchestratorStarted().eventRaised('Nudge');
    await expect(replayHistory(new NoCancel(), history)).rejects.toThrow(NonDeterminismError);
  });

  it('records nothing for an execution started under engine version 1 (its history has no cancellations)', async () => {
    const events = raceHistory().advance(1_000).orchestratorStarted().timerFired(1).build()
      .map((e) => (e.type === HistoryEventType.ExecutionStarted ? { ...e, engineVersion: 1 } : e));
    const decision = await replayHistory(new Race(), events);
    expect(cancelEvents(decision.newHistory)).toEqual([]);
    expect(decision.completion).toMatchObject({ status: 'Completed' });
  });

  it('records the cancellation of the timer behind waitForExternalEvent({ timeoutMs }) once the event came', async () => {
    class Waits {
      async run(ctx: OrchestrationContext): Promise<unknown> {
        return ctx.waitForExternalEvent('Go', { timeoutMs: 60_000 });
      }
    }
    const history = new HistoryBuilder({ name: 'Waits' }).timerCreated(60_000).orchestratorCompleted().advance(5).orchestratorStarted().eventRaised('Go', 1);
    const decision = await replayHistory(new Waits(), history);
    expect(cancelEvents(decision.newHistory)).toEqual([expect.objectContaining({ type: 'TimerCanceled', timerId: 0 })]);
  });
});
