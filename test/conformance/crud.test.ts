// CRUD through the real driver. The expectations are mongod 7.0's behaviour: the same file must pass with
// MONGODB_URI pointing at a real server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  MongoBulkWriteError,
  MongoServerError,
  ObjectId,
  Timestamp,
  UUID,
  type Collection,
  type Filter,
} from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let seq = 0;
const fresh = (): Collection<Doc> => t.db.collection<Doc>(`crud_${++seq}`);

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

/** `_id`s of the documents matched by `filter`, sorted (the order of an unsorted find is not specified). */
async function idsOf(c: Collection<Doc>, filter: Filter<Doc>): Promise<unknown[]> {
  const docs = await c.find(filter, { projection: { _id: 1 } }).toArray();
  // The suites use numeric or string ids only.
  const ids = docs.map((d) => d._id as number | string);
  return ids.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

describe('insert', () => {
  it('insertOne generates an ObjectId _id and returns it', async () => {
    const c = fresh();
    const res = await c.insertOne({ a: 1 });
    expect(res.acknowledged).toBe(true);
    expect(res.insertedId).toBeInstanceOf(ObjectId);
    const doc = await c.findOne({});
    expect(doc!._id).toBeInstanceOf(ObjectId);
    expect((doc!._id as ObjectId).toHexString()).toBe((res.insertedId as ObjectId).toHexString());
    expect(doc!.a).toBe(1);
  });

  it('insertOne keeps a client-chosen _id of any type', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'str', v: 1 });
    await c.insertOne({ _id: 42, v: 2 });
    await c.insertOne({ _id: { x: 1, y: 2 }, v: 3 });
    expect((await c.findOne({ _id: 'str' }))!.v).toBe(1);
    expect((await c.findOne({ _id: 42 }))!.v).toBe(2);
    expect((await c.findOne({ _id: { x: 1, y: 2 } }))!.v).toBe(3);
  });

  it('stores _id as the first field even when given last', async () => {
    const c = fresh();
    await c.insertOne({ b: 1, a: 2, _id: 7 });
    const doc = await c.findOne({});
    expect(Object.keys(doc!)).toEqual(['_id', 'b', 'a']);
  });

  it('insertMany inserts all documents in order and reports their ids', async () => {
    const c = fresh();
    const res = await c.insertMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(res.insertedCount).toBe(3);
    expect(Object.keys(res.insertedIds)).toEqual(['0', '1', '2']);
    expect(await c.countDocuments()).toBe(3);
  });

  it('a duplicate _id on insertOne fails with 11000', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1 });
    const err = await rejectionOf(c.insertOne({ _id: 1 }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
    expect(err.keyPattern).toEqual({ _id: 1 });
    expect(err.keyValue).toEqual({ _id: 1 });
  });

  it('ordered insertMany stops at the first duplicate', async () => {
    const c = fresh();
    const err = await rejectionOf(c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }]));
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const bulk = err as unknown as MongoBulkWriteError;
    expect(bulk.insertedCount).toBe(2);
    const writeErrors = [bulk.writeErrors].flat();
    expect(writeErrors).toHaveLength(1);
    expect(writeErrors[0]!.index).toBe(2);
    expect(writeErrors[0]!.code).toBe(11000);
    expect(await idsOf(c, {})).toEqual([1, 2]);
  });

  it('unordered insertMany inserts everything but the duplicate', async () => {
    const c = fresh();
    const err = await rejectionOf(
      c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }, { _id: 1 }, { _id: 4 }], { ordered: false }),
    );
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const bulk = err as unknown as MongoBulkWriteError;
    expect(bulk.insertedCount).toBe(4);
    const writeErrors = [bulk.writeErrors].flat();
    expect(writeErrors.map((e) => e.index)).toEqual([2, 4]);
    expect(writeErrors.every((e) => e.code === 11000)).toBe(true);
    expect(await idsOf(c, {})).toEqual([1, 2, 3, 4]);
  });

  it('insertMany of 5,000 documents inserts them all', async () => {
    const c = fresh();
    const docs = Array.from({ length: 5_000 }, (_, i) => ({ i, pad: 'x'.repeat(100) }));
    const res = await c.insertMany(docs);
    expect(res.insertedCount).toBe(5_000);
    expect(await c.countDocuments()).toBe(5_000);
  });
});

