// The execution cache changes how an episode is computed, never what it decides: the same orchestrations, run with
// the cache on and off, record the same histories (same events, same actions, same results, same order).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

@Activity()
class Square {
  async run(n: number): Promise<number> {
    // Some results outlast the session's linger: they reach the instance by another route.
    if (n % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 40));
    return n * n;
  }
}

@Orchestrator()
class Child {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    return (await ctx.callActivity(Square, ctx.input)) + 1;
  }
}

@Orchestrator()
class Mixed {
  async run(ctx: OrchestrationContext<number>): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < ctx.input; i++) out.push(await ctx.callActivity(Square, i));
    ctx.setCustomStatus({ chained: out.length });
    const fanned = await ctx.whenAll([1, 2, 3, 4, 5, 6].map((n) => ctx.callActivity(Square, n)));
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 50));
    const child = await ctx.callSubOrchestrator(Child, 7);
    const approval = await ctx.waitForExternalEvent<number>('approve');
    return [...out, ...fanned, child, approval];
  }
}

// What a history says, without the times and IDs that differ from run to run.
function shape(history: readonly HistoryEvent[]): unknown[] {
  return history.map((event) => {
    const { timestamp: _t, ...rest } = event as HistoryEvent & Record<string, unknown>;
    const copy: Record<string, unknown> = { ...rest };
    for (const key of ['instanceId', 'executionId', 'fireAt']) delete copy[key];
    return copy;
  });
}

let mongo: TestMongo;
const apps: TestApp[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await mongo?.stop();
});

async function run(taskHub: string, executionCacheMaxInstances: number): Promise<{ output: unknown; history: unknown[] }> {
  const app = await startTestApp({ mongo, taskHub, orchestrators: [Mixed, Child], activities: [Square], container: container.createChildContainer(), executionCacheMaxInstances });
  apps.push(app);
  const id = await app.durably.client.startNew(Mixed, { input: 8, instanceId: 'same' });
  // Raised once the instance waits for it (the history then holds the whole run up to there, in any mode).
  const deadline = Date.now() + 30_000;
  while (!(await app.durably.client.getHistory(id)).some((e) => e.type === 'SubOrchestrationInstanceCompleted')) {
    if (Date.now() > deadline) throw new Error('the sub-orchestration never completed');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await app.durably.client.raiseEvent(id, 'approve', 42);
  const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 30_000 });
  return { output: status.output, history: shape(await app.durably.client.getHistory(id)).filter((e) => !['OrchestratorStarted', 'OrchestratorCompleted'].includes((e as { type: string }).type)) };
}

describe('runtime: the execution cache', () => {
  it('records the same history with the cache on as with it off', async () => {
    const off = await run('CacheOff', 0);
    const on = await run('CacheOn', 1_000);
    expect(on.output).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 1, 4, 9, 16, 25, 36, 50, 42]);
    expect(off.output).toEqual(on.output);
    // Episode boundaries and the order in which parallel results arrive depend on timing; the facts recorded do not.
    const byType = (history: unknown[]): Record<string, string[]> => {
      const groups: Record<string, string[]> = {};
      for (const event of history) (groups[(event as { type: string }).type] ??= []).push(JSON.stringify(event));
      for (const list of Object.values(groups)) list.sort();
      return groups;
    };
    expect(byType(on.history)).toEqual(byType(off.history));
  });
});
