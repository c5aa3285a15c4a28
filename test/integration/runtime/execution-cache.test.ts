// The execution cache changes how an episode is computed, never what it decides: the same orchestrations, run with
// the cache on and off, record the same histories (same events, same actions, same results, same order). And a cached
// execution the history has moved past is never trusted, whatever the instance's summary says.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { container } from 'tsyringe';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

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

@Activity()
class Double {
  run(n: number): number {
    return n * 2;
  }
}

@Orchestrator()
class AfterGo {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    return await ctx.callActivity(Double, await ctx.waitForExternalEvent<number>('go'));
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

describe('runtime: a cached execution behind the history', () => {
  // Found by the engine-restart fault suite: a worker appended an episode (its commit applied, but the answer was lost,
  // or the worker died) and never released the instance, so the instance's summary still showed the old history
  // length. Another worker whose cache held that length trusted it, found the inbox empty (the appended episode had
  // consumed the message) and released the instance as idle: the episode's activity was never dispatched, and the
  // instance waited for ever.
  it('runs the episode another worker appended and never released (its activity is dispatched, the instance completes)', async () => {
    const taskHub = 'CacheBehind';
    // Activities start after the commit that schedules them (eagerActivityWaitMs 0): the reference run must record the
    // episode that schedules the activity on its own, to be replayed below as the dead worker's.
    const app = await startTestApp({ mongo, taskHub, orchestrators: [AfterGo], activities: [Double], container: container.createChildContainer(), executionCacheMaxInstances: 1_000, eagerActivityWaitMs: 0 });
    apps.push(app);
    const client = app.durably.client;
    const raw = await MongoClient.connect(mongo.uri);
    try {
      const db = raw.db(mongo.dbName);
      const instances = db.collection<{ _id: string }>(`${taskHub}.instances`);
      const store = new MongoInstanceStore(db, { taskHub });
      // Waits until the instance's first episode is committed and the worker let it go (its execution is now cached).
      const released = (id: string): Promise<void> => until(`the release of '${id}'`, async () => {
        const doc = await instances.findOne({ _id: id });
        return doc !== null && (doc as { historyLength?: number }).historyLength !== 0 && !('lease' in doc);
      }, 30_000);

      // A reference run records the episode the 'go' event causes.
      await client.startNew(AfterGo, { instanceId: 'ref' });
      await released('ref');
      const length = (await client.getHistory('ref')).length;
      await client.raiseEvent('ref', 'go', 21);
      expect((await client.waitForCompletion('ref', { timeoutMs: 30_000 })).output).toBe(42);
      const ref = await store.getInstance('ref');
      const episode = (await store.loadHistory('ref', ref!.executionId)).find((chunk) => chunk.firstEventIndex === length);
      const raised = episode?.events.find((event) => event.type === 'EventRaised');
      expect(episode?.events.map((event) => event.type)).toEqual(['OrchestratorStarted', 'EventRaised', 'TaskScheduled', 'OrchestratorCompleted']);

      await client.startNew(AfterGo, { instanceId: 'behind' });
      await released('behind');
      expect((await client.getHistory('behind')).length).toBe(length);
      const behind = await store.getInstance('behind');
      // Another worker claims the instance, consumes the event in that same episode and dies before dispatching it.
      await instances.updateOne({ _id: 'behind' }, { $set: { lease: { token: 'dead', workerId: 'dead', until: new Date(Date.now() + 60_000) } } });
      await store.sendMessage('behind', raised!, { now: new Date() });
      const [message] = await store.loadMessages('behind');
      const appended = await store.appendEpisode({
        instanceId: 'behind', executionId: behind!.executionId, leaseToken: 'dead', now: new Date(),
        chunk: { firstEventIndex: length, events: episode!.events, consumedMessageIds: [message!.id], undispatched: true },
      });
      expect(appended).toBe(true);
      // Its lease runs out: the worker that cached the instance claims it again, the summary still at the old length.
      await instances.updateOne({ _id: 'behind' }, { $set: { 'lease.until': new Date(0) } });

      const status = await client.waitForCompletion('behind', { timeoutMs: 30_000 });
      expect(status.output).toBe(42);
      const history = await client.getHistory('behind');
      expect(history.filter((event) => event.type === 'TaskScheduled')).toHaveLength(1);
      expect(history.filter((event) => event.type === 'TaskCompleted')).toHaveLength(1);
    } finally {
      await raw.close();
    }
  });
});
