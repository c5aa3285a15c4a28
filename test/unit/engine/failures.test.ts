import { describe, expect, it } from '@jest/globals';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

class PlaceOrder {
  caught: unknown;

  async run(ctx: OrchestrationContext<{ compensate: boolean }>): Promise<string> {
    await ctx.callActivity('ReserveStock', 'order-1');
    try {
      await ctx.callActivity('ChargeCard', 'order-1');
    } catch (error) {
      this.caught = error;
      if (!ctx.input.compensate) throw error;
      // Compensation: undo the step that succeeded.
      await ctx.callActivity('ReleaseStock', 'order-1');
      return 'cancelled';
    }
    return 'placed';
  }
}

const chargeFailed = (compensate: boolean): HistoryBuilder => new HistoryBuilder({ name: 'PlaceOrder', input: { compensate } })
  .taskScheduled('ReserveStock', 'order-1').orchestratorCompleted()
  .advance(1_000).orchestratorStarted().taskCompleted(0).taskScheduled('ChargeCard', 'order-1').orchestratorCompleted()
  .advance(1_000).orchestratorStarted().taskFailed(1, new PaymentDeclinedError('card expired'));

describe('activity failures', () => {
  it('arrive in the orchestrator as TaskFailedError with the recorded type, message and stack', async () => {
    const orchestrator = new PlaceOrder();

    await replayHistory(orchestrator, chargeFailed(true));

    expect(orchestrator.caught).toBeInstanceOf(TaskFailedError);
    const error = orchestrator.caught as TaskFailedError;
    expect(error.message).toBe("Activity 'ChargeCard' failed: card expired");
    expect(error.taskName).toBe('ChargeCard');
    expect(error.taskKind).toBe('activity');
    expect(error.failureDetails.errorType).toBe('PaymentDeclinedError');
    expect(error.failureDetails.errorMessage).toBe('card expired');
    expect(error.failureDetails.stackTrace).toContain('PaymentDeclinedError: card expired');
  });

  it('can be caught to run a compensation activity', async () => {
    const decision = await replayHistory(PlaceOrder, chargeFailed(true));

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 2, name: 'ReleaseStock', input: '"order-1"' }]);
  });

  it('fail the orchestration when uncaught, with the activity failure as innerFailure', async () => {
    const decision = await replayHistory(PlaceOrder, chargeFailed(false));

    expect(decision.completion).toMatchObject({
      status: 'Failed',
      failureDetails: {
        errorType: 'TaskFailedError',
        errorMessage: "Activity 'ChargeCard' failed: card expired",
        innerFailure: { errorType: 'PaymentDeclinedError', errorMessage: 'card expired' },
      },
    });
    expect(decision.newHistory).toEqual([
      expect.objectContaining({ type: 'ExecutionCompleted', orchestrationStatus: 'Failed', failureDetails: expect.objectContaining({ errorType: 'TaskFailedError' }) }),
      expect.objectContaining({ type: 'OrchestratorCompleted' }),
    ]);
  });
});

describe('orchestrator errors', () => {
  it('an error thrown by the orchestrator fails it with FailureDetails (type, message, stack)', async () => {
    class Validates {
      async run(ctx: OrchestrationContext<number>): Promise<number> {
        const n = await ctx.callActivity<number>('Load');
        if (n > ctx.input) throw new RangeError(`${n} is over the limit of ${ctx.input}`);
        return n;
      }
    }
    const history = new HistoryBuilder({ name: 'Validates', input: 10 })
      .taskScheduled('Load').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0, 11);

    const decision = await replayHistory(Validates, history);

    expect(decision.completion).toEqual({
      status: 'Failed',
      failureDetails: { errorType: 'RangeError', errorMessage: '11 is over the limit of 10', stackTrace: expect.stringContaining('RangeError') },
    });
  });

  it('a synchronous throw before the first await fails it too', async () => {
    class ThrowsAtOnce {
      run(): never {
        throw new TypeError('no input');
      }
    }

    const decision = await replayHistory(ThrowsAtOnce, new HistoryBuilder({ name: 'ThrowsAtOnce' }));

    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorType: 'TypeError', errorMessage: 'no input' } });
  });

  it.each<[string, unknown, string]>([
    ['a string', 'boom', 'boom'],
    ['an object', { code: 42 }, '{"code":42}'],
    ['undefined', undefined, 'undefined'],
  ])('a thrown non-Error (%s) fails it with errorType Error and a readable message', async (_what, thrown, message) => {
    class ThrowsValue {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('Step');
        throw thrown;
      }
    }
    const history = new HistoryBuilder({ name: 'ThrowsValue' })
      .taskScheduled('Step').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0);

    const decision = await replayHistory(ThrowsValue, history);

    expect(decision.completion).toEqual({ status: 'Failed', failureDetails: { errorType: 'Error', errorMessage: message } });
  });
});
