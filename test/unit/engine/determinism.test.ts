import { describe, expect, it } from '@jest/globals';
import { executeOrchestration } from '../../../src/engine/execute-orchestration.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory, yieldToEventLoop } from '../../../src/testing/replay-history.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Two steps, each with a fresh GUID; records what it observed on the way. */
class TwoSteps {
  readonly replaying: boolean[] = [];

  async run(ctx: OrchestrationContext): Promise<string[]> {
    this.replaying.push(ctx.isReplaying);
    ctx.log.info('starting');
    const first = ctx.newGuid();
    await ctx.callActivity('Save', first);
    this.replaying.push(ctx.isReplaying);
    ctx.log.info('first saved', first);
    const second = ctx.newGuid();
    await ctx.callActivity('Save', second);
    this.replaying.push(ctx.isReplaying);
    ctx.log.info('second saved', second);
    return [first, second];
  }
}

/** Runs TwoSteps episode by episode; returns the builder and the decisions. */
async function runTwoSteps(instanceId = 'order-42') {
  const history = new HistoryBuilder({ name: 'TwoSteps', instanceId });
  const first = await replayHistory(TwoSteps, history);
  history.append(first.newHistory).advance(1_000).orchestratorStarted().taskCompleted(0);
  const second = await replayHistory(TwoSteps, history);
  history.append(second.newHistory).advance(1_000).orchestratorStarted().taskCompleted(1);
  return { history, first, second };
}

describe('determinism', () => {
  it('the same request twice gives identical decisions', async () => {
    const { history } = await runTwoSteps();
    const { pastEvents, newEvents } = history.split();
    const request = () => ({
      pastEvents, newEvents, orchestrator: new TwoSteps(), resolveName: (_kind: string, ref: unknown) => String(ref), yieldToEventLoop,
    });

    const [a, b] = [await executeOrchestration(request()), await executeOrchestration(request())];

    expect(a).toEqual(b);
    expect(a.completion?.status).toBe('Completed');
  });

  it('newGuid() is the same on replay and different from one call to the next', async () => {
    const { history, first, second } = await runTwoSteps();
    const done = await replayHistory(TwoSteps, history);
    const firstGuid = JSON.parse(String(first.actions[0]?.type === 'ScheduleTask' ? first.actions[0].input : undefined)) as string;
    const secondGuid = JSON.parse(String(second.actions[0]?.type === 'ScheduleTask' ? second.actions[0].input : undefined)) as string;

    expect(firstGuid).toMatch(UUID_V5);
    expect(secondGuid).toMatch(UUID_V5);
    expect(secondGuid).not.toBe(firstGuid);
    expect(done.completion).toEqual({ status: 'Completed', output: JSON.stringify([firstGuid, secondGuid]) });
  });

  it('newGuid() differs between instances', async () => {
    const a = await runTwoSteps('order-1');
    const b = await runTwoSteps('order-2');

    expect(a.first.actions[0]).not.toEqual(b.first.actions[0]);
  });

  it('isReplaying is true while past events are replayed and false for new ones', async () => {
    const { history } = await runTwoSteps();
    const orchestrator = new TwoSteps();

    await replayHistory(orchestrator, history);

    expect(orchestrator.replaying).toEqual([true, true, false]);
  });

  it('ctx.log writes only when not replaying', async () => {
    const { history } = await runTwoSteps();
    const lines: unknown[] = [];

    await replayHistory(TwoSteps, history, { log: (level, message, args) => lines.push([level, message, ...args]) });

    expect(lines).toEqual([['info', 'second saved', expect.stringMatching(UUID_V5)]]);
  });

  it('currentUtcDateTime is the episode start from history, never the wall clock', async () => {
    class Clock {
      async run(ctx: OrchestrationContext): Promise<string> {
        await ctx.callActivity('Work');
        return ctx.currentUtcDateTime.toISOString();
      }
    }
    const history = new HistoryBuilder({ name: 'Clock', startTime: new Date('2001-02-03T04:05:06Z') })
      .taskScheduled('Work').orchestratorCompleted()
      .advance(60_000).orchestratorStarted().advance(5_000).taskCompleted(0);

    const decision = await replayHistory(Clock, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"2001-02-03T04:06:06.000Z"' });
  });
});
