// Cursor protocol (find/getMore/killCursors) through the real driver, as mongod 7.0 behaves.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Long,
  MongoServerError,
  type Collection,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Db,
  type MongoClient,
} from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let monitored: MongoClient;
let mdb: Db;
let started: CommandStartedEvent[] = [];
let succeeded: CommandSucceededEvent[] = [];
const BIG = 'cursors_big';
const TOTAL = 1_050;

beforeAll(async () => {
  t = await openTestDb();
  await t.db.collection<Doc>(BIG).insertMany(Array.from({ length: TOTAL }, (_, i) => ({ _id: i, i, pad: 'p'.repeat(50) })));
  monitored = await t.newClient({ monitorCommands: true });
  mdb = monitored.db(t.mongo.dbName);
  monitored.on('commandStarted', (e) => started.push(e));
  monitored.on('commandSucceeded', (e) => succeeded.push(e));
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => {
  started = [];
  succeeded = [];
});

const named = <E extends { commandName: string }>(events: E[], name: string): E[] => events.filter((e) => e.commandName === name);
const big = (): Collection<Doc> => mdb.collection<Doc>(BIG);

describe('batching', () => {
  it('returns every document across getMores with batchSize 100', async () => {
    const docs = await big().find({}).sort({ _id: 1 }).batchSize(100).toArray();
    expect(docs).toHaveLength(TOTAL);
    expect(docs.map((d): unknown => d._id)).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    expect(named(started, 'getMore').length).toBeGreaterThanOrEqual(10);
    const first = named(succeeded, 'find')[0]!.reply as { cursor: { firstBatch: unknown[] } };
    expect(first.cursor.firstBatch).toHaveLength(100);
    for (const e of named(succeeded, 'getMore')) {
      const reply = e.reply as { cursor: { nextBatch: unknown[] } };
      expect(reply.cursor.nextBatch.length).toBeLessThanOrEqual(100);
    }
  });

  it('the last getMore reports the cursor exhausted (id 0), so no killCursors is needed', async () => {
    await big().find({}).batchSize(100).toArray();
    const getMores = named(succeeded, 'getMore');
    const last = getMores[getMores.length - 1]!.reply as { cursor: { id: unknown } };
    expect(String(last.cursor.id)).toBe('0');
    expect(named(started, 'killCursors')).toHaveLength(0);
  });

  it('without a batchSize the default first batch is 101 documents', async () => {
    const docs = await big().find({}).toArray();
    expect(docs).toHaveLength(TOTAL);
    const first = named(succeeded, 'find')[0]!.reply as { cursor: { firstBatch: unknown[] } };
    expect(first.cursor.firstBatch).toHaveLength(101);
  });

  it('a result that fits in the first batch needs no getMore and returns cursor id 0', async () => {
    const docs = await big().find({ i: { $lt: 20 } }).toArray();
    expect(docs).toHaveLength(20);
    expect(named(started, 'getMore')).toHaveLength(0);
    const first = named(succeeded, 'find')[0]!.reply as { cursor: { id: unknown } };
    expect(String(first.cursor.id)).toBe('0');
  });

  it('limit with batchSize returns exactly limit documents and closes the cursor server-side', async () => {
    const docs = await big().find({}).sort({ _id: 1 }).limit(250).batchSize(100).toArray();
    expect(docs).toHaveLength(250);
    expect(docs[249]!._id).toBe(249);
    expect(named(started, 'getMore')).toHaveLength(2);
    expect(named(started, 'killCursors')).toHaveLength(0);
  });

  it('a limit smaller than the batch returns one batch and no open cursor', async () => {
    const docs = await big().find({}).sort({ _id: -1 }).limit(5).toArray();
    expect(docs.map((d): unknown => d._id)).toEqual([1049, 1048, 1047, 1046, 1045]);
    expect(named(started, 'getMore')).toHaveLength(0);
    const first = named(succeeded, 'find')[0]!.reply as { cursor: { id: unknown } };
    expect(String(first.cursor.id)).toBe('0');
  });

  it('iterates with for await and next()/hasNext()', async () => {
    let count = 0;
    for await (const doc of big().find({ i: { $gte: 1_000 } }).batchSize(7)) {
      expect(doc.i as number).toBeGreaterThanOrEqual(1_000);
      count++;
    }
    expect(count).toBe(50);
    const cursor = big().find({ i: { $in: [3, 4] } }).sort({ i: 1 });
    expect(await cursor.hasNext()).toBe(true);
    expect((await cursor.next())!.i).toBe(3);
    expect((await cursor.next())!.i).toBe(4);
    expect(await cursor.hasNext()).toBe(false);
    expect(await cursor.next()).toBeNull();
  });

  it('interleaves several open cursors on one client', async () => {
    const a = big().find({}).sort({ _id: 1 }).batchSize(10);
    const b = big().find({}).sort({ _id: -1 }).batchSize(10);
    const fromA: unknown[] = [];
    const fromB: unknown[] = [];
    for (let k = 0; k < 35; k++) {
      fromA.push((await a.next())!._id);
      fromB.push((await b.next())!._id);
    }
    expect(fromA).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(fromB).toEqual(Array.from({ length: 35 }, (_, i) => TOTAL - 1 - i));
    await a.close();
    await b.close();
  });
});

describe('empty results', () => {
  it('toArray of no documents is []', async () => {
    expect(await big().find({ i: -1 }).toArray()).toEqual([]);
  });

  it('toArray on a collection that does not exist is []', async () => {
    expect(await mdb.collection('cursors_never_created').find({}).toArray()).toEqual([]);
  });

  it('skip past the end is []', async () => {
    expect(await big().find({}).skip(TOTAL).toArray()).toEqual([]);
  });
});

describe('sort with limit', () => {
  it('returns the top documents of the whole collection, not of a batch', async () => {
    const docs = await big().find({}).sort({ i: -1 }).limit(3).batchSize(2).toArray();
    expect(docs.map((d): unknown => d.i)).toEqual([1049, 1048, 1047]);
  });

  it('sort + skip + limit over a large collection', async () => {
    const docs = await big().find({ i: { $mod: [2, 0] } }).sort({ i: -1 }).skip(10).limit(5).toArray();
    expect(docs.map((d): unknown => d.i)).toEqual([1028, 1026, 1024, 1022, 1020]);
  });
});

describe('closing cursors', () => {
  it('close() on a half-read cursor sends killCursors and the server kills it', async () => {
    const cursor = big().find({}).batchSize(10);
    await cursor.next();
    const id = cursor.id;
    expect(id).toBeDefined();
    expect(String(id)).not.toBe('0');
    await cursor.close();
    const kills = named(started, 'killCursors');
    expect(kills).toHaveLength(1);
    const reply = named(succeeded, 'killCursors')[0]!.reply as { cursorsKilled: unknown[] };
    expect(reply.cursorsKilled.map(String)).toEqual([String(id)]);
    // The cursor is gone: a getMore on it fails with CursorNotFound.
    const err = await rejectionOf(mdb.command({ getMore: id, collection: BIG }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(43);
    // And the client keeps working.
    expect(await big().countDocuments({ i: { $lt: 10 } })).toBe(10);
  });

  it('killCursors on an unknown id reports it as not found', async () => {
    const res = await mdb.command({ killCursors: BIG, cursors: [Long.fromNumber(123_456_789)] });
    expect(res.ok).toBe(1);
    expect((res.cursorsNotFound as unknown[]).map(String)).toEqual(['123456789']);
  });

  it('getMore on an id that never existed fails with CursorNotFound (43)', async () => {
    const err = await rejectionOf(mdb.command({ getMore: Long.fromNumber(987_654_321), collection: BIG }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(43);
  });

  it('many abandoned-then-closed cursors do not break the connection', async () => {
    for (let k = 0; k < 50; k++) {
      const cursor = big().find({}).batchSize(5);
      await cursor.next();
      await cursor.close();
    }
    expect(await big().estimatedDocumentCount()).toBe(TOTAL);
    expect((await mdb.command({ ping: 1 })).ok).toBe(1);
  });

  it('a raw find command with batchSize returns a cursor usable by getMore', async () => {
    const res = await mdb.command({ find: BIG, filter: {}, sort: { _id: 1 }, batchSize: 3 });
    const cursor = res.cursor as { id: Long; ns: string; firstBatch: Doc[] };
    expect(cursor.ns).toBe(`${t.mongo.dbName}.${BIG}`);
    expect(cursor.firstBatch.map((d): unknown => d._id)).toEqual([0, 1, 2]);
    const more = await mdb.command({ getMore: cursor.id, collection: BIG, batchSize: 2 });
    const next = more.cursor as { id: Long; nextBatch: Doc[] };
    expect(next.nextBatch.map((d): unknown => d._id)).toEqual([3, 4]);
    await mdb.command({ killCursors: BIG, cursors: [cursor.id] });
  });
});
