import { describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

const HOUR = 3_600_000;

/** An eternal orchestration: each execution sleeps an hour, then starts over with a larger counter. */
class Eternal {
  constructor(private readonly preserveUnprocessedEvents?: boolean) {}

  async run(ctx: OrchestrationContext<number>): Promise<void> {
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + HOUR));
    const options = this.preserveUnprocessedEvents === undefined ? undefined : { preserveUnprocessedEvents: this.preserveUnprocessedEvents };
    ctx.continueAsNew(ctx.input + 1, options);
  }
}

/** The timer recorded; the episode where it fires is open (add its events). */
const sleeping = (): HistoryBuilder => new HistoryBuilder({ name: 'Eternal', input: 1 })
  .timerCreated(HOUR).orchestratorCompleted()
  .advance(HOUR).orchestratorStarted();

describe('continueAsNew', () => {
  it('ends the execution as ContinuedAsNew with the new input', async () => {
    const decision = await replayHistory(new Eternal(), sleeping().timerFired(0));

    expect(decision.completion).toEqual({ status: 'ContinuedAsNew', input: '2', carryoverEvents: [] });
    expect(decision.newHistory).toEqual([
      expect.objectContaining({ type: 'ContinueAsNew', input: '2', carryoverEvents: [] }),
      expect.objectContaining({ type: 'OrchestratorCompleted' }),
    ]);
  });

  it('drops raised events nobody waited for, by default', async () => {
    const history = sleeping().eventRaised('Add', 1).eventRaised('Add', 2).orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().timerFired(0);

    const decision = await replayHistory(new Eternal(), history);

    expect(decision.completion).toEqual({ status: 'ContinuedAsNew', input: '2', carryoverEvents: [] });
  });

  it('carries unprocessed raised events over, in order, with preserveUnprocessedEvents', async () => {
    const history = sleeping().eventRaised('Add', 1).eventRaised('Reset').orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().timerFired(0);

    const decision = await replayHistory(new Eternal(true), history);

    expect(decision.completion).toEqual({
      status: 'ContinuedAsNew',
      input: '2',
      carryoverEvents: [
        expect.objectContaining({ type: 'EventRaised', name: 'Add', input: '1' }),
        expect.objectContaining({ type: 'EventRaised', name: 'Reset', input: undefined }),
      ],
    });
  });

  it('also carries over events that arrive in the same batch after the event that ended the execution', async () => {
    const history = sleeping().eventRaised('Add', 1).timerFired(0).eventRaised('Add', 2);

    const decision = await replayHistory(new Eternal(true), history);

    expect(decision.completion).toMatchObject({
      status: 'ContinuedAsNew',
      carryoverEvents: [expect.objectContaining({ input: '1' }), expect.objectContaining({ input: '2' })],
    });
  });

  it('does not carry over events the execution consumed', async () => {
    class Consumer {
      async run(ctx: OrchestrationContext<number>): Promise<void> {
        const added = await ctx.waitForExternalEvent<number>('Add');
        ctx.continueAsNew(ctx.input + added, { preserveUnprocessedEvents: true });
      }
    }
    const history = new HistoryBuilder({ name: 'Consumer', input: 10 })
      .orchestratorCompleted()
      .advance(HOUR).orchestratorStarted().eventRaised('Add', 5).eventRaised('Add', 6);

    const decision = await replayHistory(Consumer, history);

    expect(decision.completion).toEqual({
      status: 'ContinuedAsNew', input: '15', carryoverEvents: [expect.objectContaining({ name: 'Add', input: '6' })],
    });
  });

  it('the next execution receives the carried-over events as if just raised', async () => {
    class Summer {
      async run(ctx: OrchestrationContext<number>): Promise<number> {
        const a = await ctx.waitForExternalEvent<number>('Add');
        const b = await ctx.waitForExternalEvent<number>('Add');
        return ctx.input + a + b;
      }
    }
    const carried = await replayHistory(new Eternal(true), sleeping().eventRaised('Add', 3).eventRaised('Add', 4).timerFired(0));
    if (carried.completion?.status !== 'ContinuedAsNew') throw new Error('expected ContinuedAsNew');

    const next = new HistoryBuilder({ name: 'Summer', input: 2 }).append(carried.completion.carryoverEvents);
    const decision = await replayHistory(Summer, next);

    expect(decision.completion).toEqual({ status: 'Completed', output: '9' });
  });
});
