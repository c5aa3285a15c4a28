// Index management and unique-index enforcement through the real driver, as mongod 7.0 behaves.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Double, Int32, Long, MongoBulkWriteError, MongoServerError, type Collection } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let seq = 0;
const fresh = (): Collection<Doc> => t.db.collection<Doc>(`idx_${++seq}`);

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

async function indexNames(c: Collection<Doc>): Promise<string[]> {
  return (await c.listIndexes().toArray()).map((i) => i.name as string).sort();
}

/** Asserts a duplicate-key error in mongod's shape. */
function expectDuplicateKey(err: MongoServerError, c: Collection<Doc>, indexName: string, keyPattern: Doc, keyValue: Doc): void {
  expect(err).toBeInstanceOf(MongoServerError);
  expect(err.code).toBe(11000);
  expect(err.keyPattern).toEqual(keyPattern);
  expect(err.keyValue).toEqual(keyValue);
  expect(err.message).toContain('E11000 duplicate key error');
  expect(err.message).toContain(`collection: ${t.mongo.dbName}.${c.collectionName}`);
  expect(err.message).toContain(`index: ${indexName}`);
}

describe('creating and listing', () => {
  it('names indexes from their keys and always lists _id_', async () => {
    const c = fresh();
    expect(await c.createIndex({ a: 1 })).toBe('a_1');
    expect(await c.createIndex({ a: 1, b: -1 })).toBe('a_1_b_-1');
    expect(await c.createIndex({ 'x.y': -1 })).toBe('x.y_-1');
    expect(await indexNames(c)).toEqual(['_id_', 'a_1', 'a_1_b_-1', 'x.y_-1']);
  });

  it('lists key, name, v and the options given', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.createIndex({ s: 1 }, { sparse: true, name: 'sparse_s' });
    await c.createIndex({ p: 1 }, { partialFilterExpression: { status: 'active' } });
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 3600 });
    const byName = new Map((await c.listIndexes().toArray()).map((i) => [i.name as string, i] as const));
    expect(byName.get('_id_')).toMatchObject({ v: 2, key: { _id: 1 }, name: '_id_' });
    expect(byName.get('_id_')!.unique).toBeUndefined();
    expect(byName.get('email_1')).toMatchObject({ v: 2, key: { email: 1 }, name: 'email_1', unique: true });
    expect(byName.get('sparse_s')).toMatchObject({ key: { s: 1 }, sparse: true });
    expect(byName.get('p_1')).toMatchObject({ key: { p: 1 }, partialFilterExpression: { status: 'active' } });
    expect(byName.get('at_1')).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 3600 });
  });

  it('createIndex creates the collection', async () => {
    const c = fresh();
    await c.createIndex({ a: 1 });
    const names = (await t.db.listCollections({ name: c.collectionName }).toArray()).map((x) => x.name);
    expect(names).toEqual([c.collectionName]);
  });

  it('createIndexes creates several and returns their names', async () => {
    const c = fresh();
    const names = await c.createIndexes([{ key: { a: 1 } }, { key: { b: 1 }, name: 'bee' }]);
    expect(names).toEqual(['a_1', 'bee']);
    expect(await indexNames(c)).toEqual(['_id_', 'a_1', 'bee']);
  });

  it('creating the same index twice is a no-op', async () => {
    const c = fresh();
    expect(await c.createIndex({ a: 1 }, { unique: true })).toBe('a_1');
    expect(await c.createIndex({ a: 1 }, { unique: true })).toBe('a_1');
    expect(await indexNames(c)).toEqual(['_id_', 'a_1']);
  });

  it('the same keys under another name fail (85/86)', async () => {
    const c = fresh();
    await c.createIndex({ a: 1 });
    const err = await rejectionOf(c.createIndex({ a: 1 }, { name: 'other' }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect([85, 86]).toContain(err.code);
  });

  it('the same name with other keys fails (85/86)', async () => {
    const c = fresh();
    await c.createIndex({ a: 1 }, { name: 'shared' });
    const err = await rejectionOf(c.createIndex({ b: 1 }, { name: 'shared' }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect([85, 86]).toContain(err.code);
  });

  it('the same keys and name with other options fail (85/86)', async () => {
    const c = fresh();
    await c.createIndex({ a: 1 });
    const err = await rejectionOf(c.createIndex({ a: 1 }, { unique: true }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect([85, 86]).toContain(err.code);
    expect((await c.listIndexes().toArray()).find((i) => i.name === 'a_1')!.unique).toBeUndefined();
  });

  it('listIndexes on a collection that does not exist fails with NamespaceNotFound (26)', async () => {
    const err = await rejectionOf(t.db.collection('idx_never_created').listIndexes().toArray());
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(26);
  });
});

describe('unique enforcement', () => {
  it('a duplicate insert fails with 11000, keyPattern and keyValue', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ email: 'x@y' });
    const err = await rejectionOf(c.insertOne({ email: 'x@y' }));
    expectDuplicateKey(err, c, 'email_1', { email: 1 }, { email: 'x@y' });
    expect(await c.countDocuments()).toBe(1);
  });

  it('a compound unique index compares the whole key', async () => {
    const c = fresh();
    await c.createIndex({ a: 1, b: 1 }, { unique: true });
    await c.insertMany([{ a: 1, b: 1 }, { a: 1, b: 2 }, { a: 2, b: 1 }]);
    const err = await rejectionOf(c.insertOne({ b: 2, a: 1 }));
    expectDuplicateKey(err, c, 'a_1_b_1', { a: 1, b: 1 }, { a: 1, b: 2 });
  });

  it('documents missing the key count as null and collide', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ other: 1 });
    const err = await rejectionOf(c.insertOne({ other: 2 }));
    expectDuplicateKey(err, c, 'email_1', { email: 1 }, { email: null });
  });

  it('a unique index on an array field compares elements across documents', async () => {
    const c = fresh();
    await c.createIndex({ tags: 1 }, { unique: true });
    await c.insertOne({ tags: ['x', 'x'] });
    await c.insertOne({ tags: ['a', 'b'] });
    const err = await rejectionOf(c.insertOne({ tags: ['c', 'b'] }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
    expect(err.keyValue).toEqual({ tags: 'b' });
  });

  it('a unique index on a dotted path', async () => {
    const c = fresh();
    await c.createIndex({ 'u.id': 1 }, { unique: true });
    await c.insertOne({ u: { id: 7 } });
    const err = await rejectionOf(c.insertOne({ u: { id: 7, other: true } }));
    expectDuplicateKey(err, c, 'u.id_1', { 'u.id': 1 }, { 'u.id': 7 });
  });

  it('numbers of different types with the same value collide', async () => {
    const c = fresh();
    await c.createIndex({ n: 1 }, { unique: true });
    await c.insertOne({ n: new Int32(1) });
    expect((await rejectionOf(c.insertOne({ n: new Double(1) }))).code).toBe(11000);
    expect((await rejectionOf(c.insertOne({ n: Long.fromNumber(1) }))).code).toBe(11000);
  });

  it('an updateOne creating a duplicate fails and changes nothing', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertMany([{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }]);
    const err = await rejectionOf(c.updateOne({ _id: 2 }, { $set: { email: 'a' } }));
    expectDuplicateKey(err, c, 'email_1', { email: 1 }, { email: 'a' });
    expect((await c.findOne({ _id: 2 }))!.email).toBe('b');
  });

  it('an upsert inserting a duplicate fails', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ _id: 1, email: 'a', kind: 'x' });
    const err = await rejectionOf(c.updateOne({ kind: 'y' }, { $set: { email: 'a' } }, { upsert: true }));
    expectDuplicateKey(err, c, 'email_1', { email: 1 }, { email: 'a' });
    expect(await c.countDocuments()).toBe(1);
  });

  it('a findOneAndUpdate creating a duplicate fails with 11000', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertMany([{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }]);
    const err = await rejectionOf(c.findOneAndUpdate({ _id: 2 }, { $set: { email: 'a' } }));
    expectDuplicateKey(err, c, 'email_1', { email: 1 }, { email: 'a' });
    const upsertErr = await rejectionOf(c.findOneAndUpdate({ _id: 3 }, { $set: { email: 'b' } }, { upsert: true }));
    expectDuplicateKey(upsertErr, c, 'email_1', { email: 1 }, { email: 'b' });
    expect(await c.countDocuments()).toBe(2);
  });

  it('a replaceOne creating a duplicate fails', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertMany([{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }]);
    const err = await rejectionOf(c.replaceOne({ _id: 2 }, { email: 'a' }));
    expect(err.code).toBe(11000);
  });

  it('insertMany with a duplicate reports it as a write error', async () => {
    const c = fresh();
    await c.createIndex({ k: 1 }, { unique: true });
    const err = await rejectionOf(c.insertMany([{ k: 1 }, { k: 2 }, { k: 1 }], { ordered: false }));
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const writeErrors = [(err as unknown as MongoBulkWriteError).writeErrors].flat();
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[2, 11000]]);
    expect(await c.countDocuments()).toBe(2);
  });

  it('deleting or changing a value frees it', async () => {
    const c = fresh();
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertMany([{ _id: 1, k: 'a' }, { _id: 2, k: 'b' }]);
    await c.deleteOne({ _id: 1 });
    await c.insertOne({ _id: 3, k: 'a' });
    await c.updateOne({ _id: 2 }, { $set: { k: 'c' } });
    await c.insertOne({ _id: 4, k: 'b' });
    expect(await c.countDocuments()).toBe(3);
  });

  it('updating a document to the value it already has is not a duplicate', async () => {
    const c = fresh();
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ _id: 1, k: 'a', n: 1 });
    await c.updateOne({ _id: 1 }, { $set: { k: 'a', n: 2 } });
    expect((await c.findOne({ _id: 1 }))!.n).toBe(2);
  });

  it('creating a unique index over existing duplicates fails and creates nothing', async () => {
    const c = fresh();
    await c.insertMany([{ k: 1 }, { k: 1 }]);
    const err = await rejectionOf(c.createIndex({ k: 1 }, { unique: true }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
    expect(await indexNames(c)).toEqual(['_id_']);
  });

  it('a partial unique index only constrains documents matching its filter', async () => {
    const c = fresh();
    await c.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { status: 'active' } });
    await c.insertMany([
      { email: 'a', status: 'gone' },
      { email: 'a', status: 'gone' },
      { email: 'a', status: 'active' },
      { email: 'b' },
      { email: 'b' },
    ]);
    const err = await rejectionOf(c.insertOne({ email: 'a', status: 'active' }));
    expectDuplicateKey(err, c, 'email_1', { email: 1 }, { email: 'a' });
    // Moving a document into the filter is checked too.
    const moveErr = await rejectionOf(c.updateOne({ status: 'gone' }, { $set: { status: 'active' } }));
    expect(moveErr.code).toBe(11000);
    expect(await c.countDocuments()).toBe(5);
  });

  it('a sparse unique index ignores documents without the field', async () => {
    const c = fresh();
    await c.createIndex({ s: 1 }, { unique: true, sparse: true });
    await c.insertMany([{ x: 1 }, { x: 2 }, { s: 'v' }]);
    const err = await rejectionOf(c.insertOne({ s: 'v' }));
    expectDuplicateKey(err, c, 's_1', { s: 1 }, { s: 'v' });
    // A null value is indexed, so two explicit nulls collide.
    await c.insertOne({ s: null });
    expect((await rejectionOf(c.insertOne({ s: null }))).code).toBe(11000);
  });

  it('the _id index is always unique', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'same' });
    const err = await rejectionOf(c.insertOne({ _id: 'same' }));
    expectDuplicateKey(err, c, '_id_', { _id: 1 }, { _id: 'same' });
  });
});

