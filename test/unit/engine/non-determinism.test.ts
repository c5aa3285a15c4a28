import { describe, expect, it } from '@jest/globals';
import { NonDeterminismError } from '../../../src/core/errors/non-determinism-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

/** The replay's rejection (the test fails if it resolves). */
async function rejectionOf(decision: Promise<unknown>): Promise<NonDeterminismError> {
  const error = await decision.then(() => undefined, (reason: unknown) => reason);
  if (!(error instanceof NonDeterminismError)) throw new Error(`expected a NonDeterminismError, got ${String(error)}`);
  return error;
}

// Recorded by the old code: ChargeCard (#0), then, in the next episode, ShipOrder (#1) and SendReceipt (#2).
const recorded = (): HistoryBuilder => new HistoryBuilder({ name: 'Checkout' })
  .taskScheduled('ChargeCard', 'order-1').orchestratorCompleted()
  .advance(1_000).orchestratorStarted().taskCompleted(0).taskScheduled('ShipOrder').taskScheduled('SendReceipt').orchestratorCompleted()
  .advance(1_000).orchestratorStarted().taskCompleted(1);

describe('non-determinism', () => {
  it('a different kind of step: history has an activity, the code now creates a timer', async () => {
    class Checkout {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 60_000));
        await ctx.callActivity('ChargeCard', 'order-1');
      }
    }

    const error = await rejectionOf(replayHistory(Checkout, recorded()));

    expect(error).toMatchObject({ code: 'NON_DETERMINISM', sequence: 0, expected: "activity 'ChargeCard'", actual: 'a timer' });
    expect(error.message).toContain("at action #0 the history recorded activity 'ChargeCard' but the code now schedules a timer");
    expect(error.message).toContain('different kind of step');
  });

  it('a different name: the activity was renamed', async () => {
    class Checkout {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('ChargeCreditCard', 'order-1');
      }
    }

    const error = await rejectionOf(replayHistory(Checkout, recorded()));

    expect(error).toMatchObject({ sequence: 0, expected: "activity 'ChargeCard'", actual: "activity 'ChargeCreditCard'" });
    expect(error.message).toContain('renamed');
    expect(error.message).toContain('@Activity({ name })');
  });

  it('a missing step: history has an action the code no longer takes', async () => {
    class Checkout {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('ChargeCard', 'order-1');
        await ctx.callActivity('ShipOrder'); // SendReceipt was removed
      }
    }

    const error = await rejectionOf(replayHistory(Checkout, recorded()));

    expect(error).toMatchObject({ sequence: 2, expected: "activity 'SendReceipt'", actual: undefined });
    expect(error.message).toContain("the history recorded activity 'SendReceipt' but the code now does nothing");
    expect(error.message).toContain('no longer takes this step');
  });

  it('an extra step: the code takes an action the old code never took', async () => {
    class Checkout {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('ChargeCard', 'order-1');
        await ctx.whenAll([ctx.callActivity('ShipOrder'), ctx.callActivity('SendReceipt'), ctx.callActivity('AwardPoints')]);
      }
    }

    const error = await rejectionOf(replayHistory(Checkout, recorded()));

    expect(error).toMatchObject({ sequence: 3, expected: undefined, actual: "activity 'AwardPoints'" });
    expect(error.message).toContain("the history recorded no action but the code now schedules activity 'AwardPoints'");
    expect(error.message).toContain('never took');
  });

  it('names sub-orchestrations and timers in expected/actual', async () => {
    class Checkout {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callSubOrchestrator('ChargeCard', 'order-1');
      }
    }

    const error = await rejectionOf(replayHistory(Checkout, recorded()));

    expect(error).toMatchObject({ sequence: 0, expected: "activity 'ChargeCard'", actual: "sub-orchestration 'ChargeCard'" });
  });

  it('cannot be caught by the orchestrator', async () => {
    class Checkout {
      async run(ctx: OrchestrationContext): Promise<string> {
        try {
          await ctx.callActivity('ChargeCreditCard', 'order-1');
          return 'ok';
        } catch {
          return 'swallowed';
        }
      }
    }

    await expect(replayHistory(Checkout, recorded())).rejects.toThrow(NonDeterminismError);
  });

  it('new steps after the recorded history are not a mismatch', async () => {
    class Checkout {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('ChargeCard', 'order-1');
        await ctx.whenAll([ctx.callActivity('ShipOrder'), ctx.callActivity('SendReceipt')]);
        await ctx.callActivity('AwardPoints');
      }
    }
    const history = recorded().taskCompleted(2);

    const decision = await replayHistory(Checkout, history);

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 3, name: 'AwardPoints', input: undefined }]);
  });
});
