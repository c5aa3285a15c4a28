import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container } from 'tsyringe';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

@Activity()
class GetWorkItems {
  run(count: number): number[] {
    return Array.from({ length: count }, (_, i) => i + 1);
  }
}

@Activity()
class Square {
  run(n: number): number {
    return n * n;
  }
}

@Activity()
class Sum {
  run(values: number[]): number {
    return values.reduce((a, b) => a + b, 0);
  }
}

/** The overview's fan-out/fan-in: get the work items, process them in parallel, aggregate. */
@Orchestrator()
class FanOutFanIn {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    const items = await ctx.callActivity(GetWorkItems, ctx.input);
    const results = await ctx.whenAll(items.map((n) => ctx.callActivity(Square, n)));
    return ctx.callActivity(Sum, results);
  }
}

@Orchestrator()
class WhenAllHundred {
  async run(ctx: OrchestrationContext<void>): Promise<{ count: number; first: number; last: number }> {
    const tasks = Array.from({ length: 100 }, (_, i) => ctx.callActivity(Square, i));
    const results = await ctx.whenAll(tasks);
    return { count: results.length, first: results[0] ?? -1, last: results.at(-1) ?? -1 };
  }
}

const sumOfSquares = (n: number): number => (n * (n + 1) * (2 * n + 1)) / 6;

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    orchestrators: [FanOutFanIn, WhenAllHundred],
    activities: [GetWorkItems, Square, Sum],
    container: container.createChildContainer(),
    activityConcurrency: 50,
  });
});

afterAll(async () => {
  await app.stop();
});

describe('runtime: fan-out / fan-in', () => {
  it('runs 1,000 activities in parallel and sums their results', async () => {
    const id = await app.durably.client.startNew(FanOutFanIn, { input: 1000 });
    // About 12 s on a 2-core machine with the embedded engine (1,000 Agenda jobs, each recorded as a message); the
    // margin is for loaded CI machines and --detectOpenHandles.
    const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 50_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(sumOfSquares(1000));
    const history = await app.durably.client.getHistory(id);
    // GetWorkItems, 1,000 Squares and Sum: each scheduled once and completed once.
    expect(history.filter((e) => e.type === 'TaskScheduled')).toHaveLength(1002);
    expect(history.filter((e) => e.type === 'TaskCompleted')).toHaveLength(1002);
  }, 55_000);

  it('fans out 100 activities with whenAll and keeps results in call order', async () => {
    const id = await app.durably.client.startNew(WhenAllHundred);
    const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ count: 100, first: 0, last: 99 * 99 });
  });
});
