// MongoInstanceStore's storage layout, beyond the port contract (test/contract): document shapes, task hub naming
// and isolation, split episodes and their crash safety, message dedupe scope.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { calculateObjectSize } from 'bson';
import type { Collection } from 'mongodb';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { eventBytes } from '../../../src/adapters/mongodb/history-chunks.js';
import { DurableError } from '../../../src/core/durable-error.js';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import {
  at, claim, create, episode, eventRaised, executionStarted, LEASE_MS, orchestratorCompleted, orchestratorStarted, T0, taskScheduled,
} from '../../contract/instance-store-fixtures.js';
import { openTestDb, type Doc, type TestDb } from '../../support/test-db.js';

let t: TestDb;
let hubs = 0;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

async function newStore(taskHub = `layout${++hubs}`): Promise<{ store: MongoInstanceStore; instances: Collection<Doc>; history: Collection<Doc>; inbox: Collection<Doc> }> {
  const store = new MongoInstanceStore(t.db, { taskHub });
  await store.ensureSchema();
  return {
    store,
    instances: t.db.collection<Doc>(`${taskHub}.instances`),
    history: t.db.collection<Doc>(`${taskHub}.history`),
    inbox: t.db.collection<Doc>(`${taskHub}.inbox`),
  };
}

/** Events of about `mib` MiB in total. */
function bigEpisode(instanceId: string, executionId: string, mib: number): HistoryEvent[] {
  const payload = 'y'.repeat(100 * 1024);
  const events: HistoryEvent[] = [orchestratorStarted(T0), executionStarted(instanceId, executionId, T0)];
  for (let i = 0; i < Math.ceil((mib * 1024) / 100); i++) events.push(taskScheduled(i, T0, `"${payload}"`));
  events.push(orchestratorCompleted(T0));
  return events;
}

describe('task hubs', () => {
  it.each(['', 'a.b', 'has space', 'x'.repeat(51), 'ünï', '$hub', 42, undefined])('refuses the task hub name %p', (taskHub) => {
    const error = ((): unknown => {
      try {
        new MongoInstanceStore(t.db, { taskHub: taskHub as string });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DurableError);
    expect(error).toMatchObject({ code: 'INVALID_TASK_HUB' });
  });

  it('names collections <taskHub>.instances, .history and .inbox, with the documented indexes', async () => {
    await newStore('My-App_1');
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['My-App_1.instances', 'My-App_1.history', 'My-App_1.inbox']));
    const indexNames = async (suffix: string): Promise<string[]> => (await t.db.collection(`My-App_1.${suffix}`).listIndexes().toArray()).map((i) => i.name as string).sort();
    expect(await indexNames('instances')).toEqual(['_id_', 'createdTime_id', 'lease_until', 'parentInstance_instanceId', 'runtimeStatus_completedTime_id', 'runtimeStatus_createdTime_id', 'runtimeStatus_entityName', 'stuckFingerprint', 'stuck_runtimeStatus', 'work_pending_availableAt']);
    expect(await indexNames('history')).toEqual(['_id_', 'instanceId_executionId_firstEventIndex']);
    expect(await indexNames('inbox')).toEqual(['_id_', 'instanceId_createdAt_id', 'instanceId_dedupeKey_unique']);
    const dedupe = (await t.db.collection('My-App_1.inbox').listIndexes().toArray()).find((i) => i.name === 'instanceId_dedupeKey_unique');
    expect(dedupe).toMatchObject({ unique: true, partialFilterExpression: { dedupeKey: { $type: 'string' } } });
  });

  it('isolates apps sharing one database', async () => {
    const a = await newStore();
    const b = await newStore();
    await create(a.store, 'same-id', { input: '"a"' });
    await create(b.store, 'same-id', { input: '"b"' });
    expect((await a.store.getInstance('same-id'))?.input).toBe('"a"');
    expect((await b.store.getInstance('same-id'))?.input).toBe('"b"');
    await claim(a.store);
    expect((await claim(b.store)).instance.input).toBe('"b"');
    expect(await a.store.purgeInstance('same-id')).toBe(1);
    expect(await b.store.getInstance('same-id')).toBeDefined();
  });
});

