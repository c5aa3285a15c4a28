import { describe, expect, it } from '@jest/globals';
import type { ActivityTask } from '../../../src/engine/durable-task.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Compile-time checks: `npx tsc -p tsconfig.json --noEmit` type-checks this file; jest only runs it.

/** True exactly when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const assertType = <T extends true>(_proof?: T): void => undefined;

class SayHello {
  async run(city: string): Promise<string> {
    return await Promise.resolve(`Hello ${city}!`);
  }
}

class Greeter {
  async run(ctx: OrchestrationContext<string>): Promise<number> {
    const typed = await ctx.callActivity(SayHello, ctx.input);
    assertType<Equal<typeof typed, string>>();

    const _byName = await ctx.callActivity('SayHello', ctx.input);
    assertType<Equal<typeof _byName, unknown>>();

    const _task = ctx.callActivity(SayHello, 'Tokyo');
    assertType<Equal<typeof _task, ActivityTask<string>>>();

    const _both = await ctx.whenAll([ctx.callActivity(SayHello, 'Tokyo'), ctx.callSubOrchestrator(Greeter, 'Seattle')]);
    assertType<Equal<typeof _both, [string, number]>>();

    return typed.length;
  }
}

/** Never called: holds the calls that must not compile. */
function _mustNotCompile(ctx: OrchestrationContext): void {
  // @ts-expect-error SayHello.run takes a string
  void ctx.callActivity(SayHello, 42);
  // @ts-expect-error SayHello.run needs its input
  void ctx.callActivity(SayHello);
  // @ts-expect-error Greeter's input is a string
  void ctx.callSubOrchestrator(Greeter, 42);
}

describe('typing', () => {
  it('typed calls compile and run', async () => {
    const history = new HistoryBuilder({ name: 'Greeter', input: 'Tokyo' })
      .taskScheduled('SayHello', 'Tokyo').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0, 'Hello Tokyo!');

    const decision = await replayHistory(Greeter, history);

    // The by-name call, awaited next.
    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'SayHello', input: '"Tokyo"' }]);
  });
});
