// Update operators through the real driver, with mongod 7.0's results and error codes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Int32, Long, MongoServerError, Timestamp, type Collection, type Document } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let seq = 0;
const fresh = (): Collection<Doc> => t.db.collection<Doc>(`upd_${++seq}`);

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

/** Inserts `doc` (with `_id: 1`) into a fresh collection, applies `update`, returns the result and the new document. */
async function applyTo(doc: Doc, update: Document | Document[], options: { arrayFilters?: Doc[] } = {}) {
  const c = fresh();
  await c.insertOne({ _id: 1, ...doc });
  const res = await c.updateOne({ _id: 1 }, update, options);
  const after = await c.findOne({ _id: 1 });
  return { res, after: after!, c };
}

/** Inserts `doc`, applies `update`, and returns the error (the document must be unchanged). */
async function failureOf(doc: Doc, update: Document | Document[], options: { arrayFilters?: Doc[] } = {}) {
  const c = fresh();
  await c.insertOne({ _id: 1, ...doc });
  const err = await rejectionOf(c.updateOne({ _id: 1 }, update, options));
  expect(err).toBeInstanceOf(MongoServerError);
  expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, ...doc });
  return err;
}

describe('$set', () => {
  it('sets top-level fields and creates nested documents for dotted paths', async () => {
    const { after } = await applyTo({}, { $set: { 'a.b.c': 1, x: 'y' } });
    expect(after).toEqual({ _id: 1, a: { b: { c: 1 } }, x: 'y' });
  });

  it('keeps the siblings of a nested field', async () => {
    const { after } = await applyTo({ a: { b: 1, c: 2 } }, { $set: { 'a.c': 3, 'a.d': 4 } });
    expect(after).toEqual({ _id: 1, a: { b: 1, c: 3, d: 4 } });
  });

  it('keeps the position of an existing field', async () => {
    const { after } = await applyTo({ a: 1, b: 2, c: 3 }, { $set: { b: 20 } });
    expect(Object.keys(after)).toEqual(['_id', 'a', 'b', 'c']);
    expect(after.b).toBe(20);
  });

  it('appends new fields in lexicographic order of their names', async () => {
    const { after } = await applyTo({ m: 1 }, { $set: { z: 1, b: 1 } });
    expect(Object.keys(after)).toEqual(['_id', 'm', 'b', 'z']);
  });

  it('sets an array element by index and pads with null past the end', async () => {
    const { after } = await applyTo({ arr: ['a', 'b', 'c'] }, { $set: { 'arr.1': 'X', 'arr.4': 'Y' } });
    expect(after.arr).toEqual(['a', 'X', 'c', null, 'Y']);
  });

  it('replaces a whole embedded document', async () => {
    const { after } = await applyTo({ o: { a: 1, b: 2 } }, { $set: { o: { c: 3 } } });
    expect(after.o).toEqual({ c: 3 });
  });

  it('an empty $set is a no-op, not an error', async () => {
    const { res, after } = await applyTo({ a: 1 }, { $set: {} });
    expect(res.matchedCount).toBe(1);
    expect(res.modifiedCount).toBe(0);
    expect(after).toEqual({ _id: 1, a: 1 });
  });

  it('setting a field below a scalar fails with PathNotViable (28)', async () => {
    const err = await failureOf({ s: 5 }, { $set: { 's.x': 1 } });
    expect(err.code).toBe(28);
  });
});

describe('$unset', () => {
  it('removes top-level and nested fields', async () => {
    const { after } = await applyTo({ a: 1, b: { c: 1, d: 2 } }, { $unset: { a: '', 'b.c': 1 } });
    expect(after).toEqual({ _id: 1, b: { d: 2 } });
  });

  it('unsetting a missing field matches but does not modify', async () => {
    const { res } = await applyTo({ a: 1 }, { $unset: { nope: '' } });
    expect(res.matchedCount).toBe(1);
    expect(res.modifiedCount).toBe(0);
  });

  it('unsetting an array element sets it to null', async () => {
    const { after } = await applyTo({ arr: [1, 2, 3] }, { $unset: { 'arr.1': '' } });
    expect(after.arr).toEqual([1, null, 3]);
  });
});

