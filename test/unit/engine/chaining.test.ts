import { describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { OrchestrationDecision } from '../../../src/engine/orchestration-decision.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Pattern #1 of the Durable Functions overview: F1 → F2 → F3 → F4, each output the next input.
class F1 {
  run(): string {
    return 'x';
  }
}
class F2 {
  run(x: string): string {
    return `${x}y`;
  }
}
class F3 {
  run(y: string): string {
    return `${y}z`;
  }
}
class F4 {
  run(z: string): string {
    return `${z}!`;
  }
}

class Chaining {
  async run(ctx: OrchestrationContext): Promise<string> {
    const x = await ctx.callActivity(F1);
    const y = await ctx.callActivity(F2, x);
    const z = await ctx.callActivity(F3, y);
    return await ctx.callActivity(F4, z);
  }
}

const second = 1_000;

describe('function chaining', () => {
  it('schedules F1 first, with no input', async () => {
    const decision = await replayHistory(Chaining, new HistoryBuilder({ name: 'Chaining' }));

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 0, name: 'F1', input: undefined }]);
    expect(decision.completion).toBeUndefined();
    expect(decision.newHistory.map((event) => event.type)).toEqual(['TaskScheduled', 'OrchestratorCompleted']);
  });

  it('passes each function output to the next function', async () => {
    const history = new HistoryBuilder({ name: 'Chaining' })
      .taskScheduled('F1').orchestratorCompleted()
      .advance(second).orchestratorStarted().taskCompleted(0, 'x').taskScheduled('F2', 'x').orchestratorCompleted()
      .advance(second).orchestratorStarted().taskCompleted(1, 'xy').taskScheduled('F3', 'xy').orchestratorCompleted()
      .advance(second).orchestratorStarted().taskCompleted(2, 'xyz');

    const decision = await replayHistory(Chaining, history);

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 3, name: 'F4', input: '"xyz"' }]);
  });

  it("completes with F4's output", async () => {
    const history = new HistoryBuilder({ name: 'Chaining' })
      .taskScheduled('F1').orchestratorCompleted()
      .advance(second).orchestratorStarted().taskCompleted(0, 'x').taskScheduled('F2', 'x').orchestratorCompleted()
      .advance(second).orchestratorStarted().taskCompleted(1, 'xy').taskScheduled('F3', 'xy').orchestratorCompleted()
      .advance(second).orchestratorStarted().taskCompleted(2, 'xyz').taskScheduled('F4', 'xyz').orchestratorCompleted()
      .advance(second).orchestratorStarted().taskCompleted(3, 'xyz!');

    const decision = await replayHistory(Chaining, history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toEqual({ status: 'Completed', output: '"xyz!"' });
    expect(decision.newHistory).toEqual([
      expect.objectContaining({ type: 'ExecutionCompleted', orchestrationStatus: 'Completed', result: '"xyz!"' }),
      expect.objectContaining({ type: 'OrchestratorCompleted' }),
    ]);
  });

  it('takes no new step in an episode that brings no result', async () => {
    const history = new HistoryBuilder({ name: 'Chaining' })
      .taskScheduled('F1').orchestratorCompleted()
      .advance(second).orchestratorStarted().eventRaised('Unrelated', 1);

    const decision = await replayHistory(Chaining, history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toBeUndefined();
  });

  it('runs to completion when each decision is appended to the history', async () => {
    const history = new HistoryBuilder({ name: 'Chaining' });
    const outputs = ['x', 'xy', 'xyz', 'xyz!'];
    const decisions: OrchestrationDecision[] = [];
    for (const [sequence, output] of outputs.entries()) {
      const decision = await replayHistory(Chaining, history);
      decisions.push(decision);
      history.append(decision.newHistory).advance(second).orchestratorStarted().taskCompleted(sequence, output);
    }
    const last = await replayHistory(Chaining, history);

    expect(decisions.map((d) => d.actions)).toEqual([
      [{ type: 'ScheduleTask', sequence: 0, name: 'F1', input: undefined }],
      [{ type: 'ScheduleTask', sequence: 1, name: 'F2', input: '"x"' }],
      [{ type: 'ScheduleTask', sequence: 2, name: 'F3', input: '"xy"' }],
      [{ type: 'ScheduleTask', sequence: 3, name: 'F4', input: '"xyz"' }],
    ]);
    expect(last.completion).toEqual({ status: 'Completed', output: '"xyz!"' });
  });
});
