// Upserts through the real driver: which filter fields seed the inserted document, and what is reported.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError, ObjectId, type Collection, type Document } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let seq = 0;
const fresh = (): Collection<Doc> => t.db.collection<Doc>(`ups_${++seq}`);

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

/** The single document of `c` without its generated `_id`. */
async function onlyDocWithoutId(c: Collection<Doc>): Promise<Doc> {
  const docs = await c.find({}, { projection: { _id: 0 } }).toArray();
  expect(docs).toHaveLength(1);
  return docs[0]!;
}

describe('updateOne with upsert', () => {
  it('inserts the equality fields of the filter plus the update, and reports the new _id', async () => {
    const c = fresh();
    const res = await c.updateOne({ a: 1, b: 'x' }, { $set: { c: 2 } }, { upsert: true });
    expect(res.matchedCount).toBe(0);
    expect(res.modifiedCount).toBe(0);
    expect(res.upsertedCount).toBe(1);
    expect(res.upsertedId).toBeInstanceOf(ObjectId);
    const doc = await c.findOne({});
    expect((doc!._id as ObjectId).toHexString()).toBe((res.upsertedId as ObjectId).toHexString());
    expect(await onlyDocWithoutId(c)).toEqual({ a: 1, b: 'x', c: 2 });
  });

  it('updates instead of inserting when the filter matches', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: 1 });
    const res = await c.updateOne({ a: 1 }, { $set: { c: 2 } }, { upsert: true });
    expect(res.matchedCount).toBe(1);
    expect(res.modifiedCount).toBe(1);
    expect(res.upsertedCount).toBe(0);
    expect(res.upsertedId).toBeNull();
    expect(await c.countDocuments()).toBe(1);
  });

  it('takes equalities from $and and from $eq', async () => {
    const c = fresh();
    await c.updateOne({ $and: [{ a: 1 }, { b: { $eq: 2 } }] }, { $set: { c: 3 } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('turns dotted equality fields into nested documents', async () => {
    const c = fresh();
    await c.updateOne({ 'x.y': 5, 'x.z': 'w' }, { $set: { k: true } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ x: { y: 5, z: 'w' }, k: true });
  });

  it('ignores non-equality conditions', async () => {
    const c = fresh();
    await c.updateOne({ a: 1, n: { $gt: 5 }, s: { $in: ['p', 'q'] }, e: { $exists: false } }, { $set: { c: 1 } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ a: 1, c: 1 });
  });

  it('ignores the fields of a top-level $or with several clauses', async () => {
    const c = fresh();
    await c.updateOne({ k: 1, $or: [{ a: 1 }, { b: 2 }] }, { $set: { c: 1 } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ k: 1, c: 1 });
  });

  it('copies an equality on a whole embedded document', async () => {
    const c = fresh();
    await c.updateOne({ o: { p: 1, q: [1, 2] } }, { $set: { c: 1 } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ o: { p: 1, q: [1, 2] }, c: 1 });
  });

  it('the update wins over the filter for the same field', async () => {
    const c = fresh();
    await c.updateOne({ a: 1 }, { $set: { a: 2 } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ a: 2 });
  });

  it('uses the _id of the filter', async () => {
    const c = fresh();
    const res = await c.updateOne({ _id: 'custom-id', kind: 'k' }, { $set: { v: 1 } }, { upsert: true });
    expect(res.upsertedId).toBe('custom-id');
    expect(await c.findOne({})).toEqual({ _id: 'custom-id', kind: 'k', v: 1 });
  });

  it('uses an ObjectId _id of the filter', async () => {
    const c = fresh();
    const id = new ObjectId();
    const res = await c.updateOne({ _id: id }, { $inc: { n: 1 } }, { upsert: true });
    expect((res.upsertedId as ObjectId).toHexString()).toBe(id.toHexString());
    expect((await c.findOne({ _id: id }))!.n).toBe(1);
  });

  it('applies $setOnInsert only when inserting', async () => {
    const c = fresh();
    await c.updateOne({ key: 'k' }, { $inc: { hits: 1 }, $setOnInsert: { createdBy: 'first' } }, { upsert: true });
    await c.updateOne({ key: 'k' }, { $inc: { hits: 1 }, $setOnInsert: { createdBy: 'second' } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ key: 'k', hits: 2, createdBy: 'first' });
  });

  it('$setOnInsert alone on a match is a no-op', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, key: 'k' });
    const res = await c.updateOne({ key: 'k' }, { $setOnInsert: { x: 1 } }, { upsert: true });
    expect(res.matchedCount).toBe(1);
    expect(res.modifiedCount).toBe(0);
    expect(await c.findOne({})).toEqual({ _id: 1, key: 'k' });
  });

  it('$set and $setOnInsert on the same path conflict (40)', async () => {
    const c = fresh();
    const err = await rejectionOf(c.updateOne({ k: 1 }, { $set: { a: 1 }, $setOnInsert: { a: 2 } }, { upsert: true }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(40);
    expect(await c.countDocuments()).toBe(0);
  });

  it('$inc, $push and $addToSet start from nothing on insert', async () => {
    const c = fresh();
    await c.updateOne({ k: 1 }, { $inc: { n: 3 }, $push: { log: 'a' }, $addToSet: { set: 'x' } } as Document, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ k: 1, n: 3, log: ['a'], set: ['x'] });
  });

  it('an equality on an array element value seeds the scalar', async () => {
    const c = fresh();
    await c.updateOne({ tags: 'a' }, { $set: { c: 1 } }, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ tags: 'a', c: 1 });
  });
});

