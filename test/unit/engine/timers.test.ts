import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

const HOUR = 3_600_000;
const start = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);

class Sleeper {
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + HOUR));
    return `woke at ${ctx.currentUtcDateTime.toISOString()}`;
  }
}

describe('durable timers', () => {
  it('createTimer records a CreateTimer action with its fireAt', async () => {
    const decision = await replayHistory(Sleeper, new HistoryBuilder({ name: 'Sleeper', startTime: start }));

    expect(decision.actions).toEqual([{ type: 'CreateTimer', sequence: 0, fireAt: at(HOUR) }]);
    expect(decision.newHistory[0]).toEqual({ type: 'TimerCreated', eventId: 0, timestamp: start, fireAt: at(HOUR) });
  });

  it('does not resume before the timer fires', async () => {
    const history = new HistoryBuilder({ name: 'Sleeper', startTime: start })
      .timerCreated(HOUR).orchestratorCompleted()
      .advance(HOUR / 2).orchestratorStarted().eventRaised('Poke');

    const decision = await replayHistory(Sleeper, history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toBeUndefined();
  });

  it('TimerFired resumes the orchestrator, in the episode that brings it', async () => {
    const history = new HistoryBuilder({ name: 'Sleeper', startTime: start })
      .timerCreated(HOUR).orchestratorCompleted()
      .advance(HOUR + 250).orchestratorStarted().timerFired(0);

    const decision = await replayHistory(Sleeper, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: JSON.stringify(`woke at ${at(HOUR + 250).toISOString()}`) });
  });

  it('two timers wake the code in the episodes they fire in, in history order', async () => {
    class TwoTimers {
      async run(ctx: OrchestrationContext): Promise<string[]> {
        const now = ctx.currentUtcDateTime.getTime();
        const long = ctx.createTimer(new Date(now + 2 * HOUR));
        const short = ctx.createTimer(new Date(now + HOUR));
        const woke: string[] = [];
        await short;
        woke.push(`short ${ctx.currentUtcDateTime.toISOString()}`);
        await long;
        woke.push(`long ${ctx.currentUtcDateTime.toISOString()}`);
        return woke;
      }
    }
    const history = new HistoryBuilder({ name: 'TwoTimers', startTime: start })
      .timerCreated(2 * HOUR).timerCreated(HOUR).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().timerFired(1).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().timerFired(0);

    const decision = await replayHistory(TwoTimers, history);

    expect(decision.completion).toEqual({
      status: 'Completed',
      output: JSON.stringify([`short ${at(HOUR).toISOString()}`, `long ${at(2 * HOUR).toISOString()}`]),
    });
  });

  it('rejects an invalid fireAt at the call site', async () => {
    class BadTimer {
      caught: unknown;
      async run(ctx: OrchestrationContext): Promise<void> {
        try {
          void ctx.createTimer(new Date(Number.NaN));
        } catch (error) {
          this.caught = error;
        }
        await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1));
      }
    }
    const orchestrator = new BadTimer();

    const decision = await replayHistory(orchestrator, new HistoryBuilder({ name: 'BadTimer', startTime: start }));

    expect(orchestrator.caught).toBeInstanceOf(DurableError);
    expect(orchestrator.caught).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(decision.actions).toEqual([{ type: 'CreateTimer', sequence: 0, fireAt: at(1) }]);
  });
});
