import { describe, expect, it } from '@jest/globals';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

class ProvisionDevice {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return await ctx.callActivity('Provision', ctx.input);
  }
}

class ProvisionAll {
  caught: unknown;

  async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
    const [first, second] = ctx.input;
    try {
      return await ctx.whenAll([
        ctx.callSubOrchestrator(ProvisionDevice, first ?? ''),
        ctx.callSubOrchestrator(ProvisionDevice, second ?? '', { instanceId: `device-${second}` }),
      ]);
    } catch (error) {
      this.caught = error;
      throw error;
    }
  }
}

const started = (): HistoryBuilder => new HistoryBuilder({ name: 'ProvisionAll', instanceId: 'fleet-1', input: ['a', 'b'] });

describe('sub-orchestrations', () => {
  it('starts children with a default instance ID <parent>:<sequence>, or the one given', async () => {
    const decision = await replayHistory(ProvisionAll, started());

    expect(decision.actions).toEqual([
      { type: 'CreateSubOrchestration', sequence: 0, name: 'ProvisionDevice', instanceId: 'fleet-1:0', input: '"a"' },
      { type: 'CreateSubOrchestration', sequence: 1, name: 'ProvisionDevice', instanceId: 'device-b', input: '"b"' },
    ]);
    expect(decision.newHistory[0]).toMatchObject({ type: 'SubOrchestrationInstanceCreated', eventId: 0, instanceId: 'fleet-1:0' });
  });

  it("completes with the children's outputs", async () => {
    const history = started()
      .subOrchestrationCreated('ProvisionDevice', 'a').subOrchestrationCreated('ProvisionDevice', 'b', 'device-b').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().subOrchestrationCompleted(1, 'ok b').subOrchestrationCompleted(0, 'ok a');

    const decision = await replayHistory(ProvisionAll, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '["ok a","ok b"]' });
  });

  it("a child's failure arrives as TaskFailedError with taskKind 'orchestrator'", async () => {
    const orchestrator = new ProvisionAll();
    const history = started()
      .subOrchestrationCreated('ProvisionDevice', 'a').subOrchestrationCreated('ProvisionDevice', 'b', 'device-b').orchestratorCompleted()
      .advance(1_000).orchestratorStarted()
      .subOrchestrationCompleted(0, 'ok a')
      .subOrchestrationFailed(1, { errorType: 'QuotaExceededError', errorMessage: 'no more devices' });

    const decision = await replayHistory(orchestrator, history);

    expect(orchestrator.caught).toBeInstanceOf(TaskFailedError);
    expect(orchestrator.caught).toMatchObject({
      taskKind: 'orchestrator',
      taskName: 'ProvisionDevice',
      message: "Sub-orchestration 'ProvisionDevice' failed: no more devices",
      failureDetails: { errorType: 'QuotaExceededError', errorMessage: 'no more devices' },
    });
    expect(decision.completion).toMatchObject({
      status: 'Failed',
      failureDetails: { errorType: 'TaskFailedError', innerFailure: { errorType: 'QuotaExceededError' } },
    });
  });

  it('a child sees its parent instance ID', async () => {
    class Child {
      async run(ctx: OrchestrationContext): Promise<string | undefined> {
        await ctx.createTimer(ctx.currentUtcDateTime);
        return ctx.parentInstanceId;
      }
    }
    const history = new HistoryBuilder({
      name: 'Child', instanceId: 'fleet-1:0', parentInstance: { instanceId: 'fleet-1', name: 'ProvisionAll', taskScheduledId: 0 },
    }).timerCreated(0).orchestratorCompleted().orchestratorStarted().timerFired(0);

    const decision = await replayHistory(Child, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"fleet-1"' });
  });
});