describe('other upserting writes', () => {
  it('updateMany with upsert inserts exactly one document', async () => {
    const c = fresh();
    const res = await c.updateMany({ group: 'g' }, { $set: { seen: true } }, { upsert: true });
    expect(res.upsertedCount).toBe(1);
    expect(await onlyDocWithoutId(c)).toEqual({ group: 'g', seen: true });
  });

  it('replaceOne with upsert inserts the replacement only (not the filter fields)', async () => {
    const c = fresh();
    const res = await c.replaceOne({ k: 'z' }, { v: 1 }, { upsert: true });
    expect(res.upsertedCount).toBe(1);
    expect(res.upsertedId).toBeInstanceOf(ObjectId);
    expect(await onlyDocWithoutId(c)).toEqual({ v: 1 });
  });

  it('replaceOne with upsert takes the _id from the filter', async () => {
    const c = fresh();
    const res = await c.replaceOne({ _id: 42 }, { v: 1 }, { upsert: true });
    expect(res.upsertedId).toBe(42);
    expect(await c.findOne({})).toEqual({ _id: 42, v: 1 });
  });

  it('replaceOne with upsert replaces when the filter matches', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, k: 'z', old: true });
    const res = await c.replaceOne({ k: 'z' }, { v: 2 }, { upsert: true });
    expect(res.matchedCount).toBe(1);
    expect(res.upsertedCount).toBe(0);
    expect(await c.findOne({})).toEqual({ _id: 1, v: 2 });
  });

  it('a pipeline update with upsert seeds from the filter', async () => {
    const c = fresh();
    await c.updateOne({ k: 5 }, [{ $set: { double: { $multiply: ['$k', 2] } } }], { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ k: 5, double: 10 });
  });

  it('bulkWrite reports upserted ids by operation index', async () => {
    const c = fresh();
    const res = await c.bulkWrite([
      { updateOne: { filter: { _id: 'a' }, update: { $set: { v: 1 } }, upsert: true } },
      { updateOne: { filter: { _id: 'a' }, update: { $set: { v: 2 } }, upsert: true } },
      { replaceOne: { filter: { _id: 'b' }, replacement: { v: 3 }, upsert: true } },
    ]);
    expect(res.upsertedCount).toBe(2);
    expect(res.matchedCount).toBe(1);
    expect(res.upsertedIds).toEqual({ 0: 'a', 2: 'b' });
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', v: 2 },
      { _id: 'b', v: 3 },
    ]);
  });
});