describe('$inc', () => {
  it('creates a missing field with the increment', async () => {
    const { after } = await applyTo({}, { $inc: { n: 5, 'o.m': 2 } });
    expect(after).toEqual({ _id: 1, n: 5, o: { m: 2 } });
  });

  it('adds negative and fractional amounts', async () => {
    const { after } = await applyTo({ a: 10, b: 0.1 }, { $inc: { a: -3, b: 0.2 } });
    expect(after.a).toBe(7);
    expect(after.b).toBe(0.1 + 0.2);
  });

  it('int + int stays int, int + double becomes double', async () => {
    const { c } = await applyTo({ i: new Int32(5), j: new Int32(5) }, { $inc: { i: 1, j: 0.5 } });
    expect(await c.countDocuments({ i: { $type: 'int' } })).toBe(1);
    expect(await c.countDocuments({ j: { $type: 'double' } })).toBe(1);
    const doc = (await c.findOne({ _id: 1 }))!;
    expect([doc.i, doc.j]).toEqual([6, 5.5]);
  });

  it('an int32 overflow is promoted to int64', async () => {
    const { c, after } = await applyTo({ n: new Int32(2_147_483_647) }, { $inc: { n: 1 } });
    expect(after.n).toBe(2_147_483_648);
    // Documented difference: the embedded engine holds the sum as a JS number, sent back as a double.
    const expectedType = t.mongo.kind === 'embedded' ? 'double' : 'long';
    expect(await c.countDocuments({ n: { $type: expectedType } })).toBe(1);
  });

  it('increments a Long beyond 2^53 exactly', async () => {
    const { c } = await applyTo({ l: Long.fromString('9007199254740993') }, { $inc: { l: 1 } });
    const doc = (await c.findOne({ _id: 1 }, { useBigInt64: true }))!;
    expect(doc.l).toBe(9007199254740994n);
    expect(await c.countDocuments({ l: { $type: 'long' } })).toBe(1);
  });

  it('incrementing a non-number fails with TypeMismatch (14)', async () => {
    const err = await failureOf({ s: 'x' }, { $inc: { s: 1 } });
    expect(err.code).toBe(14);
  });

  it('a non-numeric increment fails with TypeMismatch (14)', async () => {
    const err = await failureOf({ n: 1 }, { $inc: { n: 'one' } });
    expect(err.code).toBe(14);
  });
});

