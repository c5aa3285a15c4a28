// Server errors through the real driver: codes and messages as mongod 7.0 sends them, and the connection survives.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError, type Collection } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let seq = 0;
const fresh = (): Collection<Doc> => t.db.collection<Doc>(`err_${++seq}`);
const MiB = 1024 * 1024;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});
// After every error the same client must keep working.
afterEach(async () => {
  expect((await t.db.command({ ping: 1 })).ok).toBe(1);
  const c = t.db.collection<Doc>('err_still_alive');
  await c.insertOne({ at: new Date() });
  expect(await c.countDocuments()).toBeGreaterThan(0);
});

describe('command errors', () => {
  it('an unknown command fails with CommandNotFound (59)', async () => {
    const err = await rejectionOf(t.db.command({ noSuchCmd: 1 }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(59);
    expect(err.codeName).toBe('CommandNotFound');
    expect(err.message).toBe("no such command: 'noSuchCmd'");
  });

  it('an unknown query operator fails with BadValue (2)', async () => {
    const c = fresh();
    await c.insertOne({ a: 1 });
    const err = await rejectionOf(c.find({ a: { $foo: 1 } }).toArray());
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(2);
    expect(err.codeName).toBe('BadValue');
    expect(err.message).toContain('unknown operator: $foo');
  });

  it('an unknown top-level operator fails with BadValue (2)', async () => {
    const c = fresh();
    const err = await rejectionOf(c.find({ $foo: [{ a: 1 }] }).toArray());
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(2);
    expect(err.message).toContain('unknown top level operator: $foo');
  });

  it('the same unknown operator in countDocuments, delete and update fails too', async () => {
    const c = fresh();
    await c.insertOne({ a: 1 });
    expect((await rejectionOf(c.countDocuments({ a: { $foo: 1 } }))).code).toBe(2);
    expect((await rejectionOf(c.deleteMany({ a: { $foo: 1 } }))).code).toBe(2);
    expect((await rejectionOf(c.updateMany({ a: { $foo: 1 } }, { $set: { b: 1 } }))).code).toBe(2);
    expect(await c.countDocuments({ a: 1 })).toBe(1);
  });

  it('a malformed $in (not an array) fails with BadValue (2)', async () => {
    const c = fresh();
    const err = await rejectionOf(c.find({ a: { $in: 5 } }).toArray());
    expect(err.code).toBe(2);
  });
});

describe('document size limits', () => {
  it('inserting a document over 16 MiB fails and stores nothing', async () => {
    const c = fresh();
    // The driver may refuse it before sending (its BSON buffer overflows) or the server rejects it: either way it fails.
    const err = await rejectionOf(c.insertOne({ _id: 'huge', blob: 'x'.repeat(17 * MiB) }));
    expect(typeof err.message).toBe('string');
    expect(await c.countDocuments({ _id: 'huge' })).toBe(0);
  });

  it('an update growing a document past 16 MiB fails (17419) and leaves it unchanged', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'big', a: 'a'.repeat(9 * MiB) });
    const err = await rejectionOf(c.updateOne({ _id: 'big' }, { $set: { b: 'b'.repeat(9 * MiB) } }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect([17419, 10334]).toContain(err.code);
    const doc = await c.findOne({ _id: 'big' }, { projection: { b: 1 } });
    expect(doc).toEqual({ _id: 'big' });
  });

  it('a document just under 16 MiB is accepted', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'edge', blob: 'x'.repeat(16 * MiB - 1024) });
    const doc = await c.findOne({ _id: 'edge' });
    expect((doc!.blob as string).length).toBe(16 * MiB - 1024);
  });
});

describe('invalid namespaces', () => {
  it("creating a collection named 'a$b' fails with InvalidNamespace (73)", async () => {
    const err = await rejectionOf(t.db.command({ create: 'a$b' }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(73);
  });

  it("inserting into 'a$b' fails with InvalidNamespace (73)", async () => {
    const err = await rejectionOf(t.db.collection('a$b').insertOne({ a: 1 }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(73);
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name);
    expect(names).not.toContain('a$b');
  });
});

describe('transactions on a standalone server', () => {
  it('a session without a transaction works', async () => {
    const c = fresh();
    const session = t.client.startSession();
    try {
      await c.insertOne({ a: 1 }, { session });
      expect(await c.countDocuments({}, { session })).toBe(1);
    } finally {
      await session.endSession();
    }
  });

  it('withTransaction fails with IllegalOperation (20) when the server is not a replica set member', async () => {
    const hello = await t.db.admin().command({ hello: 1 });
    if (hello.setName !== undefined || hello.msg === 'isdbgrid') {
      // A replica set or mongos supports transactions: the standalone behaviour does not apply.
      return;
    }
    const c = fresh();
    const session = t.client.startSession();
    try {
      const err = await rejectionOf(
        session.withTransaction(async () => {
          await c.insertOne({ inTxn: true }, { session });
        }),
      );
      expect(err).toBeInstanceOf(MongoServerError);
      // The driver recognises this server error and rethrows it with advice, keeping the server's error as originalError.
      const original = (err.originalError ?? err) as MongoServerError;
      expect(original.code).toBe(20);
      expect(original.codeName).toBe('IllegalOperation');
      expect(original.message).toContain('Transaction numbers are only allowed on a replica set member or mongos');
    } finally {
      await session.endSession();
    }
    expect(await c.countDocuments({ inTxn: true })).toBe(0);
  });
});
