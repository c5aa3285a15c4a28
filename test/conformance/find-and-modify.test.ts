// findAndModify through the real driver (driver 7 result shapes), including the atomicity Agenda's locking needs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ObjectId, type Collection, type MongoClient } from 'mongodb';
import { openTestDb, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let seq = 0;
const fresh = (): Collection<Doc> => t.db.collection<Doc>(`fam_${++seq}`);

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

async function seeded(): Promise<Collection<Doc>> {
  const c = fresh();
  await c.insertMany([
    { _id: 1, name: 'a', priority: 1, locked: false },
    { _id: 2, name: 'b', priority: 3, locked: false },
    { _id: 3, name: 'c', priority: 2, locked: false },
  ]);
  return c;
}

describe('findOneAndUpdate', () => {
  it('returns the document before the update by default', async () => {
    const c = await seeded();
    const before = await c.findOneAndUpdate({ _id: 1 }, { $set: { locked: true } });
    expect(before).toEqual({ _id: 1, name: 'a', priority: 1, locked: false });
    expect((await c.findOne({ _id: 1 }))!.locked).toBe(true);
  });

  it("returnDocument: 'after' returns the updated document", async () => {
    const c = await seeded();
    const after = await c.findOneAndUpdate({ _id: 1 }, { $inc: { priority: 10 } }, { returnDocument: 'after' });
    expect(after).toEqual({ _id: 1, name: 'a', priority: 11, locked: false });
  });

  it("returnDocument: 'before' is explicit too", async () => {
    const c = await seeded();
    const before = await c.findOneAndUpdate({ _id: 2 }, { $inc: { priority: 10 } }, { returnDocument: 'before' });
    expect(before!.priority).toBe(3);
  });

  it('picks the first document in sort order', async () => {
    const c = await seeded();
    const top = await c.findOneAndUpdate({ locked: false }, { $set: { locked: true } }, { sort: { priority: -1 }, returnDocument: 'after' });
    expect(top!._id).toBe(2);
    const next = await c.findOneAndUpdate({ locked: false }, { $set: { locked: true } }, { sort: { priority: -1 }, returnDocument: 'after' });
    expect(next!._id).toBe(3);
    const low = await c.findOneAndUpdate({ locked: false }, { $set: { locked: true } }, { sort: { priority: 1 } });
    expect(low!._id).toBe(1);
    expect(await c.findOneAndUpdate({ locked: false }, { $set: { locked: true } })).toBeNull();
  });

  it('applies a projection to the returned document', async () => {
    const c = await seeded();
    const doc = await c.findOneAndUpdate({ _id: 3 }, { $set: { x: 1 } }, { projection: { name: 1, x: 1, _id: 0 }, returnDocument: 'after' });
    expect(doc).toEqual({ name: 'c', x: 1 });
  });

  it('returns null when nothing matches and changes nothing', async () => {
    const c = await seeded();
    expect(await c.findOneAndUpdate({ _id: 99 }, { $set: { x: 1 } })).toBeNull();
    expect(await c.countDocuments({ x: 1 })).toBe(0);
  });

  it("upsert with returnDocument 'after' returns the inserted document", async () => {
    const c = fresh();
    const doc = await c.findOneAndUpdate({ key: 'k' }, { $set: { v: 1 }, $setOnInsert: { created: true } }, { upsert: true, returnDocument: 'after' });
    expect(doc!._id).toBeInstanceOf(ObjectId);
    expect({ ...doc, _id: undefined }).toEqual({ _id: undefined, key: 'k', v: 1, created: true });
  });

  it("upsert with returnDocument 'before' returns null for an insert", async () => {
    const c = fresh();
    expect(await c.findOneAndUpdate({ key: 'k' }, { $set: { v: 1 } }, { upsert: true })).toBeNull();
    expect(await c.countDocuments({ key: 'k' })).toBe(1);
  });

  it('includeResultMetadata returns the raw findAndModify result', async () => {
    const c = await seeded();
    const res = await c.findOneAndUpdate({ _id: 1 }, { $set: { m: 1 } }, { includeResultMetadata: true, returnDocument: 'after' });
    expect(res.ok).toBe(1);
    expect(res.value).toEqual({ _id: 1, name: 'a', priority: 1, locked: false, m: 1 });
    expect(res.lastErrorObject).toEqual({ n: 1, updatedExisting: true });
    const miss = await c.findOneAndUpdate({ _id: 99 }, { $set: { m: 1 } }, { includeResultMetadata: true });
    expect(miss.value).toBeNull();
    expect(miss.lastErrorObject).toEqual({ n: 0, updatedExisting: false });
    const ups = await c.findOneAndUpdate({ _id: 50 }, { $set: { m: 1 } }, { includeResultMetadata: true, upsert: true });
    expect(ups.value).toBeNull();
    expect(ups.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 50 });
  });

  it('supports arrayFilters', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, g: [1, 5, 9] });
    const doc = await c.findOneAndUpdate({ _id: 1 }, { $set: { 'g.$[x]': 0 } }, { arrayFilters: [{ x: { $gt: 4 } }], returnDocument: 'after' });
    expect(doc!.g).toEqual([1, 0, 0]);
  });

  it('supports pipeline updates', async () => {
    const c = await seeded();
    const doc = await c.findOneAndUpdate({ _id: 2 }, [{ $set: { double: { $multiply: ['$priority', 2] } } }], { returnDocument: 'after' });
    expect(doc!.double).toBe(6);
  });
});

