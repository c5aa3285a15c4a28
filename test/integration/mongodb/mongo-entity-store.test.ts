// MongoEntityStore.sendMessage: a message to an entity is inserted once and never withdrawn — also when the entity
// does not exist yet (it is created and the same message flagged). Withdrawing and re-sending it could apply it twice:
// a worker may have applied the first copy meanwhile (the fault tests caught that once as 1,001 of 1,000).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoEntityStore } from '../../../src/adapters/mongodb/mongo-entity-store.js';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { openTestDb, type Doc, type TestDb } from '../../support/test-db.js';

let t: TestDb;
let hubs = 0;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

const add = (n: number): HistoryEvent => ({ type: HistoryEventType.EntityRequest, eventId: -1, timestamp: new Date(0), operation: 'add', input: String(n) });

async function stores(): Promise<{ entities: MongoEntityStore; hub: string }> {
  const hub = `entities${++hubs}`;
  await new MongoInstanceStore(t.db, { taskHub: hub }).ensureSchema();
  const entities = new MongoEntityStore(t.db, { taskHub: hub });
  await entities.ensureSchema();
  return { entities, hub };
}

describe('MongoEntityStore.sendMessage', () => {
  it('creates a missing entity and flags the one message it inserted', async () => {
    const { entities, hub } = await stores();
    expect(await entities.sendMessage('@counter@a', add(1), { now: new Date() })).toBe(true);
    expect(await t.db.collection(`${hub}.inbox`).countDocuments({ instanceId: '@counter@a' })).toBe(1);
    const doc = await t.db.collection<Doc>(`${hub}.instances`).findOne({ _id: '@counter@a' } as Doc);
    expect(doc?.work).toMatchObject({ pending: true });
    expect(doc?.entity).toMatchObject({ name: 'counter', exists: false });
  });

  it('keeps every message of concurrent first senders: none is withdrawn and re-sent', async () => {
    const { entities, hub } = await stores();
    await Promise.all(Array.from({ length: 20 }, (_, i) => entities.sendMessage('@counter@b', add(i), { now: new Date() })));
    expect(await t.db.collection(`${hub}.inbox`).countDocuments({ instanceId: '@counter@b' })).toBe(20);
    expect(await t.db.collection<Doc>(`${hub}.instances`).countDocuments({ _id: '@counter@b' })).toBe(1);
  });

  it('returns false for a keyed message still queued, and flags it again', async () => {
    const { entities, hub } = await stores();
    expect(await entities.sendMessage('@counter@c', add(1), { dedupeKey: 'k1', now: new Date() })).toBe(true);
    await t.db.collection<Doc>(`${hub}.instances`).updateOne({ _id: '@counter@c' }, { $set: { 'work.pending': false } });
    expect(await entities.sendMessage('@counter@c', add(1), { dedupeKey: 'k1', now: new Date() })).toBe(false);
    expect(await t.db.collection(`${hub}.inbox`).countDocuments({ instanceId: '@counter@c' })).toBe(1);
    expect((await t.db.collection<Doc>(`${hub}.instances`).findOne({ _id: '@counter@c' } as Doc))?.work).toMatchObject({ pending: true });
  });

  it('refuses an ID that is not an entity ID, and an operator object as a key', async () => {
    const { entities } = await stores();
    await expect(entities.sendMessage('order-1', add(1), { now: new Date() })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(entities.sendMessage('@counter@d', add(1), { dedupeKey: { $ne: '' } as unknown as string, now: new Date() })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
