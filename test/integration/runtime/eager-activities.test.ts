// Activities started before the commit that schedules them (`eagerActivityWaitMs`): a quick one is recorded in the
// same commit as its scheduling; a slow one is committed as before; and when that commit does not land, the early
// start's outcome is recorded nowhere — the history that won dispatches its own activity.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { container } from 'tsyringe';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import type { ActivityContext } from '../../../src/core/activity-context.js';
import { ENGINE_VERSION } from '../../../src/engine/engine-version.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryEventType } from '../../../src/history/history-event.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

const runs: string[] = [];

@Activity()
class Quick {
  run(x: number): number {
    runs.push('Quick');
    return x * 2;
  }
}

@Activity()
class Slow {
  async run(x: number): Promise<number> {
    runs.push('Slow');
    await new Promise((resolve) => setTimeout(resolve, 200));
    return x + 1;
  }
}

@Orchestrator()
class OneQuick {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    return await ctx.callActivity(Quick, ctx.input);
  }
}

@Orchestrator()
class OneSlow {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    return await ctx.callActivity(Slow, ctx.input);
  }
}

// Another worker's history, written while the first start of Even or Odd runs (see the divergence test).
let rival: { store: MongoInstanceStore; written: boolean } | undefined;

// On its first run, writes the history a rival worker would have committed: the same first episode, but at a time of
// the other parity, so that its code scheduled the other activity under the same number.
async function writeRivalHistory(ctx: ActivityContext, other: 'Even' | 'Odd'): Promise<void> {
  if (rival === undefined || rival.written) return;
  rival.written = true;
  const instance = await rival.store.getInstance(ctx.instanceId);
  const executionId = instance!.executionId;
  let at = Date.now();
  if ((at % 2 === 0) !== (other === 'Even')) at += 1;
  const now = new Date(at);
  await rival.store.appendEpisode({
    instanceId: ctx.instanceId, executionId, leaseToken: 'rival', now,
    chunk: {
      firstEventIndex: 0, consumedMessageIds: [], undispatched: true,
      events: [
        { type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: now },
        { type: HistoryEventType.ExecutionStarted, eventId: -1, timestamp: now, name: 'Divergent', instanceId: ctx.instanceId, executionId, input: undefined, engineVersion: ENGINE_VERSION },
        { type: HistoryEventType.TaskScheduled, eventId: 0, timestamp: now, name: other, input: undefined },
        { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now },
      ],
    },
  });
}

@Activity()
class Even {
  async run(_input: undefined, ctx: ActivityContext): Promise<string> {
    runs.push('Even');
    await writeRivalHistory(ctx, 'Odd');
    return 'Even';
  }
}

@Activity()
class Odd {
  async run(_input: undefined, ctx: ActivityContext): Promise<string> {
    runs.push('Odd');
    await writeRivalHistory(ctx, 'Even');
    return 'Odd';
  }
}

// Which activity it schedules depends on its first episode's time, as recorded in its history.
@Orchestrator()
class Divergent {
  async run(ctx: OrchestrationContext): Promise<string> {
    return ctx.currentUtcDateTime.getTime() % 2 === 0 ? await ctx.callActivity(Even) : await ctx.callActivity(Odd);
  }
}

let app: TestApp;
let off: TestApp;
let client: MongoClient;
let store: MongoInstanceStore;

beforeAll(async () => {
  const options = { orchestrators: [OneQuick, OneSlow, Divergent], activities: [Quick, Slow, Even, Odd] };
  // A generous wait: the test is about what gets recorded, not about the default's few milliseconds on a busy machine.
  app = await startTestApp({ ...options, container: container.createChildContainer(), eagerActivityWaitMs: 2_000 });
  off = await startTestApp({ ...options, container: container.createChildContainer(), eagerActivityWaitMs: 0 });
  client = await MongoClient.connect(app.mongo.uri);
  store = new MongoInstanceStore(client.db(app.mongo.dbName), { taskHub: 'Durably' });
});

afterAll(async () => {
  await client?.close();
  await app?.stop();
  await off?.stop();
});

async function chunksOf(id: string, on: MongoInstanceStore = store): Promise<string[][]> {
  const instance = await on.getInstance(id);
  return (await on.loadHistory(id, instance!.executionId)).map((chunk) => chunk.events.map((event) => event.type));
}

describe('eager activities', () => {
  it('records a quick activity in the same commit as its scheduling: one chunk for the whole orchestration', async () => {
    runs.length = 0;
    const id = await app.durably.client.startNew(OneQuick, { input: 21 });
    const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(status.output).toBe(42);
    expect(runs).toEqual(['Quick']);
    expect(await chunksOf(id)).toEqual([[
      'OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'OrchestratorCompleted',
      'OrchestratorStarted', 'TaskCompleted', 'ExecutionCompleted', 'OrchestratorCompleted',
    ]]);
  });

  it('commits without waiting any longer for an activity that does not answer in time, and records it once', async () => {
    const slow = await startTestApp({ orchestrators: [OneSlow], activities: [Slow], container: container.createChildContainer(), eagerActivityWaitMs: 20 });
    try {
      runs.length = 0;
      const id = await slow.durably.client.startNew(OneSlow, { input: 1 });
      expect((await slow.durably.client.waitForCompletion(id, { timeoutMs: 30_000 })).output).toBe(2);
      expect(runs).toEqual(['Slow']);
      const slowClient = await MongoClient.connect(slow.mongo.uri);
      try {
        const chunks = await chunksOf(id, new MongoInstanceStore(slowClient.db(slow.mongo.dbName), { taskHub: 'Durably' }));
        expect(chunks).toHaveLength(2);
        expect(chunks.flat().filter((type) => type === 'TaskCompleted')).toHaveLength(1);
      } finally {
        await slowClient.close();
      }
    } finally {
      await slow.stop();
    }
  });

  it('with eagerActivityWaitMs 0, starts every activity after the commit that schedules it', async () => {
    const id = await off.durably.client.startNew(OneQuick, { input: 5 });
    expect((await off.durably.client.waitForCompletion(id, { timeoutMs: 30_000 })).output).toBe(10);
    const offClient = await MongoClient.connect(off.mongo.uri);
    try {
      expect(await chunksOf(id, new MongoInstanceStore(offClient.db(off.mongo.dbName), { taskHub: 'Durably' }))).toHaveLength(2);
    } finally {
      await offClient.close();
    }
  });

  it('records nowhere the outcome of an early start whose commit lost to another history: that history runs its own', async () => {
    runs.length = 0;
    rival = { store, written: false };
    try {
      const id = await app.durably.client.startNew(Divergent);
      const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 30_000 });
      // The first run's activity wrote the rival history (scheduling the other activity) and lost: its result, for
      // the same task number, must not become the answer of the other activity's task.
      expect(runs).toHaveLength(2);
      expect(runs[0]).not.toBe(runs[1]);
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(runs[1]);
      const events = (await chunksOf(id)).flat();
      expect(events.filter((type) => type === 'TaskScheduled')).toHaveLength(1);
      expect(events.filter((type) => type === 'TaskCompleted')).toHaveLength(1);
      expect(await store.loadMessages(id)).toEqual([]);
    } finally {
      rival = undefined;
    }
  });
});
