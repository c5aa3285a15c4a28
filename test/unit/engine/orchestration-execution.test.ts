import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { NonDeterminismError } from '../../../src/core/errors/non-determinism-error.js';
import { NonDurableAwaitError } from '../../../src/core/errors/non-durable-await-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { OrchestrationDecision } from '../../../src/engine/orchestration-decision.js';
import { OrchestrationExecution } from '../../../src/engine/orchestration-execution.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { yieldToEventLoop } from '../../../src/testing/replay-history.js';
import { TwinExecution } from './twin-execution.js';
import { randomRuns } from './random-episodes.js';

const second = 1_000;
const kinds = (decision: OrchestrationDecision): string[] => decision.actions.map((a) => `${a.type}#${a.sequence}`);

/** Three steps, each output the next input; logs and reports its progress. */
class Chain {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    let value = ctx.input;
    for (const step of ['F1', 'F2', 'F3']) {
      ctx.log.info(`calling ${step}`, value, ctx.isReplaying);
      value = await ctx.callActivity<string>(step, value);
      ctx.setCustomStatus({ done: step, at: ctx.currentUtcDateTime.toISOString(), guid: ctx.newGuid() });
    }
    return value;
  }
}

/** Three activities in parallel; the sum once all answered. */
class FanOut {
  async run(ctx: OrchestrationContext): Promise<number> {
    const results = await ctx.whenAll([1, 2, 3].map((n) => ctx.callActivity<number>('Work', n)));
    return results.reduce((a, b) => a + b, 0);
  }
}

/** Works, waits for an approval, sleeps a minute, finishes. */
class Approval {
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.callActivity('Prepare');
    const answer = await ctx.waitForExternalEvent<string>('Approve');
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 60 * second));
    return answer;
  }
}

/** Races an activity against a timer; calls a second activity afterwards. */
class Race {
  async run(ctx: OrchestrationContext): Promise<string> {
    const work = ctx.callActivity<string>('Slow');
    // `await` unwraps the winner: which one won is read from the tasks.
    await ctx.whenAny([work, ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + second))]);
    const first = work.isCompleted ? 'work' : 'timer';
    return `${first}, then ${await ctx.callActivity<string>('Next')}`;
  }
}

/** Calls a sub-orchestration, tolerating its failure. */
class Parent {
  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      return await ctx.callSubOrchestrator<string>('Child', 'in');
    } catch (error) {
      return `child failed: ${(error as Error).message}`;
    }
  }
}

const alice = new EntityId('Account', 'alice');
const bob = new EntityId('Account', 'bob');

/** Moves 10 from alice to bob in a critical section, then signals alice. */
class Transfer {
  async run(ctx: OrchestrationContext): Promise<number> {
    const lock = await ctx.lockEntities(alice, bob);
    const balance = await ctx.callEntity<number>(alice, 'add', -10);
    await ctx.callEntity(bob, 'add', 10);
    lock.release();
    ctx.signalEntity(alice, 'notify', balance);
    return balance;
  }
}

/** Two steps (for suspending in between). */
class TwoSteps {
  async run(ctx: OrchestrationContext): Promise<string> {
    await ctx.callActivity('A');
    await ctx.callActivity('B');
    return 'done';
  }
}