describe('find and projection', () => {
  let c: Collection<Doc>;
  beforeAll(async () => {
    c = fresh();
    await c.insertMany([
      { _id: 1, a: 1, b: { c: 10, d: 20 }, arr: [{ x: 1, y: 2 }, { x: 3, y: 4 }], s: 'one' },
      { _id: 2, a: 2, b: { c: 11, d: 21 }, arr: [{ x: 5, y: 6 }], s: 'two' },
      { _id: 3, a: 3, b: { c: 12 }, s: 'three' },
    ]);
  });

  it('an empty filter returns all documents', async () => {
    expect(await c.find({}).toArray()).toHaveLength(3);
  });

  it('findOne with no match returns null', async () => {
    expect(await c.findOne({ a: 99 })).toBeNull();
  });

  it('inclusion projection keeps _id and the named fields only', async () => {
    const doc = await c.findOne({ _id: 1 }, { projection: { a: 1, s: 1 } });
    expect(doc).toEqual({ _id: 1, a: 1, s: 'one' });
  });

  it('exclusion projection removes the named fields only', async () => {
    const doc = await c.findOne({ _id: 1 }, { projection: { b: 0, arr: 0 } });
    expect(doc).toEqual({ _id: 1, a: 1, s: 'one' });
  });

  it('_id: 0 removes _id from an inclusion projection', async () => {
    const doc = await c.findOne({ _id: 2 }, { projection: { _id: 0, a: 1 } });
    expect(doc).toEqual({ a: 2 });
  });

  it('_id: 0 alone removes only _id', async () => {
    const doc = await c.findOne({ _id: 3 }, { projection: { _id: 0 } });
    expect(doc).toEqual({ a: 3, b: { c: 12 }, s: 'three' });
  });

  it('a dotted inclusion keeps the nested field inside its parent', async () => {
    const doc = await c.findOne({ _id: 1 }, { projection: { 'b.c': 1 } });
    expect(doc).toEqual({ _id: 1, b: { c: 10 } });
  });

  it('a dotted exclusion removes only the nested field', async () => {
    const doc = await c.findOne({ _id: 1 }, { projection: { 'b.c': 0, arr: 0 } });
    expect(doc).toEqual({ _id: 1, a: 1, b: { d: 20 }, s: 'one' });
  });

  it('a dotted inclusion through an array of documents projects every element', async () => {
    const doc = await c.findOne({ _id: 1 }, { projection: { 'arr.x': 1, _id: 0 } });
    expect(doc).toEqual({ arr: [{ x: 1 }, { x: 3 }] });
  });

  it('including a field that is missing yields no such field', async () => {
    const doc = await c.findOne({ _id: 3 }, { projection: { arr: 1 } });
    expect(doc).toEqual({ _id: 3 });
  });

  it('mixing inclusion and exclusion fails (31254)', async () => {
    const err = await rejectionOf(c.findOne({}, { projection: { a: 1, s: 0 } }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(31254);
  });

  it('mixing exclusion and inclusion fails (31253)', async () => {
    const err = await rejectionOf(c.findOne({}, { projection: { a: 0, s: 1 } }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(31253);
  });

  it('returns documents with fields in stored order', async () => {
    const doc = await c.findOne({ _id: 1 });
    expect(Object.keys(doc!)).toEqual(['_id', 'a', 'b', 'arr', 's']);
  });
});

describe('sort, skip and limit', () => {
  it('sorts by several keys with mixed directions', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 1, g: 'b', n: 1 },
      { _id: 2, g: 'a', n: 2 },
      { _id: 3, g: 'b', n: 3 },
      { _id: 4, g: 'a', n: 1 },
      { _id: 5, g: 'c', n: 0 },
    ]);
    const ids = (await c.find({}).sort({ g: 1, n: -1 }).toArray()).map((d): unknown => d._id);
    expect(ids).toEqual([2, 4, 3, 1, 5]);
  });

  it('sorts values of mixed types in BSON type order', async () => {
    const c = fresh();
    const oid = new ObjectId();
    await c.insertMany([
      { _id: 1, v: 'str' },
      { _id: 2, v: 10 },
      { _id: 3, v: null },
      { _id: 4, v: { o: 1 } },
      { _id: 5, v: oid },
      { _id: 6, v: true },
      { _id: 7, v: new Date(0) },
      { _id: 8, v: new MaxKey() },
      { _id: 9, v: new MinKey() },
      { _id: 10, v: 2.5 },
      { _id: 11, v: new Binary(Buffer.from([1])) },
      { _id: 12, v: new Timestamp({ t: 1, i: 1 }) },
      { _id: 13, v: /re/ },
    ]);
    const ids = (await c.find({}).sort({ v: 1 }).toArray()).map((d): unknown => d._id);
    // MinKey < null < numbers < string < object < BinData < ObjectId < bool < Date < Timestamp < regex < MaxKey
    expect(ids).toEqual([9, 3, 10, 2, 1, 4, 11, 5, 6, 7, 12, 13, 8]);
  });

  it('sorts missing fields together with null, before numbers', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 1, v: 5 }, { _id: 2 }, { _id: 3, v: null }, { _id: 4, v: -1 }]);
    const asc = (await c.find({}).sort({ v: 1, _id: 1 }).toArray()).map((d): unknown => d._id);
    expect(asc).toEqual([2, 3, 4, 1]);
    const desc = (await c.find({}).sort({ v: -1, _id: 1 }).toArray()).map((d): unknown => d._id);
    expect(desc).toEqual([1, 4, 2, 3]);
  });

  it('compares int, long, double and decimal numerically', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 1, v: new Int32(3) },
      { _id: 2, v: Long.fromNumber(1) },
      { _id: 3, v: new Double(2.5) },
      { _id: 4, v: Decimal128.fromString('2.75') },
      { _id: 5, v: new Double(-0.5) },
    ]);
    const ids = (await c.find({}).sort({ v: 1 }).toArray()).map((d): unknown => d._id);
    expect(ids).toEqual([5, 2, 3, 4, 1]);
  });

  it('sorts an array field by its smallest element ascending and its largest descending', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 'arr', v: [3, 1] },
      { _id: 'two', v: 2 },
    ]);
    expect((await c.find({}).sort({ v: 1 }).toArray()).map((d): unknown => d._id)).toEqual(['arr', 'two']);
    expect((await c.find({}).sort({ v: -1 }).toArray()).map((d): unknown => d._id)).toEqual(['arr', 'two']);
  });

  it('sorts by a dotted path', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 1, o: { k: 3 } },
      { _id: 2, o: { k: 1 } },
      { _id: 3, o: { k: 2 } },
    ]);
    expect((await c.find({}).sort({ 'o.k': -1 }).toArray()).map((d): unknown => d._id)).toEqual([1, 3, 2]);
  });

  it('skip and limit page through a sorted result', async () => {
    const c = fresh();
    await c.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i })));
    const page = await c.find({}).sort({ _id: 1 }).skip(5).limit(4).toArray();
    expect(page.map((d): unknown => d._id)).toEqual([5, 6, 7, 8]);
    expect(await c.find({}).sort({ _id: 1 }).skip(18).limit(10).toArray()).toHaveLength(2);
    expect(await c.find({}).skip(100).toArray()).toEqual([]);
  });

  it('limit(0) means no limit', async () => {
    const c = fresh();
    await c.insertMany(Array.from({ length: 7 }, (_, i) => ({ _id: i })));
    expect(await c.find({}).limit(0).toArray()).toHaveLength(7);
  });
});

