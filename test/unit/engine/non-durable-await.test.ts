import { describe, expect, it } from '@jest/globals';
import { NonDurableAwaitError } from '../../../src/core/errors/non-durable-await-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Each rejection test has a 5 s jest timeout: the engine must notice on its own, never hang.
const FIVE_SECONDS = 5_000;

describe('awaiting something that is not a durable task', () => {
  it('a setTimeout promise rejects with NonDurableAwaitError', async () => {
    class Sleeps {
      async run(ctx: OrchestrationContext): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await ctx.callActivity('Work');
      }
    }

    const replay = replayHistory(Sleeps, new HistoryBuilder({ name: 'Sleeps' }));

    await expect(replay).rejects.toThrow(NonDurableAwaitError);
    await expect(replay).rejects.toMatchObject({ code: 'NON_DURABLE_AWAIT', orchestratorName: 'Sleeps', message: expect.stringContaining('ctx.createTimer') });
  }, FIVE_SECONDS);

  it('a promise that never settles rejects with NonDurableAwaitError', async () => {
    class WaitsForever {
      async run(): Promise<void> {
        await new Promise<void>(() => undefined);
      }
    }

    await expect(replayHistory(WaitsForever, new HistoryBuilder({ name: 'WaitsForever' }))).rejects.toThrow(NonDurableAwaitError);
  }, FIVE_SECONDS);

  it('is detected in a later episode too', async () => {
    class SleepsLater {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('Work');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const history = new HistoryBuilder({ name: 'SleepsLater' })
      .taskScheduled('Work').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0);

    await expect(replayHistory(SleepsLater, history)).rejects.toThrow(NonDurableAwaitError);
  }, FIVE_SECONDS);
});

describe('awaits that are fine', () => {
  it('already-resolved plain promises and plain values', async () => {
    class AwaitsResolved {
      async run(ctx: OrchestrationContext): Promise<string> {
        const a = await Promise.resolve('a');
        const b = await (async (): Promise<string> => await Promise.resolve('b'))();
        const c = await Promise.all([Promise.resolve('c')]);
        return await ctx.callActivity<string>('Join', [a, b, ...c]);
      }
    }

    const decision = await replayHistory(AwaitsResolved, new HistoryBuilder({ name: 'AwaitsResolved' }));

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 0, name: 'Join', input: '["a","b","c"]' }]);
  });

  it('async helper functions that themselves await durable tasks', async () => {
    const fetchAndParse = async (ctx: OrchestrationContext, url: string): Promise<number> => {
      const body = await ctx.callActivity<string>('Fetch', url);
      return await ctx.callActivity<number>('Parse', body);
    };
    class UsesHelpers {
      async run(ctx: OrchestrationContext): Promise<number> {
        const [a, b] = await Promise.all([fetchAndParse(ctx, 'a'), fetchAndParse(ctx, 'b')]);
        return (a ?? 0) + (b ?? 0);
      }
    }
    const history = new HistoryBuilder({ name: 'UsesHelpers' })
      .taskScheduled('Fetch', 'a').taskScheduled('Fetch', 'b').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(1, 'B').taskScheduled('Parse', 'B').taskCompleted(0, 'A').taskScheduled('Parse', 'A').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(2, 20).taskCompleted(3, 10);

    const decision = await replayHistory(UsesHelpers, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '30' });
  });
});
