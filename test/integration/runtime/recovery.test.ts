import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { encodePayload } from '../../../src/core/codec.js';
import { Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

@Orchestrator()
class WaitsForGo {
  async run(ctx: OrchestrationContext): Promise<string> {
    return `got ${String(await ctx.waitForExternalEvent<string>('go'))}`;
  }
}

let app: TestApp;
let client: MongoClient;
let store: MongoInstanceStore;

beforeAll(async () => {
  // No worker yet: the test plays a stale worker first.
  app = await startTestApp({ orchestrators: [WaitsForGo], start: false });
  client = await MongoClient.connect(app.mongo.uri);
  store = new MongoInstanceStore(client.db(app.mongo.dbName), { taskHub: 'Durably' });
});

afterAll(async () => {
  await client.close();
  await app.stop();
});

describe('runtime recovery: history is the source of truth', () => {
  it('syncs the instance when a completion chunk landed but the instance update was lost', async () => {
    const id = await app.durably.client.startNew(WaitsForGo, { instanceId: 'stale-completion' });
    const item = await store.claimWork({ workerId: 'stale', leaseMs: 60_000, now: new Date() });
    expect(item?.instance.instanceId).toBe(id);
    const now = new Date();
    const events: HistoryEvent[] = [
      { type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: now },
      { type: HistoryEventType.ExecutionStarted, eventId: -1, timestamp: now, name: 'WaitsForGo', instanceId: id, executionId: item!.instance.executionId, input: undefined, engineVersion: 1 },
      { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: now, orchestrationStatus: 'Completed', result: encodePayload('done by a stale worker', 'result') },
      { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now },
    ];
    // The chunk lands, but the version-checked instance update loses (as after an expired lease).
    const committed = await store.commitEpisode({
      instanceId: id, executionId: item!.instance.executionId, expectedVersion: item!.instance.version + 7, leaseToken: item!.leaseToken,
      chunk: { firstEventIndex: 0, events, consumedMessageIds: [], undispatched: false },
      update: { runtimeStatus: 'Completed' }, now,
    });
    expect(committed).toBe(false);
    await store.releaseWork(item!, { moreWork: true, succeeded: false, now: new Date() });
    expect((await app.durably.client.getStatus(id))?.runtimeStatus).not.toBe('Completed');

    await app.durably.start();
    const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe('done by a stale worker');
  });

  it('reads the history after a fresh claim collided with a chunk a worker left without flagging the instance', async () => {
    // An app of its own, not started yet: the test plays the lost worker first.
    const second = await startTestApp({ orchestrators: [WaitsForGo], start: false });
    const secondClient = await MongoClient.connect(second.mongo.uri);
    const secondStore = new MongoInstanceStore(secondClient.db(second.mongo.dbName), { taskHub: 'Durably' });
    try {
      const id = await second.durably.client.startNew(WaitsForGo, { instanceId: 'fresh-collision' });
      const executionId = (await secondStore.getInstance(id))!.executionId;
      const now = new Date();
      // A worker whose claim was lost (a failover took it back) committed the first episode, found its instance update
      // refused, and died before flagging the instance: the instance looks untouched, the history does not.
      const appended = await secondStore.appendEpisode({
        instanceId: id, executionId, leaseToken: 'a-lost-claim', now,
        chunk: {
          firstEventIndex: 0, consumedMessageIds: [], undispatched: false,
          events: [
            { type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: now },
            { type: HistoryEventType.ExecutionStarted, eventId: -1, timestamp: now, name: 'WaitsForGo', instanceId: id, executionId, input: undefined, engineVersion: 1 },
            { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: now, orchestrationStatus: 'Completed', result: encodePayload('done by a lost claim', 'result') },
            { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: now },
          ],
        },
      });
      expect(appended).toBe(true);
      // The first claim is fresh: it reads nothing, runs the first episode and collides with that chunk. Counted, the
      // attempt makes the next claim read the history (uncounted, every claim would be fresh and collide again).
      await second.durably.start();
      const status = await second.durably.client.waitForCompletion(id, { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe('done by a lost claim');
    } finally {
      await secondClient.close();
      await second.stop();
    }
  });
});