describe('counting and distinct', () => {
  let c: Collection<Doc>;
  beforeAll(async () => {
    c = fresh();
    await c.insertMany([
      { _id: 1, k: 'a', tags: ['x', 'y'], o: { p: 1 } },
      { _id: 2, k: 'b', tags: ['y', 'z'], o: { p: 2 } },
      { _id: 3, k: 'a', tags: 'w', o: { p: 1 } },
      { _id: 4, k: new Int32(1), tags: [] },
      { _id: 4.5, k: new Double(1) },
    ]);
  });

  it('countDocuments counts all or the matching documents', async () => {
    expect(await c.countDocuments()).toBe(5);
    expect(await c.countDocuments({ k: 'a' })).toBe(2);
    expect(await c.countDocuments({ k: 'nope' })).toBe(0);
  });

  it('countDocuments honours skip and limit', async () => {
    expect(await c.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect(await c.countDocuments({}, { skip: 4 })).toBe(1);
  });

  it('estimatedDocumentCount counts all documents', async () => {
    expect(await c.estimatedDocumentCount()).toBe(5);
  });

  it('counts on a collection that does not exist are 0', async () => {
    const none = t.db.collection('never_created_crud');
    expect(await none.countDocuments()).toBe(0);
    expect(await none.estimatedDocumentCount()).toBe(0);
  });

  it('distinct returns each value once, merging equal numbers of different types', async () => {
    const values = await c.distinct('k');
    expect(values).toHaveLength(3);
    expect(values).toEqual(expect.arrayContaining(['a', 'b', 1]));
  });

  it('distinct flattens array values', async () => {
    const values = (await c.distinct('tags')) as string[];
    expect([...values].sort()).toEqual(['w', 'x', 'y', 'z']);
  });

  it('distinct with a filter and a dotted key', async () => {
    expect((await c.distinct('o.p', { k: 'a' })) as number[]).toEqual([1]);
  });

  it('distinct of a field nobody has is empty', async () => {
    expect(await c.distinct('missing')).toEqual([]);
  });
});

describe('delete', () => {
  it('deleteOne deletes a single matching document', async () => {
    const c = fresh();
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    const res = await c.deleteOne({ k: 1 });
    expect(res).toEqual({ acknowledged: true, deletedCount: 1 });
    expect(await c.countDocuments({ k: 1 })).toBe(1);
  });

  it('deleteMany deletes every matching document', async () => {
    const c = fresh();
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await c.deleteMany({ k: 1 })).deletedCount).toBe(2);
    expect(await c.countDocuments()).toBe(1);
  });

  it('deleting with no match reports 0', async () => {
    const c = fresh();
    await c.insertOne({ k: 1 });
    expect((await c.deleteOne({ k: 9 })).deletedCount).toBe(0);
    expect((await c.deleteMany({ k: 9 })).deletedCount).toBe(0);
  });

  it('deleteMany({}) empties the collection', async () => {
    const c = fresh();
    await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ i })));
    expect((await c.deleteMany({})).deletedCount).toBe(50);
    expect(await c.countDocuments()).toBe(0);
  });
});