describe('document shapes', () => {
  it('stores instances, history chunks and messages as documented', async () => {
    const { store, instances, history, inbox } = await newStore();
    await store.createInstance({
      instanceId: 'order-1', executionId: 'e1', name: 'ProcessOrder', input: '{"id":1}', now: T0, idempotencyKey: 'k',
      parentInstance: { instanceId: 'p', executionId: 'pe', name: 'Parent', taskScheduledId: 2 },
    });
    expect(await instances.findOne({ _id: 'order-1' })).toEqual({
      _id: 'order-1', executionId: 'e1', name: 'ProcessOrder', runtimeStatus: 'Pending', input: '{"id":1}',
      createdTime: T0, lastUpdatedTime: T0, historyLength: 0, version: 0, claimAttempts: 0,
      work: { pending: true, seq: 1, availableAt: T0 },
      parentInstance: { instanceId: 'p', executionId: 'pe', name: 'Parent', taskScheduledId: 2 },
      idempotencyKey: 'k',
    });

    expect(await store.sendMessage('order-1', eventRaised('paid', at(1), '"yes"'), { dedupeKey: 'paid-1', now: at(1) })).toBe(true);
    const message = await inbox.findOne({ instanceId: 'order-1' });
    expect(message).toEqual({ _id: expect.stringMatching(/^[0-9a-f]{24}$/), instanceId: 'order-1', event: eventRaised('paid', at(1), '"yes"'), createdAt: at(1), dedupeKey: 'paid-1' });
    expect(message?.event).not.toHaveProperty('input', undefined);

    const item = await claim(store, at(2), 'worker-7');
    expect(await instances.findOne({ _id: 'order-1' })).toMatchObject({
      work: { pending: true, seq: 2, availableAt: T0 },
      lease: { token: item.leaseToken, workerId: 'worker-7', until: at(2 + LEASE_MS) },
      claimAttempts: 1,
    });

    const events = [orchestratorStarted(at(2)), executionStarted('order-1', 'e1', at(2)), eventRaised('paid', at(2), '"yes"')];
    expect(await store.commitEpisode(episode(item, events, { consumedMessageIds: [message!._id as string], now: at(3) }))).toBe(true);
    expect(await history.find().toArray()).toEqual([{
      _id: 'order-1\u0000e1\u00000000000000', instanceId: 'order-1', executionId: 'e1', firstEventIndex: 0, events,
      consumedMessageIds: [message!._id], undispatched: true, eventCount: 3, eventBytes: eventBytes(events), createdAt: at(3),
    }]);
    expect(await inbox.countDocuments()).toBe(0);

    await store.releaseWork(item, { moreWork: false, succeeded: true, now: at(4) });
    const released = await instances.findOne({ _id: 'order-1' });
    expect(released).toMatchObject({ work: { pending: false, seq: 2 }, claimAttempts: 0, version: 1, historyLength: 3, runtimeStatus: 'Running' });
    expect(released).not.toHaveProperty('lease');
    expect(released).not.toHaveProperty('stuck');
    expect(released).not.toHaveProperty('output');
  });
});

