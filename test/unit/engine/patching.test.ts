// Code-level versioning in the engine (ctx.patched, ctx.deprecatePatch): a new execution takes the new path and
// records the patch's marker once; a replay of a history that passed the point without the marker keeps the old path
// and records nothing; a replay with the marker (even one recorded later in history) takes the new path; answers are
// kept per execution; markers take no action numbers; a changed step's non-determinism error names the fix.
import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { NonDeterminismError } from '../../../src/core/errors/non-determinism-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { OrchestrationDecision } from '../../../src/engine/orchestration-decision.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';
import { TwinExecution } from './twin-execution.js';

/** v2 of an order flow: 'Charge', then (patch 'receipt') 'SendReceipt' instead of 'SendEmail', then a wait. */
class OrderV2 {
  answers: boolean[] = [];
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.callActivity('Charge');
    const patched = ctx.patched('receipt');
    this.answers.push(patched, ctx.patched('receipt'));
    await ctx.callActivity(patched ? 'SendReceipt' : 'SendEmail');
    await ctx.waitForExternalEvent('Done');
    return patched ? 'new path' : 'old path';
  }
}

/** The clean-up phase of the same change: the old path removed, the patch deprecated. */
class OrderV3 {
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.callActivity('Charge');
    ctx.deprecatePatch('receipt');
    ctx.deprecatePatch('receipt');
    await ctx.callActivity('SendReceipt');
    await ctx.waitForExternalEvent('Done');
    return 'new path';
  }
}

/** Asks about a patch before its first step: the marker lands in the first episode. */
class PatchFirst {
  answers: boolean[] = [];
  async run(ctx: OrchestrationContext): Promise<string> {
    const patched = ctx.patched('first');
    this.answers.push(patched, ctx.patched('first'));
    await ctx.callActivity(patched ? 'New' : 'Old');
    return patched ? 'new' : 'old';
  }
}

const markers = (events: readonly HistoryEvent[]): HistoryEvent[] => events.filter((e) => e.type === HistoryEventType.PatchMarker);
const output = (decision: OrchestrationDecision): unknown =>
  decision.completion?.status === 'Completed' ? JSON.parse(decision.completion.output as string) : decision.completion;

/** Episode 1 of the order flow as the v1 code recorded it, and episode 2 with Charge's result. */
const chargedOnV1 = (): HistoryBuilder => new HistoryBuilder({ name: 'Order' }).taskScheduled('Charge').orchestratorCompleted()
  .advance(1_000).orchestratorStarted().taskCompleted(0);