/** Awaits a plain promise after its first activity: not durable. */
class Sloppy {
  async run(ctx: OrchestrationContext): Promise<void> {
    await ctx.callActivity('A');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const twin = (create: () => { run(ctx: never): unknown }, name: string, input?: unknown): TwinExecution =>
  new TwinExecution(create, { name, input });

describe('OrchestrationExecution: continuing the live code gives the decisions of a fresh replay', () => {
  it('continues a chain step by step, logging each line once', async () => {
    const run = twin(() => new Chain(), 'Chain', 'x');
    expect(kinds(await run.step())).toEqual(['ScheduleTask#0']);
    run.history.advance(second).orchestratorStarted().taskCompleted(0, 'x1');
    const second_ = await run.step();
    expect(second_.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'F2', input: '"x1"' }]);
    expect(second_.customStatus).toContain('"done":"F1"');
    run.history.advance(second).orchestratorStarted().taskCompleted(1, 'x2');
    await run.step();
    run.history.advance(second).orchestratorStarted().taskCompleted(2, 'x3');
    const last = await run.step();
    expect(last.completion).toEqual({ status: 'Completed', output: '"x3"' });
    expect(run.execution?.canContinue).toBe(false);
  });

  it('applies fan-out results one episode at a time', async () => {
    const run = twin(() => new FanOut(), 'FanOut');
    expect(kinds(await run.step())).toEqual(['ScheduleTask#0', 'ScheduleTask#1', 'ScheduleTask#2']);
    run.history.advance(second).orchestratorStarted().taskCompleted(1, 20);
    expect(await run.step()).toMatchObject({ actions: [], completion: undefined });
    run.history.advance(second).orchestratorStarted().taskCompleted(2, 30).taskCompleted(2, 999);
    expect(await run.step()).toMatchObject({ actions: [], completion: undefined });
    run.history.advance(second).orchestratorStarted().taskCompleted(0, 10);
    expect((await run.step()).completion).toEqual({ status: 'Completed', output: '60' });
  });

  it.each([
    ['before the code waits', (h: HistoryBuilder) => h.eventRaised('Approve', 'early').taskCompleted(0)],
    ['after the code waits', (h: HistoryBuilder) => h.taskCompleted(0).orchestratorCompleted().advance(second).orchestratorStarted().eventRaised('Approve', 'late')],
  ])('takes an event raised %s, then a timer', async (_, arrive) => {
    const run = twin(() => new Approval(), 'Approval');
    await run.step();
    arrive(run.history.advance(second).orchestratorStarted());
    // Both in one step: the history written since the last step may hold more than one episode for the replay.
    const waiting = await run.step();
    expect(kinds(waiting)).toEqual(['CreateTimer#1']);
    run.history.advance(60 * second).orchestratorStarted().timerFired(1);
    expect((await run.step()).completion?.status).toBe('Completed');
  });

  it('hands out buffered events of one name first in, first out (names match case-insensitively)', async () => {
    class TwoPicks {
      async run(ctx: OrchestrationContext): Promise<unknown[]> {
        await ctx.callActivity('A');
        return [await ctx.waitForExternalEvent('Pick'), await ctx.waitForExternalEvent('pick')];
      }
    }
    const run = twin(() => new TwoPicks(), 'TwoPicks');
    await run.step();
    run.history.advance(second).orchestratorStarted().eventRaised('PICK', 1).eventRaised('Other', 0).eventRaised('pick', 2);
    await run.step();
    run.history.advance(second).orchestratorStarted().taskCompleted(0);
    expect((await run.step()).completion).toEqual({ status: 'Completed', output: '[1,2]' });
  });

  it('ignores the loser of a race when it completes later, and a duplicate of its result', async () => {
    const run = twin(() => new Race(), 'Race');
    expect(kinds(await run.step())).toEqual(['ScheduleTask#0', 'CreateTimer#1']);
    run.history.advance(second).orchestratorStarted().timerFired(1);
    expect(kinds(await run.step())).toEqual(['ScheduleTask#2']);
    run.history.advance(second).orchestratorStarted().taskCompleted(0, 'late').taskCompleted(0, 'again').timerFired(1);
    expect(await run.step()).toMatchObject({ actions: [], completion: undefined });
    run.history.advance(second).orchestratorStarted().taskCompleted(2, 'next');
    expect((await run.step()).completion).toEqual({ status: 'Completed', output: '"timer, then next"' });
  });

  it.each([true, false])('continues after a sub-orchestration answers (succeeded: %s)', async (succeeded) => {
    const run = twin(() => new Parent(), 'Parent');
    expect((await run.step()).actions).toEqual([
      { type: 'CreateSubOrchestration', sequence: 0, name: 'Child', instanceId: 'test-instance:0', input: '"in"' },
    ]);
    run.history.advance(second).orchestratorStarted();
    if (succeeded) run.history.subOrchestrationCompleted(0, 'out');
    else run.history.subOrchestrationFailed(0, new Error('boom'));
    expect((await run.step()).completion).toMatchObject({ status: 'Completed' });
  });

  it('runs a critical section: lock, calls, release, signal', async () => {
    const run = twin(() => new Transfer(), 'Transfer');
    expect(kinds(await run.step())).toEqual(['LockEntities#0']);
    run.history.advance(second).orchestratorStarted().entityLockGranted(0);
    expect(kinds(await run.step())).toEqual(['CallEntity#1']);
    run.history.advance(second).orchestratorStarted().entityOperationCompleted(1, 90);
    expect(kinds(await run.step())).toEqual(['CallEntity#2']);
    run.history.advance(second).orchestratorStarted().entityOperationCompleted(2);
    const last = await run.step();
    expect(kinds(last)).toEqual(['UnlockEntity#3', 'UnlockEntity#4', 'SignalEntity#5']);
    expect(last.completion).toEqual({ status: 'Completed', output: '90' });
  });

  it('releases the locks of a critical section the execution is terminated in', async () => {
    const run = twin(() => new Transfer(), 'Transfer');
    await run.step();
    run.history.advance(second).orchestratorStarted().entityLockGranted(0);
    await run.step();
    run.history.advance(second).orchestratorStarted().executionTerminated('stop');
    const last = await run.step();
    expect(kinds(last)).toEqual(['UnlockEntity#2', 'UnlockEntity#3']);
    expect(last.completion).toEqual({ status: 'Terminated', reason: '"stop"' });
  });

  it('holds results across suspended episodes and releases them on resume', async () => {
    const run = twin(() => new TwoSteps(), 'TwoSteps');
    await run.step();
    run.history.advance(second).orchestratorStarted().executionSuspended('pause');
    expect(await run.step()).toMatchObject({ suspended: true, actions: [] });
    run.history.advance(second).orchestratorStarted().taskCompleted(0);
    expect(await run.step()).toMatchObject({ suspended: true, actions: [] });
    run.history.advance(second).orchestratorStarted().executionResumed();
    expect(await run.step()).toMatchObject({ suspended: false, actions: [expect.objectContaining({ name: 'B', sequence: 1 })] });
  });

  it('starts from a long history (a cache miss) and continues from there', async () => {
    const run = twin(() => new Chain(), 'Chain', 'x');
    await run.step();
    run.history.advance(second).orchestratorStarted().taskCompleted(0, 'x1');
    await run.step();
    run.restart();
    run.history.advance(second).orchestratorStarted().taskCompleted(1, 'x2');
    expect(kinds(await run.step())).toEqual(['ScheduleTask#2']);
    run.history.advance(second).orchestratorStarted().taskCompleted(2, 'x3');
    expect((await run.step()).completion?.status).toBe('Completed');
  });

  it('carries events raised after continue-as-new, in the same batch, over', async () => {
    class Eternal {
      async run(ctx: OrchestrationContext<number>): Promise<void> {
        const item = await ctx.waitForExternalEvent<number>('Item');
        ctx.continueAsNew(ctx.input + item, { preserveUnprocessedEvents: true });
      }
    }
    const run = twin(() => new Eternal(), 'Eternal', 1);
    await run.step();
    run.history.advance(second).orchestratorStarted().eventRaised('Other', 'o').eventRaised('Item', 2).eventRaised('Item', 3);
    const last = await run.step();
    expect(last.completion).toMatchObject({ status: 'ContinuedAsNew', input: '3' });
    expect(last.completion?.status === 'ContinuedAsNew' && last.completion.carryoverEvents.map((e) => e.input)).toEqual(['"o"', '3']);
  });
});