describe('$mul, $min, $max', () => {
  it('$mul multiplies', async () => {
    const { after } = await applyTo({ a: 5, b: 2 }, { $mul: { a: 3, b: 1.5 } });
    expect(after.a).toBe(15);
    expect(after.b).toBe(3);
  });

  it('$mul on a missing field sets 0', async () => {
    const { after } = await applyTo({}, { $mul: { a: 7 } });
    expect(after.a).toBe(0);
  });

  it('$min lowers, and leaves a smaller value alone', async () => {
    const lower = await applyTo({ a: 5 }, { $min: { a: 3 } });
    expect(lower.after.a).toBe(3);
    const same = await applyTo({ a: 5 }, { $min: { a: 8 } });
    expect(same.after.a).toBe(5);
    expect(same.res.modifiedCount).toBe(0);
  });

  it('$max raises, and leaves a larger value alone', async () => {
    const higher = await applyTo({ a: 5 }, { $max: { a: 9 } });
    expect(higher.after.a).toBe(9);
    const same = await applyTo({ a: 5 }, { $max: { a: 1 } });
    expect(same.after.a).toBe(5);
    expect(same.res.modifiedCount).toBe(0);
  });

  it('$min/$max set missing fields and compare dates', async () => {
    const early = new Date('2020-01-01T00:00:00Z');
    const late = new Date('2030-01-01T00:00:00Z');
    const { after } = await applyTo({ d: new Date('2025-01-01T00:00:00Z') }, { $min: { d: early, m: 4 }, $max: { e: late } });
    expect((after.d as Date).getTime()).toBe(early.getTime());
    expect(after.m).toBe(4);
    expect((after.e as Date).getTime()).toBe(late.getTime());
  });

  it('$min/$max compare across types in BSON order, create nested paths, and combine with $set and $unset', async () => {
    // Strings sort after numbers: $max takes the string, $min keeps the number.
    const { after } = await applyTo({ a: 5, b: 5, c: 1, gone: true }, { $max: { a: 'x', 'n.deep': 2 }, $min: { b: 'x' }, $set: { c: 2 }, $unset: { gone: '' } });
    expect(after).toEqual({ _id: 1, a: 'x', b: 5, c: 2, n: { deep: 2 } });
    const { after: dates } = await applyTo({ when: new Date('2025-01-01T00:00:00Z') }, { $max: { when: new Date('2024-01-01T00:00:00Z') } });
    expect((dates.when as Date).toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });
});

describe('$rename', () => {
  it('renames a top-level field', async () => {
    const { after } = await applyTo({ a: 1, b: 2 }, { $rename: { a: 'z' } });
    expect(after).toEqual({ _id: 1, b: 2, z: 1 });
  });

  it('renames across nesting levels', async () => {
    const { after } = await applyTo({ x: { y: 1, k: 2 } }, { $rename: { 'x.y': 'top', 'x.k': 'n.m' } });
    expect(after).toEqual({ _id: 1, x: {}, top: 1, n: { m: 2 } });
  });

  it('overwrites an existing target field', async () => {
    const { after } = await applyTo({ a: 1, b: 2 }, { $rename: { a: 'b' } });
    expect(after).toEqual({ _id: 1, b: 1 });
  });

  it('renaming a missing field is a no-op', async () => {
    const { res, after } = await applyTo({ a: 1 }, { $rename: { nope: 'other' } });
    expect(res.modifiedCount).toBe(0);
    expect(after).toEqual({ _id: 1, a: 1 });
  });
});

describe('$push', () => {
  it('appends one value, creating the array when missing', async () => {
    const { after } = await applyTo({ arr: [1] }, { $push: { arr: 2, fresh: 'x' } });
    expect(after.arr).toEqual([1, 2]);
    expect(after.fresh).toEqual(['x']);
  });

  it('pushes an array as a single element without $each', async () => {
    const { after } = await applyTo({ arr: [1] }, { $push: { arr: [2, 3] } });
    expect(after.arr).toEqual([1, [2, 3]]);
  });

  it('$each appends several values', async () => {
    const { after } = await applyTo({ arr: [1] }, { $push: { arr: { $each: [2, 3] } } });
    expect(after.arr).toEqual([1, 2, 3]);
  });

  it('$slice keeps the last or first N', async () => {
    const last = await applyTo({ arr: [1, 2, 3] }, { $push: { arr: { $each: [4, 5], $slice: -2 } } });
    expect(last.after.arr).toEqual([4, 5]);
    const first = await applyTo({ arr: [1, 2, 3] }, { $push: { arr: { $each: [4, 5], $slice: 2 } } });
    expect(first.after.arr).toEqual([1, 2]);
    const none = await applyTo({ arr: [1, 2, 3] }, { $push: { arr: { $each: [4], $slice: 0 } } });
    expect(none.after.arr).toEqual([]);
  });

  it('$sort sorts values and documents, then $slice trims', async () => {
    const values = await applyTo({ arr: [3, 1] }, { $push: { arr: { $each: [2], $sort: -1 } } });
    expect(values.after.arr).toEqual([3, 2, 1]);
    const docs = await applyTo(
      { arr: [{ s: 5, n: 'a' }, { s: 9, n: 'b' }] },
      { $push: { arr: { $each: [{ s: 7, n: 'c' }], $sort: { s: -1 }, $slice: 2 } } },
    );
    expect(docs.after.arr).toEqual([{ s: 9, n: 'b' }, { s: 7, n: 'c' }]);
    const onlySort = await applyTo({ arr: [2, 3, 1] }, { $push: { arr: { $each: [], $sort: 1 } } });
    expect(onlySort.after.arr).toEqual([1, 2, 3]);
  });

  it('$position inserts at an index (negative counts from the end)', async () => {
    const front = await applyTo({ arr: [1, 2] }, { $push: { arr: { $each: ['x', 'y'], $position: 0 } } });
    expect(front.after.arr).toEqual(['x', 'y', 1, 2]);
    const beforeLast = await applyTo({ arr: [1, 2, 3] }, { $push: { arr: { $each: [9], $position: -1 } } });
    expect(beforeLast.after.arr).toEqual([1, 2, 9, 3]);
  });

  it('creates a missing array with $sort, $slice and $position applied, nested paths included', async () => {
    const { after } = await applyTo({}, {
      $push: {
        last: { $each: [1, 2, 3], $slice: -2 },
        sorted: { $each: [{ s: 2 }, { s: 9 }, { s: 5 }], $sort: { s: -1 }, $slice: 2 },
        'nested.top': { $each: [3, 1, 2], $sort: 1, $slice: 1, $position: 0 },
        empty: { $each: [1], $slice: 0 },
      },
    });
    expect(after).toEqual({ _id: 1, empty: [], last: [2, 3], nested: { top: [1] }, sorted: [{ s: 9 }, { s: 5 }] });
  });

  it('pushing onto a non-array fails with BadValue (2)', async () => {
    const err = await failureOf({ arr: 5 }, { $push: { arr: 1 } });
    expect(err.code).toBe(2);
  });
});

describe('$addToSet', () => {
  it('adds a value only when absent', async () => {
    const added = await applyTo({ s: ['a'] }, { $addToSet: { s: 'b' } });
    expect(added.after.s).toEqual(['a', 'b']);
    const present = await applyTo({ s: ['a'] }, { $addToSet: { s: 'a' } });
    expect(present.after.s).toEqual(['a']);
    expect(present.res.modifiedCount).toBe(0);
  });

  it('$each adds each absent value once', async () => {
    const { after } = await applyTo({ s: ['a', 'b'] }, { $addToSet: { s: { $each: ['b', 'c', 'c', 'd'] } } });
    expect(after.s).toEqual(['a', 'b', 'c', 'd']);
  });

  it('compares documents by exact field order', async () => {
    const { after } = await applyTo({ s: [{ a: 1, b: 2 }] }, { $addToSet: { s: { $each: [{ a: 1, b: 2 }, { b: 2, a: 1 }] } } });
    expect(after.s).toEqual([{ a: 1, b: 2 }, { b: 2, a: 1 }]);
  });

  it('creates the array when missing', async () => {
    const { after } = await applyTo({}, { $addToSet: { s: 1 } });
    expect(after.s).toEqual([1]);
  });
});

describe('$pop, $pull, $pullAll', () => {
  it('$pop 1 removes the last element, -1 the first', async () => {
    const last = await applyTo({ arr: [1, 2, 3] }, { $pop: { arr: 1 } });
    expect(last.after.arr).toEqual([1, 2]);
    const first = await applyTo({ arr: [1, 2, 3] }, { $pop: { arr: -1 } });
    expect(first.after.arr).toEqual([2, 3]);
  });

  it('$pop on an empty array is a no-op', async () => {
    const { res, after } = await applyTo({ arr: [] }, { $pop: { arr: 1 } });
    expect(res.modifiedCount).toBe(0);
    expect(after.arr).toEqual([]);
  });

  it('$pull removes every equal value', async () => {
    const { after } = await applyTo({ arr: [1, 2, 1, 3] }, { $pull: { arr: 1 } });
    expect(after.arr).toEqual([2, 3]);
  });

  it('$pull removes values matching a condition', async () => {
    const { after } = await applyTo({ arr: [3, 6, 9, 5, 7] }, { $pull: { arr: { $gte: 6 } } });
    expect(after.arr).toEqual([3, 5]);
  });

  it('$pull removes documents matching a query on their fields', async () => {
    const { after } = await applyTo(
      { items: [{ n: 'a', q: 1 }, { n: 'b', q: 10 }, { n: 'c', q: 2, extra: true }] },
      { $pull: { items: { q: { $lt: 5 } } } },
    );
    expect(after.items).toEqual([{ n: 'b', q: 10 }]);
  });

  it('$pull with a partial document removes elements that contain it', async () => {
    const { after } = await applyTo({ items: [{ n: 'a', q: 1 }, { n: 'b', q: 2 }] }, { $pull: { items: { n: 'a' } } });
    expect(after.items).toEqual([{ n: 'b', q: 2 }]);
  });

  it('$pullAll removes every listed value', async () => {
    const { after } = await applyTo({ arr: [1, 2, 1, 3, 4] }, { $pullAll: { arr: [1, 3] } });
    expect(after.arr).toEqual([2, 4]);
  });
});

describe('$currentDate', () => {
  it('sets a Date or a Timestamp to the server time', async () => {
    const before = Date.now();
    const { after } = await applyTo({}, { $currentDate: { d: true, e: { $type: 'date' }, ts: { $type: 'timestamp' } } });
    const now = Date.now();
    expect(after.d).toBeInstanceOf(Date);
    expect(after.e).toBeInstanceOf(Date);
    // Generous bounds: a remote server's clock may differ a little from ours.
    expect((after.d as Date).getTime()).toBeGreaterThan(before - 60_000);
    expect((after.d as Date).getTime()).toBeLessThan(now + 60_000);
    expect(after.ts).toBeInstanceOf(Timestamp);
    expect((after.ts as Timestamp).t).toBeGreaterThan(Math.floor(before / 1000) - 60);
  });
});

describe('$setOnInsert', () => {
  it('is ignored when the update matches an existing document', async () => {
    const { after } = await applyTo({ a: 1 }, { $set: { b: 2 }, $setOnInsert: { created: true } });
    expect(after).toEqual({ _id: 1, a: 1, b: 2 });
  });

  it('is applied when an upsert inserts', async () => {
    const c = fresh();
    await c.updateOne({ _id: 7 }, { $set: { b: 2 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(await c.findOne({ _id: 7 })).toEqual({ _id: 7, b: 2, created: true });
  });
});

describe('positional updates', () => {
  it('$ updates the first element matched by the query', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, grades: [80, 85, 80] });
    await c.updateOne({ _id: 1, grades: 80 }, { $set: { 'grades.$': 82 } });
    expect((await c.findOne({ _id: 1 }))!.grades).toEqual([82, 85, 80]);
  });

  it('$ works on fields of array documents', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, items: [{ n: 'a', q: 1 }, { n: 'b', q: 2 }] });
    await c.updateOne({ _id: 1, 'items.n': 'b' }, { $inc: { 'items.$.q': 10 } });
    expect((await c.findOne({ _id: 1 }))!.items).toEqual([{ n: 'a', q: 1 }, { n: 'b', q: 12 }]);
  });

  it('$ with $elemMatch updates the element matching every condition', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, items: [{ n: 'a', q: 1 }, { n: 'a', q: 5 }] });
    await c.updateOne({ _id: 1, items: { $elemMatch: { n: 'a', q: { $gt: 2 } } } }, { $set: { 'items.$.hit': true } });
    expect((await c.findOne({ _id: 1 }))!.items).toEqual([{ n: 'a', q: 1 }, { n: 'a', q: 5, hit: true }]);
  });

  it('$ without the array in the query fails with BadValue (2)', async () => {
    const err = await failureOf({ grades: [1, 2] }, { $set: { 'grades.$': 9 } });
    expect(err.code).toBe(2);
  });

  it('$[] updates every element', async () => {
    const values = await applyTo({ g: [1, 2, 3] }, { $inc: { 'g.$[]': 10 } });
    expect(values.after.g).toEqual([11, 12, 13]);
    const docs = await applyTo({ items: [{ q: 1 }, { q: 2 }] }, { $set: { 'items.$[].done': true } });
    expect(docs.after.items).toEqual([{ q: 1, done: true }, { q: 2, done: true }]);
  });

  it('$[<id>] updates the elements selected by arrayFilters', async () => {
    const values = await applyTo({ g: [95, 102, 90, 150] }, { $set: { 'g.$[big]': 100 } }, { arrayFilters: [{ big: { $gte: 100 } }] });
    expect(values.after.g).toEqual([95, 100, 90, 100]);
    const docs = await applyTo(
      { items: [{ n: 'a', q: 1 }, { n: 'b', q: 2 }, { n: 'a', q: 3 }] },
      { $inc: { 'items.$[it].q': 10 } },
      { arrayFilters: [{ 'it.n': 'a' }] },
    );
    expect(docs.after.items).toEqual([{ n: 'a', q: 11 }, { n: 'b', q: 2 }, { n: 'a', q: 13 }]);
  });

  it('an array filter that is never used fails with FailedToParse (9)', async () => {
    const err = await failureOf({ g: [1] }, { $set: { 'g.$[]': 0 } }, { arrayFilters: [{ x: 1 }] });
    expect(err.code).toBe(9);
  });

  it('an identifier without an array filter fails with BadValue (2)', async () => {
    const err = await failureOf({ g: [1] }, { $set: { 'g.$[x]': 0 } });
    expect(err.code).toBe(2);
  });
});