describe('index entries follow updates', () => {
  it('an update leaves, moves or frees the entries of a document as its indexed fields change', async () => {
    const c = fresh();
    await c.createIndex({ 'a.b': 1 }, { unique: true });
    await c.createIndex({ x: 1 });
    await c.insertMany([{ _id: 1, a: { b: 1, c: 1 }, x: 0, y: 0 }, { _id: 2, a: { b: 2 }, x: 0 }]);
    const ids = async (filter: Doc): Promise<unknown[]> => (await c.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

    await c.updateOne({ _id: 1 }, { $set: { y: 1 } }); // no indexed field
    await c.updateOne({ _id: 1 }, { $set: { 'a.c': 5 } }); // a sibling of an indexed field
    expect(await ids({ 'a.b': 1 })).toEqual([1]);
    expect(await ids({ x: 0 })).toEqual([1, 2]);

    await c.updateOne({ _id: 1 }, { $set: { 'a.b': 3 }, $inc: { x: 1 } });
    expect(await ids({ 'a.b': 1 })).toEqual([]);
    expect(await ids({ 'a.b': 3 })).toEqual([1]);
    expect(await ids({ x: 0 })).toEqual([2]);
    expect(await ids({ x: 1 })).toEqual([1]);
    // The old key is free, the new one taken.
    await c.insertOne({ _id: 3, a: { b: 1 } });
    expect((await rejectionOf(c.insertOne({ _id: 4, a: { b: 3 } }))).code).toBe(11000);
    expect((await rejectionOf(c.updateOne({ _id: 2 }, { $set: { 'a.b': 3 } }))).code).toBe(11000);
    expect(await ids({ 'a.b': 2 })).toEqual([2]);
  });
});

describe('dropping', () => {
  it('dropIndex by name removes only that index', async () => {
    const c = fresh();
    await c.createIndex({ a: 1 });
    await c.createIndex({ b: 1 }, { unique: true });
    await c.dropIndex('b_1');
    expect(await indexNames(c)).toEqual(['_id_', 'a_1']);
    // The constraint is gone with the index.
    await c.insertMany([{ b: 1 }, { b: 1 }]);
  });

  it('dropIndexes command with a key pattern', async () => {
    const c = fresh();
    await c.createIndex({ a: 1, b: 1 });
    await t.db.command({ dropIndexes: c.collectionName, index: { a: 1, b: 1 } });
    expect(await indexNames(c)).toEqual(['_id_']);
  });

  it('dropIndexes() removes every index but _id_', async () => {
    const c = fresh();
    await c.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: 1 }, unique: true }]);
    await c.dropIndexes();
    expect(await indexNames(c)).toEqual(['_id_']);
  });

  it('dropping an index that does not exist fails with IndexNotFound (27)', async () => {
    const c = fresh();
    await c.createIndex({ a: 1 });
    const err = await rejectionOf(c.dropIndex('nope_1'));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(27);
  });

  it('dropping _id_ fails with InvalidOptions (72)', async () => {
    const c = fresh();
    await c.insertOne({ a: 1 });
    const err = await rejectionOf(c.dropIndex('_id_'));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(72);
    expect(await indexNames(c)).toEqual(['_id_']);
  });

  it('dropping the collection drops its indexes', async () => {
    const c = fresh();
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ k: 1 });
    await c.drop();
    await c.insertOne({ k: 1 });
    await c.insertOne({ k: 1 });
    expect(await indexNames(c)).toEqual(['_id_']);
  });
});
