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

  it('$push applies $each with $sort, $slice and $position to the array it creates on insert', async () => {
    const c = fresh();
    const update = { $push: { top: { $each: [5, 1, 4, 2], $sort: -1, $slice: 3 }, recent: { $each: ['a', 'b', 'c'], $slice: -2, $position: 0 } } };
    const res = await c.updateOne({ k: 1 }, update as Document, { upsert: true });
    expect(res.upsertedCount).toBe(1);
    expect(await onlyDocWithoutId(c)).toEqual({ k: 1, recent: ['b', 'c'], top: [5, 4, 2] });
    // The same update on the document it inserted pushes onto the existing arrays.
    await c.updateOne({ k: 1 }, update as Document, { upsert: true });
    expect(await onlyDocWithoutId(c)).toEqual({ k: 1, recent: ['b', 'c'], top: [5, 5, 4] });
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

  it('findOneAndUpdate with upsert applies $push modifiers to the array it creates', async () => {
    const c = fresh();
    const after = await c.findOneAndUpdate(
      { _id: 'log' },
      { $push: { entries: { $each: [{ at: 3 }, { at: 1 }, { at: 2 }], $sort: { at: 1 }, $slice: -2 } } } as Document,
      { upsert: true, returnDocument: 'after' },
    );
    expect(after).toEqual({ _id: 'log', entries: [{ at: 2 }, { at: 3 }] });
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

describe('one update command of several statements, upserts among them (the jobs write)', () => {
  /** A jobs collection as the Agenda adapter keeps it: a unique job key that only keyed jobs carry. */
  async function jobs(): Promise<Collection<Doc>> {
    const c = fresh();
    await c.createIndex({ 'data.key': 1 }, { name: 'data_key', unique: true, partialFilterExpression: { 'data.key': { $exists: true } } });
    await c.insertMany([
      { _id: 'j1', name: 'a', data: { key: 'k1' }, state: 'running' },
      { _id: 'j2', name: 'b', data: { key: 'k2' }, state: 'running' },
      { _id: 'unkeyed', name: 'c' },
    ]);
    return c;
  }

  const oid1 = new ObjectId();
  const oid2 = new ObjectId();
  const statements = (): Document[] => [
    { q: { _id: 'j1' }, u: { $set: { state: 'done' } } },
    { q: { _id: oid1 }, u: { $setOnInsert: { name: 'next', data: { key: 'k3' }, state: 'queued' } }, upsert: true },
    { q: { _id: oid2 }, u: { $setOnInsert: { name: 'again', data: { key: 'k1' }, state: 'queued' } }, upsert: true },
    { q: { _id: 'j2' }, u: { $set: { state: 'done' }, $setOnInsert: { name: 'never' } }, upsert: true },
    { q: { _id: 'missing' }, u: { $set: { state: 'done' } } },
    { q: { 'data.key': 'k4' }, u: { $setOnInsert: { name: 'byKey' }, $set: { state: 'queued' } }, upsert: true },
  ];

  it('unordered: every other statement applies; the reply counts them and names the failed one', async () => {
    const c = await jobs();
    const reply = await t.db.command({ update: c.collectionName, updates: statements(), ordered: false });
    expect(reply.ok).toBe(1);
    // n: matched (j1, j2) + upserted (2); nModified: j1 and j2.
    expect(reply.n).toBe(4);
    expect(reply.nModified).toBe(2);
    expect(reply.upserted).toHaveLength(2);
    expect(reply.upserted[0]).toEqual({ index: 1, _id: oid1 });
    expect(reply.upserted[1].index).toBe(5);
    expect(reply.upserted[1]._id).toBeInstanceOf(ObjectId);
    expect(reply.writeErrors).toHaveLength(1);
    const [writeError] = reply.writeErrors as Document[];
    expect(writeError).toMatchObject({ index: 2, code: 11000, keyPattern: { 'data.key': 1 }, keyValue: { 'data.key': 'k1' } });
    expect(writeError!.errmsg).toMatch(/^E11000 duplicate key error collection: .*\.ups_\d+ index: data_key dup key: \{ data\.key: "k1" \}$/);

    const byKey = reply.upserted[1]._id as ObjectId;
    expect(await c.find({}).sort({ name: 1 }).toArray()).toEqual([
      { _id: 'j1', name: 'a', data: { key: 'k1' }, state: 'done' },
      { _id: 'j2', name: 'b', data: { key: 'k2' }, state: 'done' },
      { _id: byKey, data: { key: 'k4' }, name: 'byKey', state: 'queued' },
      { _id: 'unkeyed', name: 'c' },
      { _id: oid1, name: 'next', data: { key: 'k3' }, state: 'queued' },
    ]);
  });

  it('unordered through bulkWrite: the driver reports the same counts on its MongoBulkWriteError', async () => {
    const c = await jobs();
    const ops = statements().map((s) => ({ updateOne: { filter: s.q as Document, update: s.u as Document, upsert: s.upsert === true } }));
    const error = await rejectionOf(c.bulkWrite(ops, { ordered: false }));
    expect(error.name).toBe('MongoBulkWriteError');
    const bulk = error as unknown as { result: { matchedCount: number; modifiedCount: number; upsertedCount: number; upsertedIds: Record<number, unknown> }; writeErrors: { index: number; code: number }[] };
    expect(bulk.result.matchedCount).toBe(2);
    expect(bulk.result.modifiedCount).toBe(2);
    expect(bulk.result.upsertedCount).toBe(2);
    expect(Object.keys(bulk.result.upsertedIds)).toEqual(['1', '5']);
    expect(bulk.result.upsertedIds[1]).toEqual(oid1);
    const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[2, 11000]]);
    expect(await c.countDocuments()).toBe(5);
  });

  it('ordered: the statements before the failed one apply, the ones after it do not', async () => {
    const c = await jobs();
    const reply = await t.db.command({ update: c.collectionName, updates: statements(), ordered: true });
    expect(reply.ok).toBe(1);
    expect(reply.n).toBe(2);
    expect(reply.nModified).toBe(1);
    expect(reply.upserted).toEqual([{ index: 1, _id: oid1 }]);
    expect(reply.writeErrors).toHaveLength(1);
    expect(reply.writeErrors[0]).toMatchObject({ index: 2, code: 11000 });
    expect((await c.findOne({ _id: 'j2' }))?.state).toBe('running');
    expect(await c.countDocuments({ 'data.key': 'k4' })).toBe(0);
  });

  it('an update statement that would duplicate a key fails alone, and an upsert matching by key updates', async () => {
    const c = await jobs();
    const reply = await t.db.command({
      update: c.collectionName,
      updates: [
        { q: { _id: 'j2' }, u: { $set: { 'data.key': 'k1' } } },
        { q: { 'data.key': 'k1' }, u: { $setOnInsert: { name: 'never' }, $set: { state: 'seen' } }, upsert: true },
      ],
      ordered: false,
    });
    expect(reply.n).toBe(1);
    expect(reply.nModified).toBe(1);
    expect(reply.upserted).toBeUndefined();
    expect(reply.writeErrors).toHaveLength(1);
    expect(reply.writeErrors[0]).toMatchObject({ index: 0, code: 11000, keyValue: { 'data.key': 'k1' } });
    expect(await c.findOne({ _id: 'j1' })).toEqual({ _id: 'j1', name: 'a', data: { key: 'k1' }, state: 'seen' });
    expect((await c.findOne({ _id: 'j2' }))?.data).toEqual({ key: 'k2' });
  });
});