describe('large episodes', () => {
  it('splits an episode over 8 MiB into documents with consecutive first indexes, each under 16 MiB', async () => {
    const { store, history } = await newStore();
    const executionId = await create(store, 'big');
    const item = await claim(store);
    const events = bigEpisode('big', executionId, 20);
    expect(await store.commitEpisode(episode(item, events))).toBe(true);
    const docs = await history.find({}, { sort: { firstEventIndex: 1 } }).toArray();
    expect(docs.length).toBe(3);
    const [head, ...parts] = docs;
    expect(head).toMatchObject({ _id: 'big\u0000' + executionId + '\u00000000000000', firstEventIndex: 0, eventCount: events.length, undispatched: true });
    expect(head).not.toHaveProperty('part');
    let next = 0;
    for (const [i, doc] of docs.entries()) {
      expect(doc.firstEventIndex).toBe(next);
      next += (doc.events as unknown[]).length;
      expect(calculateObjectSize(doc)).toBeLessThanOrEqual(8 * 1024 * 1024 + 4096);
      if (i > 0) expect(doc).toMatchObject({ part: i, episodeFirstEventIndex: 0, commitId: head!.commitId });
    }
    expect(next).toBe(events.length);
    expect(parts.every((p) => !('undispatched' in p) && !('consumedMessageIds' in p))).toBe(true);
    expect(await store.loadHistory('big', executionId)).toEqual([{ firstEventIndex: 0, events, consumedMessageIds: [], undispatched: true }]);
  }, 120_000);

  it('ignores the parts of a split commit that never wrote its head (a crash mid-commit), and commits over them', async () => {
    const { store, history } = await newStore();
    const executionId = await create(store, 'a');
    const item = await claim(store);
    // What a worker that crashed after writing its parts leaves behind.
    await history.insertOne({
      _id: `a\u0000${executionId}\u00000000000001\u0000crashed`, instanceId: 'a', executionId, firstEventIndex: 1,
      events: [taskScheduled(0, T0)], createdAt: T0, commitId: 'crashed', part: 1, episodeFirstEventIndex: 0,
    });
    expect(await store.loadHistory('a', executionId)).toEqual([]);
    const events = [orchestratorStarted(T0), executionStarted('a', executionId, T0)];
    expect(await store.commitEpisode(episode(item, events))).toBe(true);
    expect(await store.loadHistory('a', executionId)).toEqual([{ firstEventIndex: 0, events, consumedMessageIds: [], undispatched: true }]);
  });

  it('deletes its parts when it loses the race for the head', async () => {
    const { store, history } = await newStore();
    const executionId = await create(store, 'a');
    const item = await claim(store);
    const small = [orchestratorStarted(T0), executionStarted('a', executionId, T0)];
    expect(await store.commitEpisode(episode(item, small))).toBe(true);
    expect(await store.commitEpisode(episode(item, bigEpisode('a', executionId, 9), { firstEventIndex: 0 }))).toBe(false);
    expect(await history.countDocuments()).toBe(1);
    expect(await store.loadHistory('a', executionId)).toEqual([{ firstEventIndex: 0, events: small, consumedMessageIds: [], undispatched: true }]);
  }, 120_000);

  it('refuses an event too large for any document with PayloadTooLargeError, writing nothing', async () => {
    const { store, history } = await newStore();
    const executionId = await create(store, 'a');
    const item = await claim(store);
    const huge = taskScheduled(0, T0, `"${'z'.repeat(17 * 1024 * 1024)}"`);
    const error = await store.commitEpisode(episode(item, [orchestratorStarted(T0), executionStarted('a', executionId, T0), huge])).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await history.countDocuments()).toBe(0);
    expect((await store.getInstance('a'))?.version).toBe(0);
  }, 60_000);

  it('reports a split episode whose parts were deleted as CORRUPT_HISTORY', async () => {
    const { store, history } = await newStore();
    const executionId = await create(store, 'a');
    const item = await claim(store);
    expect(await store.commitEpisode(episode(item, bigEpisode('a', executionId, 9)))).toBe(true);
    await history.deleteOne({ part: 1 });
    await expect(store.loadHistory('a', executionId)).rejects.toMatchObject({ code: 'CORRUPT_HISTORY' });
  }, 120_000);
});

describe('message dedupe', () => {
  it('is scoped to the instance', async () => {
    const { store } = await newStore();
    await create(store, 'a');
    await create(store, 'b');
    expect(await store.sendMessage('a', eventRaised('x', T0), { dedupeKey: 'k', now: T0 })).toBe(true);
    expect(await store.sendMessage('b', eventRaised('x', T0), { dedupeKey: 'k', now: T0 })).toBe(true);
  });

  it('holds while the message is queued: a key is accepted again once its message was consumed', async () => {
    const { store } = await newStore();
    await create(store, 'a');
    expect(await store.sendMessage('a', eventRaised('x', T0), { dedupeKey: 'k', now: T0 })).toBe(true);
    await store.deleteMessages((await store.loadMessages('a')).map((m) => m.id));
    expect(await store.sendMessage('a', eventRaised('x', T0), { dedupeKey: 'k', now: T0 })).toBe(true);
  });
});

describe('restarting a finished instance', () => {
  it('deletes the history of every earlier execution, including stale late writes', async () => {
    const { store, history } = await newStore();
    await create(store, 'a', { executionId: 'e1' });
    const item = await claim(store);
    await store.commitEpisode(episode(item, [orchestratorStarted(T0), executionStarted('a', 'e1', T0)], { update: { runtimeStatus: 'Completed' } }));
    await history.insertOne({ _id: 'a\u0000e0\u00000000000000', instanceId: 'a', executionId: 'e0', firstEventIndex: 0, events: [], createdAt: T0 });
    await create(store, 'a', { executionId: 'e2', now: at(1) });
    expect(await history.countDocuments({ instanceId: 'a' })).toBe(0);
  });
});
