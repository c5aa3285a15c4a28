import { describe, expect, it } from '@jest/globals';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Pattern #2 of the Durable Functions overview: F1 returns a batch, F2 runs per item in parallel, F3 gets the sum.
class F1 {
  run(): number[] {
    return [];
  }
}
class F2 {
  run(item: number): number {
    return item * 2;
  }
}
class F3 {
  run(_sum: number): void {}
}

class FanOutFanIn {
  async run(ctx: OrchestrationContext): Promise<number> {
    const workBatch = await ctx.callActivity(F1);
    const parallelTasks = workBatch.map((item) => ctx.callActivity(F2, item));
    const results = await ctx.whenAll(parallelTasks);
    const sum = results.reduce((total, value) => total + value, 0);
    await ctx.callActivity(F3, sum);
    return sum;
  }
}

const N = 1_000;
const batch = Array.from({ length: N }, (_, i) => i);
const expectedSum = batch.reduce((total, item) => total + item * 2, 0);

/** History up to the fan-out: F1 done and the N F2 calls recorded (sequences 1..N). */
function fannedOut(): HistoryBuilder {
  const history = new HistoryBuilder({ name: 'FanOutFanIn' })
    .taskScheduled('F1').orchestratorCompleted()
    .advance(1_000).orchestratorStarted().taskCompleted(0, batch);
  for (const item of batch) history.taskScheduled('F2', item);
  return history.orchestratorCompleted().advance(1_000).orchestratorStarted();
}

describe('fan-out/fan-in', () => {
  it('schedules all 1,000 F2 calls in one episode, in order', async () => {
    const history = new HistoryBuilder({ name: 'FanOutFanIn' })
      .taskScheduled('F1').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0, batch);

    const decision = await replayHistory(FanOutFanIn, history);

    expect(decision.actions).toHaveLength(N);
    expect(decision.actions[0]).toEqual({ type: 'ScheduleTask', sequence: 1, name: 'F2', input: '0' });
    expect(decision.actions[N - 1]).toEqual({ type: 'ScheduleTask', sequence: N, name: 'F2', input: String(N - 1) });
    expect(decision.actions.every((action, i) => action.type === 'ScheduleTask' && action.sequence === i + 1)).toBe(true);
    expect(decision.newHistory.filter((event) => event.type === 'TaskScheduled')).toHaveLength(N);
  });

  it('sums the results whatever order they complete in', async () => {
    const history = fannedOut();
    // 7919 is prime, so i * 7919 mod N visits every item once, scrambled.
    for (let i = 0; i < N; i++) {
      const item = (i * 7919) % N;
      history.taskCompleted(item + 1, item * 2);
    }

    const decision = await replayHistory(FanOutFanIn, history);

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: N + 1, name: 'F3', input: String(expectedSum) }]);
  });

  it('waits until the last result, even when results arrive over several episodes', async () => {
    const history = fannedOut();
    for (let item = N - 1; item >= 1; item--) history.taskCompleted(item + 1, item * 2);

    const waiting = await replayHistory(FanOutFanIn, history);
    history.orchestratorCompleted().advance(1_000).orchestratorStarted().taskCompleted(1, 0);
    const done = await replayHistory(FanOutFanIn, history);

    expect(waiting.actions).toEqual([]);
    expect(done.actions).toEqual([{ type: 'ScheduleTask', sequence: N + 1, name: 'F3', input: String(expectedSum) }]);
  });
});

class ThreeInParallel {
  caught: unknown;

  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      await ctx.whenAll([ctx.callActivity('A'), ctx.callActivity('B'), ctx.callActivity('C')]);
      return 'all done';
    } catch (error) {
      this.caught = error;
      return 'failed';
    }
  }
}

describe('whenAll with failures', () => {
  const scheduled = (): HistoryBuilder => new HistoryBuilder({ name: 'ThreeInParallel' })
    .taskScheduled('A').taskScheduled('B').taskScheduled('C').orchestratorCompleted()
    .advance(1_000).orchestratorStarted();

  it('does not resume the orchestrator while a task is still running', async () => {
    const history = scheduled().taskFailed(1, new Error('B broke')).taskCompleted(0, 'a');

    const decision = await replayHistory(ThreeInParallel, history);

    expect(decision.completion).toBeUndefined();
    expect(decision.actions).toEqual([]);
  });

  it('fails with the first failure once every task is terminal', async () => {
    const orchestrator = new ThreeInParallel();
    const history = scheduled()
      .taskFailed(2, new RangeError('C broke first'))
      .taskCompleted(0, 'a')
      .orchestratorCompleted().advance(1_000).orchestratorStarted()
      .taskFailed(1, new TypeError('B broke second'));

    const decision = await replayHistory(orchestrator, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"failed"' });
    expect(orchestrator.caught).toBeInstanceOf(TaskFailedError);
    expect(orchestrator.caught).toMatchObject({
      taskName: 'C',
      failureDetails: { errorType: 'RangeError', errorMessage: 'C broke first' },
    });
  });

  it('completes at once for an empty list', async () => {
    class Empty {
      async run(ctx: OrchestrationContext): Promise<number> {
        const results = await ctx.whenAll([]);
        return results.length;
      }
    }

    const decision = await replayHistory(Empty, new HistoryBuilder({ name: 'Empty' }));

    expect(decision.completion).toEqual({ status: 'Completed', output: '0' });
  });
});
