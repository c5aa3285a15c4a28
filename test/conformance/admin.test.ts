// Administrative commands the driver and Agenda use, as mongod 7.0 answers them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError, type Db } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let seq = 0;
const name = (): string => `adm_${++seq}`;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

async function collectionNames(db: Db = t.db): Promise<string[]> {
  return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
}

describe('server commands', () => {
  it('ping', async () => {
    expect(await t.db.admin().command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect((await t.db.command({ ping: 1 })).ok).toBe(1);
  });

  it('buildInfo has a version', async () => {
    const info = await t.db.admin().command({ buildInfo: 1 });
    expect(info.ok).toBe(1);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Array.isArray(info.versionArray)).toBe(true);
  });

  it('hello describes a writable primary the driver can use', async () => {
    const hello = await t.db.admin().command({ hello: 1 });
    expect(hello.ok).toBe(1);
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
    expect(hello.minWireVersion).toBeLessThanOrEqual(hello.maxWireVersion as number);
    expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(hello.maxMessageSizeBytes).toBe(48_000_000);
    expect(hello.maxWriteBatchSize).toBe(100_000);
    expect(hello.localTime).toBeInstanceOf(Date);
    expect(typeof hello.logicalSessionTimeoutMinutes).toBe('number');
    expect(hello.readOnly).toBe(false);
  });

  it('the legacy isMaster command still answers', async () => {
    const res = await t.db.admin().command({ isMaster: 1 });
    expect(res.ok).toBe(1);
    expect(res.ismaster).toBe(true);
  });
});

describe('databases', () => {
  it('listDatabases includes the test database after a write', async () => {
    await t.db.collection<Doc>(name()).insertOne({ a: 1 });
    const res = await t.db.admin().listDatabases();
    const names = res.databases.map((d) => d.name);
    expect(names).toContain(t.mongo.dbName);
    const entry = res.databases.find((d) => d.name === t.mongo.dbName)!;
    expect(typeof entry.sizeOnDisk).toBe('number');
    expect(entry.empty).toBe(false);
    expect(typeof res.totalSize).toBe('number');
  });

  it('listDatabases nameOnly', async () => {
    await t.db.collection<Doc>(name()).insertOne({ a: 1 });
    const res = await t.db.admin().listDatabases({ nameOnly: true });
    expect(res.databases.map((d) => d.name)).toContain(t.mongo.dbName);
  });

  it('a database with no collections is not listed', async () => {
    const other = t.client.db(`${t.mongo.dbName}_unused`);
    await other.collection('x').findOne({});
    const names = (await t.db.admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name);
    expect(names).not.toContain(`${t.mongo.dbName}_unused`);
  });

  it('dropDatabase removes the database and its collections', async () => {
    const otherName = `${t.mongo.dbName}_drop`;
    const other = t.client.db(otherName);
    await other.collection<Doc>('a').insertOne({ a: 1 });
    await other.collection<Doc>('b').createIndex({ k: 1 }, { unique: true });
    expect((await t.db.admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name)).toContain(otherName);
    expect(await other.dropDatabase()).toBe(true);
    expect((await t.db.admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name)).not.toContain(otherName);
    expect(await collectionNames(other)).toEqual([]);
    expect(await other.collection<Doc>('a').countDocuments()).toBe(0);
  });

  it('dropping a database that does not exist succeeds', async () => {
    expect(await t.client.db(`${t.mongo.dbName}_never`).dropDatabase()).toBe(true);
  });

  it('databases are isolated from each other', async () => {
    const a = t.client.db(`${t.mongo.dbName}_iso_a`);
    const b = t.client.db(`${t.mongo.dbName}_iso_b`);
    try {
      await a.collection<Doc>('same').insertOne({ from: 'a' });
      await b.collection<Doc>('same').insertOne({ from: 'b' });
      expect(await a.collection<Doc>('same').find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ from: 'a' }]);
      expect(await b.collection<Doc>('same').find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ from: 'b' }]);
    } finally {
      await a.dropDatabase();
      await b.dropDatabase();
    }
  });
});