describe('replacement and _id', () => {
  it('a replacement document keeps the _id', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: 1 });
    await c.replaceOne({ a: 1 }, { b: 2 });
    expect(await c.findOne({})).toEqual({ _id: 1, b: 2 });
  });

  it('a replacement repeating the same _id is allowed', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: 1 });
    await c.replaceOne({ _id: 1 }, { _id: 1, b: 2 });
    expect(await c.findOne({})).toEqual({ _id: 1, b: 2 });
  });

  it('changing _id with $set fails with ImmutableField (66)', async () => {
    const err = await failureOf({ a: 1 }, { $set: { _id: 2 } });
    expect(err.code).toBe(66);
  });

  it('changing _id with a replacement fails with ImmutableField (66)', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, a: 1 });
    const err = await rejectionOf(c.replaceOne({ _id: 1 }, { _id: 2, a: 1 }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(66);
    expect(await c.findOne({})).toEqual({ _id: 1, a: 1 });
  });
});

describe('invalid updates', () => {
  it('an unknown update operator fails with FailedToParse (9)', async () => {
    const err = await failureOf({ a: 1 }, { $foo: { a: 2 } });
    expect(err.code).toBe(9);
  });

  it('two operators on the same path fail with ConflictingUpdateOperators (40)', async () => {
    const err = await failureOf({ a: 1 }, { $set: { a: 2 }, $inc: { a: 1 } });
    expect(err.code).toBe(40);
  });

  it('a path and its parent in one update conflict (40)', async () => {
    const err = await failureOf({ a: { b: 1 } }, { $set: { a: { c: 1 }, 'a.b': 2 } });
    expect(err.code).toBe(40);
  });

  it('the client keeps working after update errors', async () => {
    const { after } = await applyTo({ a: 1 }, { $inc: { a: 1 } });
    expect(after.a).toBe(2);
  });
});