describe('OrchestrationExecution: errors', () => {
  const startChain = (history: HistoryBuilder): ReturnType<typeof OrchestrationExecution.start> => OrchestrationExecution.start({
    ...history.split(), orchestrator: new Chain(), resolveName: (_, ref) => String(ref), yieldToEventLoop,
  });

  it('throws the same NonDeterminismError as a fresh replay', async () => {
    const run = twin(() => new Chain(), 'Chain', 'x');
    run.history.taskScheduled('Renamed', 'x').orchestratorCompleted().advance(second).orchestratorStarted().taskCompleted(0, 'y');
    run.assumeCommitted(run.history.split().pastEvents.length);
    const error = await run.step().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError);
  });

  it('throws NonDurableAwaitError while continuing, and cannot continue after it', async () => {
    const run = twin(() => new Sloppy(), 'Sloppy');
    await run.step();
    run.history.advance(second).orchestratorStarted().taskCompleted(0);
    await expect(run.step()).rejects.toBeInstanceOf(NonDurableAwaitError);
    await expect(run.execution?.continue([])).rejects.toMatchObject({ code: 'EXECUTION_NOT_CONTINUABLE', message: expect.stringContaining('NonDurableAwaitError') });
  });

  it('refuses to continue an execution that has ended', async () => {
    const history = new HistoryBuilder({ name: 'Chain', input: 'x' }).taskScheduled('F1', 'x').orchestratorCompleted()
      .advance(second).orchestratorStarted().executionTerminated();
    const { execution, decision } = await startChain(history);
    expect(decision.completion?.status).toBe('Terminated');
    expect(execution.canContinue).toBe(false);
    const error = await execution.continue([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DurableError);
    expect(error).toMatchObject({ code: 'EXECUTION_NOT_CONTINUABLE', message: expect.stringContaining('Terminated') });
  });

  it('refuses a second episode while one is running', async () => {
    const { execution } = await startChain(new HistoryBuilder({ name: 'Chain', input: 'x' }));
    const next = new HistoryBuilder({ name: 'Chain' }).advance(second).orchestratorStarted().taskCompleted(0, 'x1').split().newEvents;
    const first = execution.continue(next);
    expect(execution.canContinue).toBe(false);
    await expect(execution.continue(next)).rejects.toMatchObject({ code: 'EXECUTION_NOT_CONTINUABLE' });
    expect(kinds(await first)).toEqual(['ScheduleTask#1']);
    expect(execution.canContinue).toBe(true);
  });

  it('will not continue code that ran between episodes, woken by something not durable', async () => {
    let wake = (): void => undefined;
    const notDurable = new Promise<void>((resolve) => {
      wake = resolve;
    });
    class Impatient {
      async run(ctx: OrchestrationContext): Promise<void> {
        await Promise.race([ctx.callActivity('A'), notDurable]);
        await ctx.callActivity('B');
      }
    }
    const { execution, decision } = await OrchestrationExecution.start({
      ...new HistoryBuilder({ name: 'Impatient' }).split(), orchestrator: new Impatient(), resolveName: (_, ref) => String(ref), yieldToEventLoop,
    });
    expect(kinds(decision)).toEqual(['ScheduleTask#0']);
    expect(execution.canContinue).toBe(true);
    wake();
    await yieldToEventLoop();
    expect(execution.canContinue).toBe(false);
    await expect(execution.continue([])).rejects.toMatchObject({ code: 'EXECUTION_NOT_CONTINUABLE', message: expect.stringContaining('between episodes') });
  });

  it('counts its history and a rough size as it goes', async () => {
    const history = new HistoryBuilder({ name: 'Chain', input: 'x' });
    const { execution, decision } = await startChain(history);
    expect(execution.historyLength).toBe(2 + decision.newHistory.length);
    const before = execution.approximateBytes;
    const next = new HistoryBuilder({ name: 'Chain' }).advance(second).orchestratorStarted().taskCompleted(0, 'y'.repeat(1_000)).split().newEvents;
    const continued = await execution.continue(next);
    expect(execution.historyLength).toBe(2 + decision.newHistory.length + 2 + continued.newHistory.length);
    expect(execution.approximateBytes).toBeGreaterThan(before + 2_000);
  });
});

describe('OrchestrationExecution: randomized equivalence with a fresh replay', () => {
  it('agrees with executeOrchestration at every episode of many random runs', async () => {
    const { episodes, seen } = await randomRuns({ seed: 20_260_101, runs: 70, maxEpisodes: 25 });

    expect(episodes).toBeGreaterThan(600);
    // The runs went through every path that matters (a change of seed or orchestrators must keep it so).
    expect(Object.keys(seen)).toEqual(expect.arrayContaining(['Completed', 'Failed', 'Terminated', 'ContinuedAsNew', 'carryover',
      'suspended', 'restart', 'CreateSubOrchestration', 'CreateTimer', 'CallEntity', 'SignalEntity', 'LockEntities', 'UnlockEntity']));
  });
});
