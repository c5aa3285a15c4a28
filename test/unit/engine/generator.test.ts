import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import type { DurableTask } from '../../../src/engine/durable-task.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Durable Functions JavaScript style: `*run(ctx)` yields tasks instead of awaiting them.
type Orchestration<T> = Generator<unknown, T, unknown>;

class Chaining {
  *run(ctx: OrchestrationContext): Orchestration<unknown> {
    const x = yield ctx.callActivity('F1');
    const y = yield ctx.callActivity('F2', x);
    const z = yield ctx.callActivity('F3', y);
    return yield ctx.callActivity('F4', z);
  }
}

describe('generator orchestrators', () => {
  it('yield schedules an activity and resumes with its result', async () => {
    const history = new HistoryBuilder({ name: 'Chaining' })
      .taskScheduled('F1').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0, 'x');

    const decision = await replayHistory(Chaining, history);

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'F2', input: '"x"' }]);
  });

  it('returns the value of the last yield as the output', async () => {
    const history = new HistoryBuilder({ name: 'Chaining' })
      .taskScheduled('F1').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0, 'x').taskScheduled('F2', 'x').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(1, 'y').taskScheduled('F3', 'y').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(2, 'z').taskScheduled('F4', 'z').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(3, 'done');

    const decision = await replayHistory(Chaining, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"done"' });
  });

  it('yield ctx.whenAll gives every result, in order', async () => {
    class FanOut {
      *run(ctx: OrchestrationContext<number[]>): Orchestration<number> {
        const results = (yield ctx.whenAll(ctx.input.map((n) => ctx.callActivity<number>('Double', n)))) as number[];
        return results.reduce((a, b) => a + b, 0);
      }
    }
    const history = new HistoryBuilder({ name: 'FanOut', input: [1, 2, 3] })
      .taskScheduled('Double', 1).taskScheduled('Double', 2).taskScheduled('Double', 3).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(2, 6).taskCompleted(0, 2).taskCompleted(1, 4);

    const decision = await replayHistory(FanOut, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '12' });
  });

  it('yield ctx.whenAny gives the winning task itself', async () => {
    class Race {
      *run(ctx: OrchestrationContext): Orchestration<string> {
        const approval = ctx.waitForExternalEvent<boolean>('Approval');
        const timeout = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 60_000));
        const winner = yield ctx.whenAny<DurableTask<unknown>>([approval, timeout]);
        return winner === approval ? `approved: ${String(approval.result)}` : 'timed out';
      }
    }
    const history = new HistoryBuilder({ name: 'Race' })
      .timerCreated(60_000).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().eventRaised('Approval', true);

    const decision = await replayHistory(Race, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"approved: true"' });
  });

  it('a failed yield throws TaskFailedError into the generator, where try/catch handles it', async () => {
    class Compensates {
      caught: unknown;
      *run(ctx: OrchestrationContext): Orchestration<string> {
        try {
          yield ctx.callActivity('ChargeCard');
          return 'charged';
        } catch (error) {
          this.caught = error;
          yield ctx.callActivity('Refund');
          return 'refunded';
        }
      }
    }
    const orchestrator = new Compensates();
    const history = new HistoryBuilder({ name: 'Compensates' })
      .taskScheduled('ChargeCard').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskFailed(0, new Error('declined'));

    const decision = await replayHistory(orchestrator, history);

    expect(orchestrator.caught).toBeInstanceOf(TaskFailedError);
    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'Refund', input: undefined }]);
  });

  it.each<[string, unknown]>([
    ['a number', 42],
    ['a plain Promise', Promise.resolve(1)],
    ['null', null],
  ])('yielding a non-task (%s) throws INVALID_YIELD into the generator', async (_what, yielded) => {
    class YieldsJunk {
      caught: unknown;
      *run(ctx: OrchestrationContext): Orchestration<string> {
        try {
          yield yielded;
        } catch (error) {
          this.caught = error;
        }
        yield ctx.callActivity('StillWorks');
        return 'ok';
      }
    }
    const orchestrator = new YieldsJunk();

    const decision = await replayHistory(orchestrator, new HistoryBuilder({ name: 'YieldsJunk' }));

    expect(orchestrator.caught).toBeInstanceOf(DurableError);
    expect(orchestrator.caught).toMatchObject({ code: 'INVALID_YIELD', message: expect.stringContaining('must yield durable tasks') });
    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 0, name: 'StillWorks', input: undefined }]);
  });

  it('an uncaught INVALID_YIELD fails the orchestration', async () => {
    class YieldsNumber {
      *run(): Orchestration<void> {
        yield 42;
      }
    }

    const decision = await replayHistory(YieldsNumber, new HistoryBuilder({ name: 'YieldsNumber' }));

    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorType: 'DurableError', errorMessage: expect.stringContaining('it yielded number') } });
  });
});