describe('collections', () => {
  it('listCollections lists names and types; a write creates the collection', async () => {
    const n = name();
    await t.db.collection<Doc>(n).insertOne({ a: 1 });
    const infos = await t.db.listCollections({ name: n }, { nameOnly: false }).toArray();
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ name: n, type: 'collection' });
    expect(infos[0]!.options).toEqual({});
    expect((infos[0]!.info as Doc).readOnly).toBe(false);
    expect((infos[0]!.idIndex as Doc).key).toEqual({ _id: 1 });
  });

  it('listCollections nameOnly returns name and type', async () => {
    const n = name();
    await t.db.createCollection(n);
    const infos = await t.db.listCollections({ name: n }, { nameOnly: true }).toArray();
    expect(infos).toEqual([{ name: n, type: 'collection' }]);
  });

  it('listCollections filters by name with query operators', async () => {
    const prefix = `${name()}_filter_`;
    await t.db.createCollection(`${prefix}a`);
    await t.db.createCollection(`${prefix}b`);
    await t.db.createCollection(`${prefix}c`);
    const infos = await t.db.listCollections({ name: { $in: [`${prefix}a`, `${prefix}c`, `${prefix}zzz`] } }).toArray();
    expect(infos.map((i) => i.name).sort()).toEqual([`${prefix}a`, `${prefix}c`]);
    const regex = await t.db.listCollections({ name: new RegExp(`^${prefix}`) }, { nameOnly: true }).toArray();
    expect(regex).toHaveLength(3);
  });

  it('createCollection returns a usable collection and then lists it', async () => {
    const n = name();
    const c = await t.db.createCollection<Doc>(n);
    expect(c.collectionName).toBe(n);
    expect(await collectionNames()).toContain(n);
    expect(await c.countDocuments()).toBe(0);
  });

  it('creating an existing collection fails with NamespaceExists (48)', async () => {
    const n = name();
    await t.db.createCollection(n);
    const err = await rejectionOf(t.db.createCollection(n));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(48);
  });

  it('drop removes the collection, its documents and indexes', async () => {
    const n = name();
    const c = t.db.collection<Doc>(n);
    await c.insertMany([{ a: 1 }, { a: 2 }]);
    await c.createIndex({ a: 1 });
    expect(await c.drop()).toBe(true);
    expect(await collectionNames()).not.toContain(n);
    expect(await c.countDocuments()).toBe(0);
  });

  it('dropping a collection that does not exist does not throw', async () => {
    await expect(t.db.collection(`${name()}_missing`).drop()).resolves.toEqual(expect.any(Boolean));
  });

  it('the count command (estimatedDocumentCount) counts a collection', async () => {
    const n = name();
    await t.db.collection<Doc>(n).insertMany([{ a: 1 }, { a: 2 }, { a: 2 }]);
    const res = await t.db.command({ count: n, query: { a: 2 } });
    expect(res.n).toBe(2);
    expect(res.ok).toBe(1);
  });

  it('endSessions is accepted', async () => {
    const session = t.client.startSession();
    await t.db.collection<Doc>(name()).insertOne({ a: 1 }, { session });
    const res = await t.db.admin().command({ endSessions: [session.id] });
    expect(res.ok).toBe(1);
    await session.endSession();
  });
});

