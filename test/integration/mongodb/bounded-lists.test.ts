// The stores' bounded lists (issue 16): a payload over maxFieldBytes is left out by the server itself — it never
// crosses the wire — and what an engine lets through by counting characters is dropped by the store, so that entries
// stay bounded in bytes; pages end at maxPageBytes with a token that resumes at the next entry.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CommandSucceededEvent, Db, Document } from 'mongodb';
import { MongoEntityStore } from '../../../src/adapters/mongodb/mongo-entity-store.js';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { HistoryEventType } from '../../../src/history/history-event.js';
import { openTestDb, type TestDb } from '../../support/test-db.js';

const T0 = new Date(Date.UTC(2026, 0, 1));
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const encoded = (bytes: number): string => JSON.stringify('x'.repeat(bytes - 2));

let t: TestDb;
let db: Db;
const replies: Document[] = [];

beforeAll(async () => {
  t = await openTestDb();
  const monitored = await t.newClient({ monitorCommands: true });
  monitored.on('commandSucceeded', (event: CommandSucceededEvent) => {
    if (event.commandName === 'find' || event.commandName === 'getMore') replies.push(event.reply as Document);
  });
  db = monitored.db(t.mongo.dbName);
});
afterAll(async () => {
  await t?.close();
});

/** Every document the server sent for the finds since `from`. */
function sentSince(from: number): Document[] {
  return replies.slice(from).flatMap((reply) => {
    const cursor = (reply as { cursor?: { firstBatch?: Document[]; nextBatch?: Document[] } }).cursor;
    return cursor?.firstBatch ?? cursor?.nextBatch ?? [];
  });
}

describe('MongoInstanceStore.listInstances with bounds', () => {
  let store: MongoInstanceStore;

  beforeAll(async () => {
    store = new MongoInstanceStore(db, { taskHub: 'bounded' });
    await store.ensureSchema();
    for (let i = 0; i < 6; i++) {
      await store.createInstance({ instanceId: `i${i}`, executionId: 'x', name: 'Orch', input: encoded(i % 2 === 0 ? 200_000 : 100), now: at(i) });
    }
    // 600 characters of 'é': 1,202 bytes of UTF-8 in 602 characters.
    await store.createInstance({ instanceId: 'i6', executionId: 'x', name: 'Orch', input: JSON.stringify('é'.repeat(600)), now: at(6) });
  });

  it('never receives a payload over maxFieldBytes from the server, and names what it left out', async () => {
    const from = replies.length;
    const page = await store.listInstances({ maxFieldBytes: 1_000 });
    expect(page.instances.map((i) => i.instanceId)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
    for (const doc of sentSince(from)) {
      expect(typeof doc.input === 'string' ? Buffer.byteLength(doc.input) : 0).toBeLessThanOrEqual(3 * 1_000);
      expect(doc).not.toHaveProperty('work');
      expect(doc).not.toHaveProperty('lease');
    }
    for (const [i, instance] of page.instances.entries()) {
      if (i % 2 === 0) {
        expect(instance.input).toBeUndefined();
        expect(instance.omittedPayloads).toEqual(['input']);
      } else {
        expect(instance.input).toBe(encoded(100));
        expect(instance.omittedPayloads).toBeUndefined();
      }
    }
  });

  it('lists every payload without bounds', async () => {
    const page = await store.listInstances({ pageSize: 1 });
    expect(page.instances[0]?.input).toBe(encoded(200_000));
    expect(page.instances[0]?.omittedPayloads).toBeUndefined();
  });

  it('ends pages at maxPageBytes, at least one entry each, resuming at the next', async () => {
    const ids: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await store.listInstances({ maxPageBytes: 150_000, ...(token === undefined ? {} : { continuationToken: token }) });
      ids.push(...page.instances.map((i) => i.instanceId));
      sizes.push(page.instances.length);
      token = page.continuationToken;
    } while (token !== undefined && sizes.length < 20);
    expect(ids).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
    // A 200 KB entry alone is over the budget: it gets a page of its own, and nothing fits after it; the small
    // entries before the next large one also end their page there.
    expect(sizes).toEqual([1, 1, 1, 1, 1, 2]);
  });

  it('leaves out 0-byte-bounded payloads entirely (only the IDs are needed)', async () => {
    const page = await store.listInstances({ maxFieldBytes: 0 });
    expect(page.instances.every((i) => i.input === undefined && i.omittedPayloads?.includes('input') === true)).toBe(true);
  });

  it('refuses negative or fractional bounds', async () => {
    await expect(store.listInstances({ maxFieldBytes: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.listInstances({ maxPageBytes: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('MongoInstanceStore.readHistory', () => {
  it('yields the chunks loadHistory loads', async () => {
    const store = new MongoInstanceStore(db, { taskHub: 'streamed' });
    await store.ensureSchema();
    await store.createInstance({ instanceId: 'h', executionId: 'x', name: 'Orch', input: undefined, now: T0 });
    const work = await store.claimWork({ workerId: 'w', leaseMs: 60_000, now: T0 });
    expect(work).toBeDefined();
    for (let e = 0; e < 3; e++) {
      const events = Array.from({ length: 4 }, () => ({ type: HistoryEventType.EventRaised, eventId: -1, timestamp: T0, name: 'e', input: encoded(10) }) as const);
      expect(await store.appendEpisode({ instanceId: 'h', executionId: 'x', leaseToken: work!.leaseToken, chunk: { firstEventIndex: e * 4, events, consumedMessageIds: [], undispatched: false }, now: T0 })).toBe(true);
    }
    const streamed = [];
    for await (const chunk of store.readHistory('h', 'x')) streamed.push(chunk);
    expect(streamed).toEqual(await store.loadHistory('h', 'x'));
    expect(streamed).toHaveLength(3);
  });
});

describe('MongoEntityStore.listEntities with bounds', () => {
  it('leaves out states over maxFieldBytes (never sent), flagged, and never reads outboxes', async () => {
    const entities = new MongoEntityStore(db, { taskHub: 'bounded' });
    const instances = db.collection<Document>('bounded.instances');
    for (const [key, state] of [['big', encoded(50_000)], ['small', encoded(10)]] as const) {
      await entities.ensureEntity(`@reg@${key}`, 'reg', T0);
      await instances.updateOne({ _id: `@reg@${key}` } as Document, { $set: { 'entity.exists': true, 'entity.state': state, 'entity.outbox': [{ kind: 'start', payload: 'y'.repeat(50_000) }] } });
    }
    const from = replies.length;
    const page = await entities.listEntities({ name: 'reg', fetchState: true, maxFieldBytes: 1_000 });
    expect(page.entities.map((e) => [e.instanceId, e.state, e.stateOmitted])).toEqual([
      ['@reg@big', undefined, true],
      ['@reg@small', encoded(10), undefined],
    ]);
    expect(JSON.stringify(sentSince(from)).length).toBeLessThan(2_000);
  });
});