describe('findOneAndDelete', () => {
  it('deletes and returns the first document in sort order', async () => {
    const c = await seeded();
    const doc = await c.findOneAndDelete({}, { sort: { priority: -1 } });
    expect(doc).toEqual({ _id: 2, name: 'b', priority: 3, locked: false });
    expect(await c.countDocuments()).toBe(2);
    expect(await c.findOne({ _id: 2 })).toBeNull();
  });

  it('applies a projection and returns null on no match', async () => {
    const c = await seeded();
    expect(await c.findOneAndDelete({ _id: 1 }, { projection: { name: 1 } })).toEqual({ _id: 1, name: 'a' });
    expect(await c.findOneAndDelete({ _id: 1 })).toBeNull();
  });
});

describe('findOneAndReplace', () => {
  it('replaces, keeps _id, and returns the old document by default', async () => {
    const c = await seeded();
    const before = await c.findOneAndReplace({ name: 'c' }, { name: 'c2', fresh: true });
    expect(before).toEqual({ _id: 3, name: 'c', priority: 2, locked: false });
    expect(await c.findOne({ _id: 3 })).toEqual({ _id: 3, name: 'c2', fresh: true });
  });

  it("returnDocument 'after', sort and upsert", async () => {
    const c = await seeded();
    const after = await c.findOneAndReplace({}, { only: 1 }, { sort: { priority: 1 }, returnDocument: 'after' });
    expect(after).toEqual({ _id: 1, only: 1 });
    const inserted = await c.findOneAndReplace({ _id: 9 }, { v: 9 }, { upsert: true, returnDocument: 'after' });
    expect(inserted).toEqual({ _id: 9, v: 9 });
  });
});

describe('atomicity across clients', () => {
  let clients: MongoClient[] = [];

  beforeAll(async () => {
    clients = await Promise.all(Array.from({ length: 5 }, () => t.newClient({ maxPoolSize: 10 })));
    // Warm every pool so that the races below are between operations, not between connection handshakes.
    await Promise.all(clients.map((cl) => Promise.all(Array.from({ length: 4 }, () => cl.db('admin').command({ ping: 1 })))));
  });

  it('exactly one of 20 concurrent lockers (5 clients) wins the lock', async () => {
    const name = `fam_lock_${++seq}`;
    await t.db.collection<Doc>(name).insertOne({ _id: 'job', locked: false });
    const attempts = Array.from({ length: 20 }, (_, i) =>
      clients[i % clients.length]!
        .db(t.mongo.dbName)
        .collection<Doc>(name)
        .findOneAndUpdate({ _id: 'job', locked: false }, { $set: { locked: true, by: i } }, { returnDocument: 'after' }),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const stored = await t.db.collection<Doc>(name).findOne({ _id: 'job' });
    expect(stored!.by).toBe(winners[0]!.by);
  });

  it('repeated lock races: each round has exactly one winner', async () => {
    const name = `fam_rounds_${++seq}`;
    const coll = t.db.collection<Doc>(name);
    await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, locked: false })));
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          clients[i % clients.length]!
            .db(t.mongo.dbName)
            .collection<Doc>(name)
            .findOneAndUpdate({ _id: round, locked: false }, { $set: { locked: true, owner: i } }),
        ),
      );
      expect(results.filter((r) => r !== null).map((r) => r._id)).toEqual([round]);
    }
  });

  it('$inc from 5 clients x 200 increments totals exactly 1,000 with no lost or duplicated value', async () => {
    const name = `fam_counter_${++seq}`;
    await t.db.collection<Doc>(name).insertOne({ _id: 'c', n: 0 });
    const seen: number[] = [];
    await Promise.all(
      clients.map(async (cl) => {
        const coll = cl.db(t.mongo.dbName).collection<Doc>(name);
        // 4 in flight per client: 20 concurrent increments overall.
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let k = 0; k < 50; k++) {
              const doc = await coll.findOneAndUpdate({ _id: 'c' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
              seen.push(doc!.n as number);
            }
          }),
        );
      }),
    );
    expect((await t.db.collection<Doc>(name).findOne({ _id: 'c' }))!.n).toBe(1_000);
    expect(seen).toHaveLength(1_000);
    expect(new Set(seen).size).toBe(1_000);
    expect(Math.min(...seen)).toBe(1);
    expect(Math.max(...seen)).toBe(1_000);
  });

  it('concurrent updateOne $inc from 5 clients is not lost either', async () => {
    const name = `fam_upd_counter_${++seq}`;
    await t.db.collection<Doc>(name).insertOne({ _id: 'c', n: 0 });
    await Promise.all(
      clients.map(async (cl) => {
        const coll = cl.db(t.mongo.dbName).collection<Doc>(name);
        await Promise.all(Array.from({ length: 100 }, () => coll.updateOne({ _id: 'c' }, { $inc: { n: 1 } })));
      }),
    );
    expect((await t.db.collection<Doc>(name).findOne({ _id: 'c' }))!.n).toBe(500);
  });
});