describe('updateMany and pipeline updates', () => {
  it('updateMany applies the operators to every match', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 1, k: 'x', n: 1 }, { _id: 2, k: 'x', n: 2 }, { _id: 3, k: 'y', n: 3 }]);
    const res = await c.updateMany({ k: 'x' }, { $inc: { n: 10 }, $push: { log: 'inc' } } as Document);
    expect(res.modifiedCount).toBe(2);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, k: 'x', n: 11, log: ['inc'] },
      { _id: 2, k: 'x', n: 12, log: ['inc'] },
      { _id: 3, k: 'y', n: 3 },
    ]);
  });

  it('a pipeline update computes from the document itself', async () => {
    const { after } = await applyTo({ a: 2, b: 3, tmp: 'x' }, [
      { $set: { total: { $add: ['$a', '$b'] }, tags: { $concatArrays: [['new'], ['more']] } } },
      { $unset: 'tmp' },
    ]);
    expect(after).toEqual({ _id: 1, a: 2, b: 3, total: 5, tags: ['new', 'more'] });
  });

  it('a pipeline update can use $$ROOT fields conditionally', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 1, n: 5 }, { _id: 2, n: 50 }]);
    await c.updateMany({}, [{ $set: { size: { $cond: [{ $gte: ['$n', 10] }, 'big', 'small'] } } }]);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 5, size: 'small' },
      { _id: 2, n: 50, size: 'big' },
    ]);
  });
});