describe('ctx.patched', () => {
  it('takes the new path in a new execution and records the marker once, with no action number', async () => {
    const code = new PatchFirst();
    const decision = await replayHistory(code, new HistoryBuilder({ name: 'PatchFirst' }));
    expect(code.answers).toEqual([true, true]);
    expect(decision.actions).toEqual([expect.objectContaining({ name: 'New', sequence: 0 })]);
    expect(markers(decision.newHistory)).toEqual([{ type: 'PatchMarker', eventId: -1, timestamp: expect.any(Date), patchId: 'first' }]);
  });

  it('keeps the old path, recording nothing, when replaying a history that passed the point without the marker', async () => {
    const history = chargedOnV1().taskScheduled('SendEmail').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(1).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().eventRaised('Done');
    const code = new OrderV2();
    const decision = await replayHistory(code, history);
    expect(code.answers).toEqual([false, false]);
    expect(output(decision)).toBe('old path');
    expect(markers(decision.newHistory)).toEqual([]);
  });

  it('takes the new path when replaying a history with the marker, recording it no more', async () => {
    const code = new OrderV2();
    const history = chargedOnV1().patchMarker('receipt').taskScheduled('SendReceipt').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(1).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().eventRaised('Done');
    const decision = await replayHistory(code, history);
    expect(code.answers).toEqual([true, true]);
    expect(output(decision)).toBe('new path');
    expect(markers(decision.newHistory)).toEqual([]);
  });

  it('knows a marker recorded after the step it guards (the code asks before replay reaches the marker)', async () => {
    // The engine appends markers at the end of the episode: after the TaskScheduled of the guarded step.
    const first = await replayHistory(PatchFirst, new HistoryBuilder({ name: 'PatchFirst' }));
    expect(first.newHistory.map((e) => e.type)).toEqual(['TaskScheduled', 'PatchMarker', 'OrchestratorCompleted']);
    const history = new HistoryBuilder({ name: 'PatchFirst' }).append(first.newHistory).advance(10).orchestratorStarted().taskCompleted(0);
    const decision = await replayHistory(PatchFirst, history);
    expect(output(decision)).toBe('new');
    expect(markers(decision.newHistory)).toEqual([]);
  });

  it('takes the new path for a point an old execution reaches only after the deploy', async () => {
    // Recorded by v1 up to the Charge call; Charge's result arrives once v2 runs: the patch point is new.
    const code = new OrderV2();
    const decision = await replayHistory(code, chargedOnV1());
    expect(code.answers).toEqual([true, true]);
    expect(decision.actions).toEqual([expect.objectContaining({ name: 'SendReceipt', sequence: 1 })]);
    expect(markers(decision.newHistory)).toEqual([expect.objectContaining({ patchId: 'receipt' })]);
  });

  it('keeps a false answer given during replay for the rest of the execution', async () => {
    // Asked during replay (false: the history passed here on the old path), then asked again in a new episode.
    class AskTwice {
      answers: boolean[] = [];
      async run(ctx: OrchestrationContext): Promise<void> {
        this.answers.push(ctx.patched('p'));
        await ctx.callActivity('Old');
        this.answers.push(ctx.patched('p'));
        await ctx.callActivity('Next');
      }
    }
    const code = new AskTwice();
    const history = new HistoryBuilder({ name: 'AskTwice' }).taskScheduled('Old').orchestratorCompleted().advance(10).orchestratorStarted().taskCompleted(0);
    const decision = await replayHistory(code, history);
    expect(code.answers).toEqual([false, false]);
    expect(markers(decision.newHistory)).toEqual([]);
  });

  it('gives the same answers and markers to a continued execution as to a replay, episode by episode', async () => {
    const twin = new TwinExecution(() => new OrderV2(), { name: 'Order' });
    await twin.step();
    twin.history.advance(10).orchestratorStarted().taskCompleted(0);
    const second = await twin.step();
    expect(markers(second.newHistory)).toHaveLength(1);
    twin.history.advance(10).orchestratorStarted().taskCompleted(1);
    expect(markers((await twin.step()).newHistory)).toEqual([]);
    twin.history.advance(10).orchestratorStarted().eventRaised('Done');
    expect(output(await twin.step())).toBe('new path');
    expect(markers(twin.history.build())).toHaveLength(1);
  });

  it('rejects a patch ID that is not a non-empty string of at most 256 characters', async () => {
    for (const id of ['', 'x'.repeat(257), 42]) {
      class Bad {
        run(ctx: OrchestrationContext): Promise<unknown> {
          try {
            return Promise.resolve(ctx.patched(id as string));
          } catch (error) {
            return Promise.resolve((error as DurableError).code);
          }
        }
      }
      expect(output(await replayHistory(Bad, new HistoryBuilder({ name: 'Bad' })))).toBe('INVALID_ARGUMENT');
    }
    class Long {
      run(ctx: OrchestrationContext): Promise<boolean> {
        return Promise.resolve(ctx.patched('x'.repeat(256)));
      }
    }
    expect(output(await replayHistory(Long, new HistoryBuilder({ name: 'Long' })))).toBe(true);
  });
});

describe('ctx.deprecatePatch', () => {
  it('records a deprecated marker once in a new execution', async () => {
    const decision = await replayHistory(OrderV3, chargedOnV1());
    expect(markers(decision.newHistory)).toEqual([expect.objectContaining({ patchId: 'receipt', deprecated: true })]);
    expect(decision.actions).toEqual([expect.objectContaining({ name: 'SendReceipt', sequence: 1 })]);
  });

  it('replays a history with the marker, and one without it, recording nothing', async () => {
    for (const withMarker of [true, false]) {
      const history = chargedOnV1();
      if (withMarker) history.patchMarker('receipt');
      history.taskScheduled('SendReceipt').orchestratorCompleted()
        .advance(1_000).orchestratorStarted().taskCompleted(1).orchestratorCompleted()
        .advance(1_000).orchestratorStarted().eventRaised('Done');
      const decision = await replayHistory(OrderV3, history);
      expect(output(decision)).toBe('new path');
      expect(markers(decision.newHistory)).toEqual([]);
    }
  });

  it('leaves a marker that rolled-back code (ctx.patched) reads as the new path', async () => {
    const deprecated = await replayHistory(OrderV3, chargedOnV1());
    const history = chargedOnV1().append(deprecated.newHistory).advance(10).orchestratorStarted().taskCompleted(1);
    const code = new OrderV2();
    const decision = await replayHistory(code, history);
    expect(code.answers).toEqual([true, true]);
    expect(decision.completion).toBeUndefined();
  });
});

describe('non-determinism after an unguarded change', () => {
  it('names the patch to add', async () => {
    class Unguarded {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('Charge');
        await ctx.callActivity('SendReceipt');
      }
    }
    const history = chargedOnV1().taskScheduled('SendEmail').orchestratorCompleted().advance(10).orchestratorStarted().taskCompleted(1);
    const error = await replayHistory(Unguarded, history).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as Error).message).toContain("if (ctx.patched('<a-patch-id>'))");
  });
});
