import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { NonDeterminismError } from '../../../src/core/errors/non-determinism-error.js';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

const counter = new EntityId('Counter', 'orders');
const audit = new EntityId('Audit', 'log');

/** Adds to a counter, reads it back and reports it (a signal). */
class CountOrder {
  caught: unknown;

  async run(ctx: OrchestrationContext<number>): Promise<number> {
    await ctx.callEntity(counter, 'add', ctx.input);
    let total: number;
    try {
      total = await ctx.callEntity<number>(counter, 'get');
    } catch (error) {
      this.caught = error;
      throw error;
    }
    ctx.signalEntity(audit, 'record', { total });
    return total;
  }
}

/** First episode recorded: the add call (#0). */
const added = (): HistoryBuilder => new HistoryBuilder({ name: 'CountOrder', input: 5 })
  .entityOperationCalled(counter, 'add', 5).orchestratorCompleted()
  .advance(1_000).orchestratorStarted();

async function nonDeterminism(decision: Promise<unknown>): Promise<NonDeterminismError> {
  const error = await decision.then(() => undefined, (reason: unknown) => reason);
  if (!(error instanceof NonDeterminismError)) throw new Error(`expected a NonDeterminismError, got ${String(error)}`);
  return error;
}

describe('ctx.callEntity', () => {
  it('first episode: a CallEntity action and its EntityOperationCalled event (eventId = sequence)', async () => {
    const decision = await replayHistory(CountOrder, new HistoryBuilder({ name: 'CountOrder', input: 5 }));

    expect(decision.actions).toEqual([{ type: 'CallEntity', sequence: 0, targetInstanceId: '@counter@orders', operation: 'add', input: '5' }]);
    expect(decision.newHistory).toEqual([
      expect.objectContaining({ type: 'EntityOperationCalled', eventId: 0, targetInstanceId: '@counter@orders', operation: 'add', input: '5' }),
      expect.objectContaining({ type: 'OrchestratorCompleted' }),
    ]);
    expect(decision.completion).toBeUndefined();
  });

  it('replays: the recorded call is not made again, its result resumes the code', async () => {
    const decision = await replayHistory(CountOrder, added().entityOperationCompleted(0));

    expect(decision.actions).toEqual([{ type: 'CallEntity', sequence: 1, targetInstanceId: '@counter@orders', operation: 'get', input: undefined }]);
  });

  it('completes with the decoded result of EntityOperationCompleted; signals are recorded like calls', async () => {
    const history = added().entityOperationCompleted(0).entityOperationCalled(counter, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(1, 42);

    const decision = await replayHistory(CountOrder, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '42' });
    expect(decision.actions).toEqual([
      { type: 'SignalEntity', sequence: 2, targetInstanceId: '@audit@log', operation: 'record', input: '{"total":42}' },
    ]);
    expect(decision.newHistory.map((e) => e.type)).toEqual(['EntityOperationSignaled', 'ExecutionCompleted', 'OrchestratorCompleted']);
    expect(decision.newHistory[0]).toEqual(expect.objectContaining({ eventId: 2, targetInstanceId: '@audit@log', operation: 'record' }));
    expect(decision.newHistory[0]).not.toHaveProperty('scheduledTime');
  });

  it('fails with TaskFailedError (taskKind entity) on EntityOperationFailed', async () => {
    const orchestrator = new CountOrder();
    const history = added().entityOperationCompleted(0).entityOperationCalled(counter, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationFailed(1, new RangeError('no such counter'));

    const decision = await replayHistory(orchestrator, history);

    expect(orchestrator.caught).toBeInstanceOf(TaskFailedError);
    const error = orchestrator.caught as TaskFailedError;
    expect(error.code).toBe('TASK_FAILED');
    expect(error.message).toBe("Operation 'get' on entity '@counter@orders' failed: no such counter");
    expect(error.taskKind).toBe('entity');
    expect(error.taskName).toBe('get');
    expect(error.failureDetails).toMatchObject({ errorType: 'RangeError', errorMessage: 'no such counter' });
    expect(decision.completion).toMatchObject({
      status: 'Failed',
      failureDetails: { errorType: 'TaskFailedError', innerFailure: { errorType: 'RangeError' } },
    });
    expect(decision.actions).toEqual([]);
  });

  it('a caught entity failure lets the orchestration go on', async () => {
    class Tolerant {
      async run(ctx: OrchestrationContext): Promise<string> {
        try {
          await ctx.callEntity(counter, 'explode');
          return 'no error';
        } catch (error) {
          return (error as TaskFailedError).failureDetails.errorMessage;
        }
      }
    }
    const history = new HistoryBuilder({ name: 'Tolerant' }).entityOperationCalled(counter, 'explode').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationFailed(0, new Error('boom'));

    const decision = await replayHistory(Tolerant, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"boom"' });
  });

  it('whenAll over entity calls completes with every result in order', async () => {
    class SumCounters {
      async run(ctx: OrchestrationContext<string[]>): Promise<number> {
        const values = await ctx.whenAll(ctx.input.map((key) => ctx.callEntity<number>(new EntityId('Counter', key), 'get')));
        return values.reduce((a, b) => a + b, 0);
      }
    }
    const first = await replayHistory(SumCounters, new HistoryBuilder({ name: 'SumCounters', input: ['a', 'b', 'c'] }));
    const history = new HistoryBuilder({ name: 'SumCounters', input: ['a', 'b', 'c'] })
      .entityOperationCalled('@counter@a', 'get').entityOperationCalled('@counter@b', 'get').entityOperationCalled('@counter@c', 'get')
      .orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(2, 300).entityOperationCompleted(0, 1).entityOperationCompleted(1, 20);

    const decision = await replayHistory(SumCounters, history);

    expect(first.actions.map((a) => a.type === 'CallEntity' && a.targetInstanceId)).toEqual(['@counter@a', '@counter@b', '@counter@c']);
    expect(decision.completion).toEqual({ status: 'Completed', output: '321' });
  });

  it('results arriving while suspended are held until the resume', async () => {
    const history = added().executionSuspended().entityOperationCompleted(0);
    const suspended = await replayHistory(CountOrder, history);
    history.append(suspended.newHistory).advance(1_000).orchestratorStarted().executionResumed();

    const resumed = await replayHistory(CountOrder, history);

    expect(suspended.actions).toEqual([]);
    expect(suspended.suspended).toBe(true);
    expect(resumed.actions).toEqual([expect.objectContaining({ type: 'CallEntity', sequence: 1, operation: 'get' })]);
  });

  it('generator orchestrators yield entity calls like any task', async () => {
    class Yielding {
      *run(ctx: OrchestrationContext): Generator<unknown, number, unknown> {
        const a = (yield ctx.callEntity<number>(counter, 'get')) as number;
        ctx.signalEntity(audit, 'record', a);
        try {
          yield ctx.callEntity(counter, 'explode');
        } catch (error) {
          return a + (error instanceof TaskFailedError ? 1000 : 0);
        }
        return a;
      }
    }
    const history = new HistoryBuilder({ name: 'Yielding' }).entityOperationCalled(counter, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(0, 7)
      .entityOperationSignaled(audit, 'record', 7).entityOperationCalled(counter, 'explode').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationFailed(2, new Error('boom'));

    const decision = await replayHistory(Yielding, history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toEqual({ status: 'Completed', output: '1007' });
  });

  it('checks its arguments where it is called', async () => {
    const tries: Array<(ctx: OrchestrationContext) => unknown> = [
      (ctx) => ctx.callEntity('Counter' as unknown as EntityId, 'get'),
      (ctx) => ctx.callEntity(counter, ''),
      (ctx) => ctx.callEntity({ name: 'bad@name', key: 'k' } as EntityId, 'get'),
      (ctx) => ctx.callEntity(counter, 'add', () => 1),
      (ctx) => ctx.signalEntity(counter, 'add', 1, { scheduledTime: new Date('nope') }),
    ];
    const codes: string[] = [];
    class Tries {
      async run(ctx: OrchestrationContext): Promise<void> {
        for (const attempt of tries) {
          try {
            attempt(ctx);
            codes.push('no error');
          } catch (error) {
            codes.push(error instanceof DurableError ? error.code : String(error));
          }
        }
        await Promise.resolve();
      }
    }

    const decision = await replayHistory(Tries, new HistoryBuilder({ name: 'Tries' }));

    expect(codes).toEqual(['INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ENTITY_ID', 'INVALID_PAYLOAD', 'INVALID_ARGUMENT']);
    expect(decision.actions).toEqual([]);
  });

  it('accepts an object with the shape of an EntityId (checked by re-creating it)', async () => {
    class Plain {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callEntity({ name: 'Counter', key: 'x' } as EntityId, 'get');
      }
    }

    const decision = await replayHistory(Plain, new HistoryBuilder({ name: 'Plain' }));

    expect(decision.actions).toEqual([expect.objectContaining({ targetInstanceId: '@counter@x' })]);
  });
});

describe('ctx.signalEntity', () => {
  it('is one-way: the orchestration does not wait for it', async () => {
    class FireAndForget {
      run(ctx: OrchestrationContext): string {
        const result: unknown = ctx.signalEntity(counter, 'add', 1);
        ctx.signalEntity(counter, 'add', 2);
        return String(result);
      }
    }

    const decision = await replayHistory(FireAndForget, new HistoryBuilder({ name: 'FireAndForget' }));

    expect(decision.completion).toEqual({ status: 'Completed', output: '"undefined"' });
    expect(decision.actions).toEqual([
      { type: 'SignalEntity', sequence: 0, targetInstanceId: '@counter@orders', operation: 'add', input: '1' },
      { type: 'SignalEntity', sequence: 1, targetInstanceId: '@counter@orders', operation: 'add', input: '2' },
    ]);
  });

  it('a scheduled signal carries its time in the action and the event', async () => {
    class Remind {
      async run(ctx: OrchestrationContext): Promise<void> {
        ctx.signalEntity(counter, 'reset', undefined, { scheduledTime: new Date(ctx.currentUtcDateTime.getTime() + 60_000) });
        await ctx.callActivity('Work');
      }
    }
    const history = new HistoryBuilder({ name: 'Remind' });
    const at = new Date(history.now.getTime() + 60_000);

    const first = await replayHistory(Remind, history);
    const replayed = await replayHistory(Remind, new HistoryBuilder({ name: 'Remind' })
      .entityOperationSignaled(counter, 'reset', undefined, 60_000).taskScheduled('Work').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(1));

    expect(first.actions[0]).toEqual({ type: 'SignalEntity', sequence: 0, targetInstanceId: '@counter@orders', operation: 'reset', input: undefined, scheduledTime: at });
    expect(first.newHistory[0]).toEqual(expect.objectContaining({ type: 'EntityOperationSignaled', eventId: 0, scheduledTime: at }));
    expect(replayed.actions).toEqual([]);
    expect(replayed.completion).toEqual({ status: 'Completed', output: undefined });
  });
});

describe('entity steps under replay (non-determinism)', () => {
  it('a different operation at a recorded call', async () => {
    class CountOrderChanged {
      async run(ctx: OrchestrationContext<number>): Promise<void> {
        await ctx.callEntity(counter, 'increment', ctx.input);
      }
    }

    const error = await nonDeterminism(replayHistory(CountOrderChanged, added().entityOperationCompleted(0)));

    expect(error).toMatchObject({
      code: 'NON_DETERMINISM', sequence: 0,
      expected: "a call of 'add' on entity '@counter@orders'", actual: "a call of 'increment' on entity '@counter@orders'",
    });
    expect(error.message).toContain('different entity or operation');
  });

  it('a different entity at a recorded call', async () => {
    class OtherCounter {
      async run(ctx: OrchestrationContext<number>): Promise<void> {
        await ctx.callEntity(new EntityId('Counter', 'returns'), 'add', ctx.input);
      }
    }

    const error = await nonDeterminism(replayHistory(OtherCounter, added().entityOperationCompleted(0)));

    expect(error).toMatchObject({ sequence: 0, actual: "a call of 'add' on entity '@counter@returns'" });
  });

  it('a signal where a call was recorded, and a call where an activity was recorded', async () => {
    class SignalsInstead {
      async run(ctx: OrchestrationContext<number>): Promise<void> {
        ctx.signalEntity(counter, 'add', ctx.input);
        await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 1_000));
      }
    }
    class CallsInstead {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callEntity(counter, 'Work');
      }
    }
    const activityRecorded = new HistoryBuilder({ name: 'CallsInstead' }).taskScheduled('Work').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0);

    const signal = await nonDeterminism(replayHistory(SignalsInstead, added().entityOperationCompleted(0)));
    const call = await nonDeterminism(replayHistory(CallsInstead, activityRecorded));

    expect(signal).toMatchObject({ sequence: 0, expected: "a call of 'add' on entity '@counter@orders'", actual: "a signal 'add' to entity '@counter@orders'" });
    expect(signal.message).toContain('different kind of step');
    expect(call).toMatchObject({ sequence: 0, expected: "activity 'Work'", actual: "a call of 'Work' on entity '@counter@orders'" });
  });

  it('a recorded signal the code no longer sends', async () => {
    class NoSignal {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.callActivity('Work');
      }
    }
    const history = new HistoryBuilder({ name: 'NoSignal' }).entityOperationSignaled(audit, 'record').taskScheduled('Work').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(1);

    const error = await nonDeterminism(replayHistory(NoSignal, history));

    expect(error.sequence).toBe(0);
  });

  it('a call the recorded episode never made', async () => {
    class ExtraCall {
      async run(ctx: OrchestrationContext<number>): Promise<void> {
        await ctx.callEntity(counter, 'add', ctx.input);
        ctx.signalEntity(audit, 'record');
      }
    }
    // A signal after the awaited call belongs to episode 2 (not recorded yet): a new step, fine.
    const fine = await replayHistory(ExtraCall, added().entityOperationCompleted(0));
    // A signal before awaiting the call belongs to recorded episode 1, which took only the call.
    class ExtraEarlyCall {
      async run(ctx: OrchestrationContext<number>): Promise<void> {
        const first = ctx.callEntity(counter, 'add', ctx.input);
        ctx.signalEntity(audit, 'record');
        await first;
      }
    }

    const error = await nonDeterminism(replayHistory(ExtraEarlyCall, added().entityOperationCompleted(0)));

    expect(fine.actions).toEqual([expect.objectContaining({ type: 'SignalEntity', sequence: 1 })]);
    expect(error).toMatchObject({ sequence: 1, expected: undefined, actual: "a signal 'record' to entity '@audit@log'" });
  });
});