describe('replace and update counts', () => {
  it('replaceOne replaces the whole document and keeps _id', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: 1, b: 2 });
    const res = await c.replaceOne({ _id: 1 }, { c: 3 });
    expect(res.matchedCount).toBe(1);
    expect(res.modifiedCount).toBe(1);
    expect(res.upsertedId).toBeNull();
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, c: 3 });
  });

  it('replaceOne with an identical document reports modifiedCount 0', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: 1 });
    const res = await c.replaceOne({ _id: 1 }, { a: 1 });
    expect(res.matchedCount).toBe(1);
    expect(res.modifiedCount).toBe(0);
  });

  it('replaceOne with no match reports 0/0', async () => {
    const c = fresh();
    const res = await c.replaceOne({ _id: 1 }, { a: 1 });
    expect(res.matchedCount).toBe(0);
    expect(res.modifiedCount).toBe(0);
    expect(await c.countDocuments()).toBe(0);
  });

  it('updateOne updates one of several matches', async () => {
    const c = fresh();
    await c.insertMany([{ k: 1 }, { k: 1 }]);
    const res = await c.updateOne({ k: 1 }, { $set: { done: true } });
    expect(res.matchedCount).toBe(1);
    expect(res.modifiedCount).toBe(1);
    expect(await c.countDocuments({ done: true })).toBe(1);
  });

  it('updateMany updates every match', async () => {
    const c = fresh();
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    const res = await c.updateMany({ k: 1 }, { $set: { done: true } });
    expect(res.matchedCount).toBe(2);
    expect(res.modifiedCount).toBe(2);
    expect(res.upsertedCount).toBe(0);
  });

  it('a no-op $set counts as matched but not modified', async () => {
    const c = fresh();
    await c.insertMany([{ k: 1, v: 5 }, { k: 1, v: 6 }]);
    const one = await c.updateOne({ v: 5 }, { $set: { v: 5 } });
    expect(one.matchedCount).toBe(1);
    expect(one.modifiedCount).toBe(0);
    const many = await c.updateMany({ k: 1 }, { $set: { v: 5 } });
    expect(many.matchedCount).toBe(2);
    expect(many.modifiedCount).toBe(1);
  });

  it('an update with no match reports 0/0', async () => {
    const c = fresh();
    const res = await c.updateMany({ k: 1 }, { $set: { v: 1 } });
    expect(res.matchedCount).toBe(0);
    expect(res.modifiedCount).toBe(0);
  });
});