describe('serverStatus', () => {
  type Counters = { insert: number; query: number; update: number; delete: number; getmore: number; command: number };
  const opcounters = async (): Promise<Counters> => {
    const status = await t.db.admin().command({ serverStatus: 1 });
    const c = status.opcounters as Record<keyof Counters, unknown>;
    // mongod answers NumberLong counters (numbers through the driver); the engine answers int32.
    return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v)])) as Counters;
  };
  // A shared server (MONGODB_URI) serves other suites at the same time: its counters can only be bounded below.
  const exact = (): boolean => t.mongo.kind !== 'external';
  const expectDelta = (actual: number, expected: number): void => {
    if (exact()) expect(actual).toBe(expected);
    else expect(actual).toBeGreaterThanOrEqual(expected);
  };

  it('reports the instance fields, connections and journal syncs in mongod shape', async () => {
    const status = await t.db.admin().command({ serverStatus: 1 });
    expect(status.ok).toBe(1);
    expect(typeof status.host).toBe('string');
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(status.process).toBe('mongod');
    expect(Number(status.pid)).toBeGreaterThan(0);
    expect(typeof status.uptime).toBe('number');
    expect(Number(status.uptimeMillis)).toBeGreaterThanOrEqual(0);
    expect(status.localTime).toBeInstanceOf(Date);
    const connections = status.connections as Doc;
    expect(Number(connections.current)).toBeGreaterThanOrEqual(1);
    expect(Number(connections.available)).toBeGreaterThan(0);
    expect(Number(connections.totalCreated)).toBeGreaterThanOrEqual(Number(connections.current));
    for (const field of ['insert', 'query', 'update', 'delete', 'getmore', 'command']) {
      expect(typeof Number((status.opcounters as Doc)[field])).toBe('number');
    }
    const syncs = ((status.wiredTiger as Doc).log as Doc)['log sync operations'];
    expect(Number(syncs)).toBeGreaterThanOrEqual(0);
  });

  it('leaves out a section asked with 0', async () => {
    const status = await t.db.admin().command({ serverStatus: 1, opcounters: 0, wiredTiger: 0 });
    expect(status.ok).toBe(1);
    expect(status.opcounters).toBeUndefined();
    expect(status.wiredTiger).toBeUndefined();
    expect(status.connections).toBeDefined();
  });

  it('a new connection counts in totalCreated and current', async () => {
    const before = (await t.db.admin().command({ serverStatus: 1 })).connections as Doc;
    const other = await t.newClient({ maxPoolSize: 1 });
    await other.db(t.mongo.dbName).command({ ping: 1 });
    const after = (await t.db.admin().command({ serverStatus: 1 })).connections as Doc;
    expect(Number(after.totalCreated)).toBeGreaterThan(Number(before.totalCreated));
    if (exact()) expect(Number(after.current)).toBeGreaterThan(Number(before.current));
  });

  it('counts inserted documents, update and delete statements, finds and getMores as mongod does', async () => {
    const c = t.db.collection<Doc>(name());
    await c.insertOne({ _id: 0 }); // creates the collection outside the measured window
    const before = await opcounters();
    await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 1 }, { _id: 3, a: 2 }]); // insert +3 (one command)
    await c.bulkWrite([
      { updateOne: { filter: { _id: 1 }, update: { $set: { b: 1 } } } },
      { updateMany: { filter: { a: 1 }, update: { $set: { c: 1 } } } },
      { updateOne: { filter: { _id: 99 }, update: { $set: { b: 1 } } } }, // matches nothing: still a statement
    ]); // update +3 (one command)
    await c.deleteMany({ a: 2 }); // delete +1
    await c.deleteOne({ _id: 98 }); // delete +1, nothing deleted
    await c.find({}).batchSize(2).toArray(); // query +1, getmore +1 (4 documents, batches of 2... the last getMore)
    const after = await opcounters();
    expectDelta(after.insert - before.insert, 3);
    expectDelta(after.update - before.update, 3);
    expectDelta(after.delete - before.delete, 2);
    expectDelta(after.query - before.query, 1);
    expect(after.getmore - before.getmore).toBeGreaterThanOrEqual(1);
    // The second serverStatus itself is a command; the driver's own monitoring may add a few more.
    expect(after.command - before.command).toBeGreaterThanOrEqual(1);
  });

  it('findAndModify, aggregate and count are commands, not updates or queries', async () => {
    const c = t.db.collection<Doc>(name());
    await c.insertOne({ _id: 1, n: 0 });
    const before = await opcounters();
    await c.findOneAndUpdate({ _id: 1 }, { $inc: { n: 1 } });
    await c.findOneAndDelete({ _id: 1 });
    await c.countDocuments({}); // an aggregate
    await t.db.command({ count: c.collectionName });
    const after = await opcounters();
    expectDelta(after.update - before.update, 0);
    expectDelta(after.delete - before.delete, 0);
    expectDelta(after.query - before.query, 0);
    // 4 commands plus the serverStatus that read `after`.
    expect(after.command - before.command).toBeGreaterThanOrEqual(5);
  });

  it('an ordered insert that fails counts the documents it tried, not the ones after the error', async () => {
    const c = t.db.collection<Doc>(name());
    await c.insertOne({ _id: 1 });
    const before = await opcounters();
    await expect(c.insertMany([{ _id: 2 }, { _id: 1 }, { _id: 3 }], { ordered: true })).rejects.toMatchObject({ code: 11000 });
    const after = await opcounters();
    expectDelta(after.insert - before.insert, 2);
  });
});