describe('bulkWrite', () => {
  it('applies mixed operations in order and sums the counts', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 1, k: 'a' },
      { _id: 2, k: 'b' },
      { _id: 3, k: 'b' },
    ]);
    const res = await c.bulkWrite([
      { insertOne: { document: { _id: 4, k: 'c' } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { v: 1 } } } },
      { updateMany: { filter: { k: 'b' }, update: { $set: { v: 2 } } } },
      { replaceOne: { filter: { _id: 4 }, replacement: { k: 'd' } } },
      { updateOne: { filter: { _id: 5 }, update: { $set: { k: 'e' } }, upsert: true } },
      { deleteOne: { filter: { _id: 1 } } },
      { deleteMany: { filter: { k: 'b' } } },
    ]);
    expect(res.insertedCount).toBe(1);
    expect(res.matchedCount).toBe(4);
    expect(res.modifiedCount).toBe(4);
    expect(res.upsertedCount).toBe(1);
    expect(res.upsertedIds).toEqual({ 4: 5 });
    expect(res.deletedCount).toBe(3);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 4, k: 'd' },
      { _id: 5, k: 'e' },
    ]);
  });

  it('an ordered bulkWrite stops at the first error', async () => {
    const c = fresh();
    const err = await rejectionOf(
      c.bulkWrite([
        { insertOne: { document: { _id: 1 } } },
        { insertOne: { document: { _id: 1 } } },
        { insertOne: { document: { _id: 2 } } },
      ]),
    );
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const writeErrors = [(err as unknown as MongoBulkWriteError).writeErrors].flat();
    expect(writeErrors[0]!.index).toBe(1);
    expect(await idsOf(c, {})).toEqual([1]);
  });

  it('an unordered bulkWrite continues past errors', async () => {
    const c = fresh();
    const err = await rejectionOf(
      c.bulkWrite(
        [
          { insertOne: { document: { _id: 1 } } },
          { insertOne: { document: { _id: 1 } } },
          { insertOne: { document: { _id: 2 } } },
        ],
        { ordered: false },
      ),
    );
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect((err as unknown as MongoBulkWriteError).insertedCount).toBe(2);
    expect(await idsOf(c, {})).toEqual([1, 2]);
  });
});

describe('BSON types round-trip', () => {
  it('ObjectId, Date, Binary, UUID, Decimal128, regex, Timestamp, null and nested arrays', async () => {
    const c = fresh();
    const oid = new ObjectId();
    const date = new Date('2024-02-29T12:34:56.789Z');
    const bin = new Binary(Buffer.from([0, 1, 2, 255]));
    const uuid = new UUID();
    const dec = Decimal128.fromString('1234567890.123456789012345678901234');
    const ts = new Timestamp({ t: 1_700_000_000, i: 7 });
    await c.insertOne({
      _id: 1,
      oid,
      date,
      bin,
      uuid,
      dec,
      re: /ab+c/i,
      ts,
      nul: null,
      nested: [[1, 2], [3, [4, [5]]], []],
      obj: { deep: { deeper: { deepest: 'x' } } },
      bool: false,
      str: 'héllo \u{1F600}',
      empty: {},
    });
    const doc = (await c.findOne({ _id: 1 }))!;
    expect(doc.oid).toBeInstanceOf(ObjectId);
    expect((doc.oid as ObjectId).equals(oid)).toBe(true);
    expect(doc.date).toBeInstanceOf(Date);
    expect((doc.date as Date).getTime()).toBe(date.getTime());
    expect(doc.bin).toBeInstanceOf(Binary);
    expect((doc.bin as Binary).sub_type).toBe(0);
    expect(Buffer.from((doc.bin as Binary).buffer).toString('hex')).toBe('000102ff');
    expect((doc.uuid as Binary).sub_type).toBe(4);
    expect(Buffer.from((doc.uuid as Binary).buffer).toString('hex')).toBe(uuid.toHexString(false));
    expect(doc.dec).toBeInstanceOf(Decimal128);
    expect((doc.dec as Decimal128).toString()).toBe('1234567890.123456789012345678901234');
    expect(doc.re).toBeInstanceOf(RegExp);
    expect((doc.re as RegExp).source).toBe('ab+c');
    expect((doc.re as RegExp).flags).toBe('i');
    expect(doc.ts).toBeInstanceOf(Timestamp);
    expect((doc.ts as Timestamp).t).toBe(1_700_000_000);
    expect((doc.ts as Timestamp).i).toBe(7);
    expect(doc.nul).toBeNull();
    expect(doc.nested).toEqual([[1, 2], [3, [4, [5]]], []]);
    expect(doc.obj).toEqual({ deep: { deeper: { deepest: 'x' } } });
    expect(doc.bool).toBe(false);
    expect(doc.str).toBe('héllo \u{1F600}');
    expect(doc.empty).toEqual({});
  });

  it('a Long beyond 2^53 keeps every digit (useBigInt64)', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, big: Long.fromString('9007199254740993'), neg: Long.fromString('-9223372036854775808') });
    const doc = (await c.findOne({ _id: 1 }, { useBigInt64: true }))!;
    expect(doc.big).toBe(9007199254740993n);
    expect(doc.neg).toBe(-9223372036854775808n);
  });

  it('a Long beyond 2^53 keeps every digit (promoteLongs: false)', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, big: Long.fromString('9007199254740993') });
    const doc = (await c.findOne({ _id: 1 }, { promoteLongs: false }))!;
    expect(doc.big).toBeInstanceOf(Long);
    expect((doc.big as Long).toString()).toBe('9007199254740993');
  });

  it('an equality query on a Long beyond 2^53 is exact', async () => {
    const c = fresh();
    await c.insertMany([
      { _id: 'a', n: Long.fromString('9007199254740992') },
      { _id: 'b', n: Long.fromString('9007199254740993') },
    ]);
    expect(await idsOf(c, { n: Long.fromString('9007199254740993') })).toEqual(['b']);
    expect(await idsOf(c, { n: { $gt: Long.fromString('9007199254740992') } })).toEqual(['b']);
  });

  it('keeps int32, int64 and double distinct (promoteValues: false)', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, i: new Int32(5), l: Long.fromNumber(5), d: new Double(5) });
    const doc = (await c.findOne({ _id: 1 }, { promoteValues: false }))!;
    if (t.mongo.kind === 'embedded') {
      // Documented difference (docs/embedded-engine.md, "Known differences"): the engine holds numbers as JS
      // numbers, so an integral int64 or double within int32 range comes back as an int32.
      expect([doc.i, doc.l, doc.d].map((v) => (v as Int32)._bsontype)).toEqual(['Int32', 'Int32', 'Int32']);
    } else {
      expect((doc.i as Int32)._bsontype).toBe('Int32');
      expect((doc.l as Long)._bsontype).toBe('Long');
      expect((doc.d as Double)._bsontype).toBe('Double');
    }
    // With default promotion all three read back as the JS number 5.
    const plain = (await c.findOne({ _id: 1 }))!;
    expect([plain.i, plain.l, plain.d]).toEqual([5, 5, 5]);
  });

  it('keys containing "." or "$" inside nested objects round-trip', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, meta: { 'a.b': 1, $c: 2, 'x$y': 3 } });
    const doc = (await c.findOne({ _id: 1 }))!;
    expect(doc.meta).toEqual({ 'a.b': 1, $c: 2, 'x$y': 3 });
  });

  it('a Date before 1970 and far in the future round-trip', async () => {
    const c = fresh();
    const past = new Date('1901-01-01T00:00:00.001Z');
    const future = new Date('2999-12-31T23:59:59.999Z');
    await c.insertOne({ _id: 1, past, future });
    const doc = (await c.findOne({ _id: 1 }))!;
    expect((doc.past as Date).getTime()).toBe(past.getTime());
    expect((doc.future as Date).getTime()).toBe(future.getTime());
  });
});

describe('query operators', () => {
  let c: Collection<Doc>;
  beforeAll(async () => {
    c = fresh();
    await c.insertMany([
      { _id: 1, n: 1, s: 'apple', tags: ['red', 'fruit'], o: { k: 1 }, items: [{ q: 1, c: 'a' }, { q: 10, c: 'b' }] },
      { _id: 2, n: 5, s: 'banana', tags: ['yellow', 'fruit'], o: { k: 2 }, items: [{ q: 3, c: 'a' }] },
      { _id: 3, n: 10, s: 'Cherry', tags: ['red'], o: { k: 3, z: null } },
      { _id: 4, n: null, s: 'date', tags: [] },
      { _id: 5, s: 'elder', tags: 'red' },
      { _id: 6, n: '7', s: 'fig', arr: [[1, 2], [3]] },
      { _id: 7, n: 2.5, s: 'grape', tags: ['green', 'fruit', 'red'], nums: [1, 5, 9] },
    ]);
  });

  it('$eq and implicit equality', async () => {
    expect(await idsOf(c, { n: 5 })).toEqual([2]);
    expect(await idsOf(c, { n: { $eq: 5 } })).toEqual([2]);
    expect(await idsOf(c, { s: 'date' })).toEqual([4]);
  });

  it('equality on an array field matches any element, or the whole array', async () => {
    expect(await idsOf(c, { tags: 'red' })).toEqual([1, 3, 5, 7]);
    expect(await idsOf(c, { tags: ['red', 'fruit'] })).toEqual([1]);
    expect(await idsOf(c, { tags: ['fruit', 'red'] })).toEqual([]);
    expect(await idsOf(c, { tags: [] })).toEqual([4]);
    expect(await idsOf(c, { arr: [3] })).toEqual([6]);
  });

  it('equality on an embedded document is exact and order-sensitive', async () => {
    expect(await idsOf(c, { o: { k: 1 } })).toEqual([1]);
    expect(await idsOf(c, { o: { k: 3, z: null } })).toEqual([3]);
    expect(await idsOf(c, { o: { z: null, k: 3 } })).toEqual([]);
  });

  it('$ne also matches documents without the field', async () => {
    expect(await idsOf(c, { n: { $ne: 5 } })).toEqual([1, 3, 4, 5, 6, 7]);
    expect(await idsOf(c, { tags: { $ne: 'red' } })).toEqual([2, 4, 6]);
  });

  it('$gt/$gte/$lt/$lte compare within the same type bracket only', async () => {
    expect(await idsOf(c, { n: { $gt: 2 } })).toEqual([2, 3, 7]);
    expect(await idsOf(c, { n: { $gte: 5 } })).toEqual([2, 3]);
    expect(await idsOf(c, { n: { $lt: 5 } })).toEqual([1, 7]);
    expect(await idsOf(c, { n: { $lte: 5 } })).toEqual([1, 2, 7]);
    expect(await idsOf(c, { n: { $gt: 1, $lt: 10 } })).toEqual([2, 7]);
    expect(await idsOf(c, { s: { $gte: 'banana', $lt: 'elder' } })).toEqual([2, 4]);
    expect(await idsOf(c, { n: { $gt: '0' } })).toEqual([6]);
  });

  it('comparison on an array matches when any element does', async () => {
    expect(await idsOf(c, { nums: { $gt: 8 } })).toEqual([7]);
    expect(await idsOf(c, { nums: { $gt: 2, $lt: 4 } })).toEqual([7]);
    expect(await idsOf(c, { nums: { $elemMatch: { $gt: 2, $lt: 4 } } })).toEqual([]);
  });

  it('$in and $nin (which matches missing fields)', async () => {
    expect(await idsOf(c, { n: { $in: [1, 10, 99] } })).toEqual([1, 3]);
    expect(await idsOf(c, { tags: { $in: ['yellow', 'green'] } })).toEqual([2, 7]);
    expect(await idsOf(c, { s: { $in: [/^a/, 'fig'] } })).toEqual([1, 6]);
    expect(await idsOf(c, { n: { $nin: [1, 5, 10] } })).toEqual([4, 5, 6, 7]);
  });

  it('$exists', async () => {
    expect(await idsOf(c, { n: { $exists: true } })).toEqual([1, 2, 3, 4, 6, 7]);
    expect(await idsOf(c, { n: { $exists: false } })).toEqual([5]);
    expect(await idsOf(c, { 'o.z': { $exists: true } })).toEqual([3]);
  });

  it('null matches null and missing fields', async () => {
    expect(await idsOf(c, { n: null })).toEqual([4, 5]);
    expect(await idsOf(c, { n: { $in: [null] } })).toEqual([4, 5]);
    expect(await idsOf(c, { n: { $ne: null } })).toEqual([1, 2, 3, 6, 7]);
    expect(await idsOf(c, { n: { $exists: true, $eq: null } })).toEqual([4]);
    expect(await idsOf(c, { 'o.z': null })).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('$type by alias and by number', async () => {
    expect(await idsOf(c, { n: { $type: 'string' } })).toEqual([6]);
    expect(await idsOf(c, { n: { $type: 2 } })).toEqual([6]);
    expect(await idsOf(c, { n: { $type: 'null' } })).toEqual([4]);
    expect(await idsOf(c, { n: { $type: 'number' } })).toEqual([1, 2, 3, 7]);
    expect(await idsOf(c, { n: { $type: 'double' } })).toEqual([7]);
    expect(await idsOf(c, { tags: { $type: 'array' } })).toEqual([1, 2, 3, 4, 7]);
    expect(await idsOf(c, { n: { $type: ['string', 'null'] } })).toEqual([4, 6]);
  });

  it('$type tells int, long and double apart', async () => {
    const t2 = fresh();
    await t2.insertMany([
      { _id: 'i', v: new Int32(1) },
      { _id: 'l', v: Long.fromNumber(1) },
      { _id: 'd', v: new Double(1) },
      { _id: 'm', v: Decimal128.fromString('1') },
    ]);
    if (t.mongo.kind === 'embedded') {
      // Documented difference: $type reports the type a number is sent back as (int32 here for all three).
      expect(await idsOf(t2, { v: { $type: 'int' } })).toEqual(['d', 'i', 'l']);
      expect(await idsOf(t2, { v: { $type: 'long' } })).toEqual([]);
      expect(await idsOf(t2, { v: { $type: 'double' } })).toEqual([]);
      expect(await idsOf(t2, { v: { $type: 'number' } })).toEqual(['d', 'i', 'l', 'm']);
    } else {
      expect(await idsOf(t2, { v: { $type: 'int' } })).toEqual(['i']);
      expect(await idsOf(t2, { v: { $type: 'long' } })).toEqual(['l']);
      expect(await idsOf(t2, { v: { $type: 'double' } })).toEqual(['d']);
    }
    expect(await idsOf(t2, { v: { $type: 'decimal' } })).toEqual(['m']);
    expect(await idsOf(t2, { v: 1 })).toEqual(['d', 'i', 'l', 'm']);
  });

  it('$regex with options, regex literals, and regex against array elements', async () => {
    expect(await idsOf(c, { s: { $regex: '^c', $options: 'i' } })).toEqual([3]);
    expect(await idsOf(c, { s: { $regex: '^c' } })).toEqual([]);
    expect(await idsOf(c, { s: /an/ })).toEqual([2]);
    expect(await idsOf(c, { s: { $regex: /E$/i } })).toEqual([1, 4, 7]);
    expect(await idsOf(c, { tags: /^gr/ })).toEqual([7]);
  });

  it('$and, $or and $nor', async () => {
    expect(await idsOf(c, { $and: [{ tags: 'red' }, { tags: 'fruit' }] })).toEqual([1, 7]);
    expect(await idsOf(c, { $or: [{ n: 1 }, { s: 'fig' }] })).toEqual([1, 6]);
    expect(await idsOf(c, { $nor: [{ tags: 'red' }, { n: { $exists: false } }] })).toEqual([2, 4, 6]);
    expect(await idsOf(c, { n: { $gt: 0 }, $or: [{ tags: 'yellow' }, { tags: 'green' }] })).toEqual([2, 7]);
  });

  it('$not negates an operator expression and matches missing fields', async () => {
    expect(await idsOf(c, { n: { $not: { $gt: 2 } } })).toEqual([1, 4, 5, 6]);
    expect(await idsOf(c, { s: { $not: /^[a-c]/ } })).toEqual([3, 4, 5, 6, 7]);
  });

  it('$elemMatch on documents requires one element to satisfy every condition', async () => {
    expect(await idsOf(c, { items: { $elemMatch: { q: { $gte: 5 }, c: 'b' } } })).toEqual([1]);
    expect(await idsOf(c, { items: { $elemMatch: { q: { $gte: 5 }, c: 'a' } } })).toEqual([]);
    // Without $elemMatch each condition may be satisfied by a different element.
    expect(await idsOf(c, { 'items.q': { $gte: 5 }, 'items.c': 'a' })).toEqual([1]);
  });

  it('$size', async () => {
    expect(await idsOf(c, { tags: { $size: 2 } })).toEqual([1, 2]);
    expect(await idsOf(c, { tags: { $size: 0 } })).toEqual([4]);
  });

  it('$all', async () => {
    expect(await idsOf(c, { tags: { $all: ['red', 'fruit'] } })).toEqual([1, 7]);
    expect(await idsOf(c, { tags: { $all: ['red'] } })).toEqual([1, 3, 5, 7]);
  });

  it('dotted paths reach into arrays of documents and array indexes', async () => {
    expect(await idsOf(c, { 'items.c': 'b' })).toEqual([1]);
    expect(await idsOf(c, { 'items.q': { $lt: 2 } })).toEqual([1]);
    expect(await idsOf(c, { 'items.0.q': 3 })).toEqual([2]);
    expect(await idsOf(c, { 'tags.0': 'red' })).toEqual([1, 3]);
    expect(await idsOf(c, { 'arr.0.1': 2 })).toEqual([6]);
    expect(await idsOf(c, { 'o.k': { $gte: 2 } })).toEqual([2, 3]);
  });

  it('$mod and $expr', async () => {
    expect(await idsOf(c, { n: { $mod: [5, 0] } })).toEqual([2, 3]);
    const t2 = fresh();
    await t2.insertMany([
      { _id: 1, a: 5, b: 3 },
      { _id: 2, a: 1, b: 3 },
    ]);
    expect(await idsOf(t2, { $expr: { $gt: ['$a', '$b'] } })).toEqual([1]);
  });
});
