// MongoDB 8.0's admin `bulkWrite` command against the embedded engine (a single-node replica set), through the real
// driver's `MongoClient.bulkWrite` and as a raw command: mongod's reply shape, ordered and unordered batches across
// collections and databases, retryable replays, step-down and change streams. No assertion depends on how fast the
// machine is (deadlines are generous).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Long,
  MongoClient,
  MongoClientBulkWriteError,
  MongoServerError,
  type ClientBulkWriteModel,
  type ChangeStreamDocument,
  type Document,
} from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../src/embedded/index.js';

type Doc = { _id: number | string; [key: string]: unknown };

const engines: EmbeddedMongo[] = [];
const clients: MongoClient[] = [];
let mongo: EmbeddedMongo;
let client: MongoClient;

async function connect(uri: string, options: ConstructorParameters<typeof MongoClient>[1] = {}): Promise<MongoClient> {
  const connected = new MongoClient(uri, { serverSelectionTimeoutMS: 20_000, ...options });
  clients.push(connected);
  await connected.connect();
  return connected;
}

beforeAll(async () => {
  mongo = await startEmbeddedMongo({ log: () => undefined });
  engines.push(mongo);
  client = await connect(mongo.uri);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((each) => each.close(true)));
  for (const engine of engines) await engine.stop();
});

/** The reply without the replica-set fields every reply carries. */
function withoutClusterTime(reply: Document): Document {
  const { $clusterTime: _time, operationTime: _operation, ...rest } = reply;
  return rest;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('bulkWrite (MongoDB 8.0 client bulk write)', () => {
  it('runs ordered inserts, updates and deletes across collections and databases with verbose results', async () => {
    await client.db('bw1').collection<Doc>('b').insertMany([{ _id: 1, v: 0 }, { _id: 2, v: 0 }, { _id: 3, v: 0 }]);
    const models: ClientBulkWriteModel<Record<string, Doc>>[] = [
      { name: 'insertOne', namespace: 'bw1.a', document: { _id: 'x', v: 1 } },
      { name: 'insertOne', namespace: 'bw2.c', document: { _id: 'y' } },
      { name: 'updateOne', namespace: 'bw1.b', filter: { _id: 1 }, update: { $set: { v: 1 } } },
      { name: 'updateMany', namespace: 'bw1.b', filter: { v: 0 }, update: { $inc: { v: 5 } } as Document },
      { name: 'replaceOne', namespace: 'bw1.a', filter: { _id: 'x' }, replacement: { v: 'replaced' } },
      { name: 'deleteOne', namespace: 'bw1.b', filter: { _id: 3 } },
      { name: 'deleteMany', namespace: 'bw2.c', filter: {} },
    ];
    const result = await client.bulkWrite<Record<string, Doc>>(models, { verboseResults: true });
    expect(result).toMatchObject({
      acknowledged: true, insertedCount: 2, matchedCount: 4, modifiedCount: 4, upsertedCount: 0, deletedCount: 2,
    });
    expect([...(result.insertResults ?? new Map()).entries()]).toEqual([[0, { insertedId: 'x' }], [1, { insertedId: 'y' }]]);
    expect(result.updateResults?.get(2)).toEqual({ matchedCount: 1, modifiedCount: 1, didUpsert: false });
    expect(result.updateResults?.get(3)).toEqual({ matchedCount: 2, modifiedCount: 2, didUpsert: false });
    expect(result.updateResults?.get(4)).toEqual({ matchedCount: 1, modifiedCount: 1, didUpsert: false });
    expect(result.deleteResults?.get(5)).toEqual({ deletedCount: 1 });
    expect(result.deleteResults?.get(6)).toEqual({ deletedCount: 1 });
    expect(await client.db('bw1').collection<Doc>('a').find().toArray()).toEqual([{ _id: 'x', v: 'replaced' }]);
    expect(await client.db('bw1').collection<Doc>('b').find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, v: 1 }, { _id: 2, v: 5 }]);
    expect(await client.db('bw2').collection<Doc>('c').countDocuments()).toBe(0);
  });

  it('answers in mongod 8.0\'s reply shape, and with errorsOnly only the failures', async () => {
    await client.db('shape').collection<Doc>('c').insertOne({ _id: 'taken', n: 1 });
    const command = {
      bulkWrite: 1,
      ops: [
        { insert: 0, document: { _id: 'new' } },
        { update: 0, filter: { _id: 'taken' }, updateMods: { $inc: { n: 1 } } },
        { update: 1, filter: { _id: 'up' }, updateMods: { $set: { k: 1 } }, upsert: true },
        { delete: 0, filter: { _id: 'new' } },
        { insert: 0, document: { _id: 'taken' } },
        { insert: 1, document: { _id: 'never' } },
      ],
      nsInfo: [{ ns: 'shape.c' }, { ns: 'shape.d' }],
      errorsOnly: false,
    };
    const reply = await client.db('admin').command(command);
    expect(withoutClusterTime(reply)).toEqual({
      cursor: {
        id: 0,
        firstBatch: [
          { ok: 1, idx: 0, n: 1 },
          { ok: 1, idx: 1, n: 1, nModified: 1 },
          { ok: 1, idx: 2, n: 1, nModified: 0, upserted: { _id: 'up' } },
          { ok: 1, idx: 3, n: 1 },
          {
            ok: 0, idx: 4, code: 11000, errmsg: expect.stringContaining('E11000 duplicate key error'),
            keyPattern: { _id: 1 }, keyValue: { _id: 'taken' }, n: 0,
          },
        ],
        ns: 'admin.$cmd.bulkWrite',
      },
      nErrors: 1, nInserted: 1, nMatched: 1, nModified: 1, nUpserted: 1, nDeleted: 1, ok: 1,
    });
    expect(Object.keys(reply.cursor.firstBatch[4] as Document)).toEqual(['ok', 'idx', 'code', 'errmsg', 'keyPattern', 'keyValue', 'n']);
    expect(await client.db('shape').collection<Doc>('d').findOne({ _id: 'never' })).toBeNull();

    const errorsOnly = await client.db('admin').command({
      bulkWrite: 1,
      ops: [{ insert: 0, document: { _id: 'e1' } }, { insert: 0, document: { _id: 'e1' } }, { insert: 0, document: { _id: 'e2' } }],
      nsInfo: [{ ns: 'shape.c' }],
      ordered: false,
      errorsOnly: true,
    });
    expect(errorsOnly.cursor.firstBatch).toEqual([expect.objectContaining({ ok: 0, idx: 1, code: 11000, n: 0 })]);
    expect(errorsOnly).toMatchObject({ nErrors: 1, nInserted: 2 });
  });

  it('stops an ordered bulk write at a duplicate key: later operations are not applied', async () => {
    const coll = client.db('ordered').collection<Doc>('c');
    await coll.insertOne({ _id: 'dup' });
    const error = await failure(client.bulkWrite<Record<string, Doc>>([
      { name: 'insertOne', namespace: 'ordered.c', document: { _id: 'dup' } },
      { name: 'insertOne', namespace: 'ordered.c', document: { _id: 'after' } },
      { name: 'updateOne', namespace: 'ordered.c', filter: { _id: 'dup' }, update: { $set: { touched: true } } },
    ]));
    expect(error).toBeInstanceOf(MongoClientBulkWriteError);
    const bulkError = error as MongoClientBulkWriteError;
    expect([...bulkError.writeErrors.keys()]).toEqual([0]);
    expect(bulkError.writeErrors.get(0)?.code).toBe(11000);
    expect(bulkError.partialResult).toMatchObject({ insertedCount: 0, matchedCount: 0, modifiedCount: 0 });
    expect(await coll.find().toArray()).toEqual([{ _id: 'dup' }]);

    const second = await failure(client.bulkWrite<Record<string, Doc>>([
      { name: 'insertOne', namespace: 'ordered.c', document: { _id: 'first' } },
      { name: 'insertOne', namespace: 'ordered.other', document: { _id: 'second' } },
      { name: 'insertOne', namespace: 'ordered.c', document: { _id: 'dup' } },
      { name: 'deleteOne', namespace: 'ordered.c', filter: { _id: 'first' } },
    ]));
    expect([...(second as MongoClientBulkWriteError).writeErrors.keys()]).toEqual([2]);
    expect((second as MongoClientBulkWriteError).partialResult?.insertedCount).toBe(2);
    expect(await coll.countDocuments({ _id: 'first' })).toBe(1);
  });

  it('runs every operation of an unordered bulk write past a failure', async () => {
    const coll = client.db('unordered').collection<Doc>('c');
    await coll.insertOne({ _id: 'dup', v: 0 });
    const error = await failure(client.bulkWrite<Record<string, Doc>>([
      { name: 'insertOne', namespace: 'unordered.c', document: { _id: 'dup' } },
      { name: 'insertOne', namespace: 'unordered.c', document: { _id: 'ok' } },
      { name: 'updateOne', namespace: 'unordered.c', filter: { _id: 'dup' }, update: { $set: { v: 1 } } },
      { name: 'updateOne', namespace: 'unordered.c', filter: { _id: 'ok' }, update: { $unknownOperator: { v: 1 } } as Document },
      { name: 'insertOne', namespace: 'unordered.d', document: { _id: 'last' } },
    ], { ordered: false }));
    expect(error).toBeInstanceOf(MongoClientBulkWriteError);
    const bulkError = error as MongoClientBulkWriteError;
    expect([...bulkError.writeErrors.keys()].sort()).toEqual([0, 3]);
    expect(bulkError.writeErrors.get(0)?.code).toBe(11000);
    expect(bulkError.partialResult).toMatchObject({ insertedCount: 2, matchedCount: 1, modifiedCount: 1 });
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([{ _id: 'dup', v: 1 }, { _id: 'ok' }]);
    expect(await client.db('unordered').collection<Doc>('d').countDocuments()).toBe(1);
  });

  it('reports an update that matches nothing, runs the next operation, and reports an upsert\'s id', async () => {
    const result = await client.bulkWrite<Record<string, Doc>>([
      { name: 'updateOne', namespace: 'nomatch.c', filter: { _id: 'missing' }, update: { $set: { v: 1 } } },
      { name: 'insertOne', namespace: 'nomatch.c', document: { _id: 'next' } },
      { name: 'updateOne', namespace: 'nomatch.c', filter: { _id: 'upserted' }, update: { $set: { v: 2 } }, upsert: true },
      { name: 'replaceOne', namespace: 'nomatch.c', filter: { k: 'r' }, replacement: { k: 'r', v: 3 }, upsert: true },
    ], { verboseResults: true });
    expect(result).toMatchObject({ insertedCount: 1, matchedCount: 0, modifiedCount: 0, upsertedCount: 2 });
    expect(result.updateResults?.get(0)).toEqual({ matchedCount: 0, modifiedCount: 0, didUpsert: false });
    expect(result.updateResults?.get(2)).toEqual({ matchedCount: 1, modifiedCount: 0, didUpsert: true, upsertedId: 'upserted' });
    const replaced = result.updateResults?.get(3);
    expect(replaced?.didUpsert).toBe(true);
    const stored = await client.db('nomatch').collection<Doc>('c').findOne({ k: 'r' });
    expect(stored?._id).toEqual(replaced?.upsertedId);
    expect(await client.db('nomatch').collection<Doc>('c').findOne({ _id: 'upserted' })).toEqual({ _id: 'upserted', v: 2 });
  });

  it('updates the first document in sort order when an updateOne has a sort', async () => {
    await client.db('sorted').collection<Doc>('c').insertMany([{ _id: 1, k: 'a' }, { _id: 2, k: 'a' }, { _id: 3, k: 'a' }]);
    await client.db('admin').command({
      bulkWrite: 1,
      ops: [{ update: 0, filter: { k: 'a' }, updateMods: { $set: { picked: true } }, sort: { _id: -1 } }],
      nsInfo: [{ ns: 'sorted.c' }],
    });
    expect(await client.db('sorted').collection<Doc>('c').find({ picked: true }).toArray()).toEqual([{ _id: 3, k: 'a', picked: true }]);
  });

  it('applies a retried bulk write (same lsid and txnNumber) once, and refuses multi in a retryable one', async () => {
    await client.db('retry').collection<Doc>('c').insertOne({ _id: 'counter', n: 0 });
    // A client of its own, so that its session comes fresh from the pool (no earlier txnNumber on it).
    const own = await connect(mongo.uri);
    const session = own.startSession();
    const command = {
      bulkWrite: 1,
      ops: [{ update: 0, filter: { _id: 'counter' }, updateMods: { $inc: { n: 1 } } }, { insert: 0, document: { _id: 'once' } }],
      nsInfo: [{ ns: 'retry.c' }],
      txnNumber: Long.fromNumber(5),
    };
    const first = await own.db('admin').command(command, { session });
    const again = await own.db('admin').command(command, { session });
    expect(withoutClusterTime(again)).toEqual(withoutClusterTime(first));
    expect(first).toMatchObject({ nErrors: 0, nInserted: 1, nMatched: 1, nModified: 1 });
    expect(await client.db('retry').collection<Doc>('c').findOne({ _id: 'counter' })).toEqual({ _id: 'counter', n: 1 });

    const multi = await own.db('admin').command({
      bulkWrite: 1,
      ops: [{ delete: 0, filter: {}, multi: true }],
      nsInfo: [{ ns: 'retry.c' }],
      txnNumber: Long.fromNumber(6),
    }, { session });
    expect(multi.cursor.firstBatch).toEqual([expect.objectContaining({ ok: 0, idx: 0, code: 72, errmsg: 'Cannot use retryable writes with multi=true' })]);
    expect(await client.db('retry').collection<Doc>('c').countDocuments()).toBe(2);
    await session.endSession();
  });

  it('counts each operation in opcounters, as the single-statement commands do', async () => {
    const before = (await client.db('admin').command({ serverStatus: 1 })).opcounters as Document;
    await client.bulkWrite<Record<string, Doc>>([
      { name: 'insertOne', namespace: 'counted.c', document: { _id: 1 } },
      { name: 'insertOne', namespace: 'counted.c', document: { _id: 2 } },
      { name: 'updateOne', namespace: 'counted.c', filter: { _id: 1 }, update: { $set: { v: 1 } } },
      { name: 'deleteOne', namespace: 'counted.c', filter: { _id: 2 } },
    ]);
    const after = (await client.db('admin').command({ serverStatus: 1 })).opcounters as Document;
    expect([after.insert - before.insert, after.update - before.update, after.delete - before.delete]).toEqual([2, 1, 1]);
  });

  it('refuses a bulkWrite sent to another database than admin, and malformed requests as a whole', async () => {
    const nonAdmin = await failure(client.db('app').command({ bulkWrite: 1, ops: [{ insert: 0, document: { _id: 1 } }], nsInfo: [{ ns: 'app.c' }] }));
    expect(nonAdmin).toBeInstanceOf(MongoServerError);
    expect((nonAdmin as MongoServerError).code).toBe(13);
    expect((nonAdmin as MongoServerError).message).toBe('bulkWrite may only be run against the admin database.');

    const admin = client.db('admin');
    const cases: Array<[Document, number]> = [
      [{ ops: [{ insert: 2, document: { _id: 1 } }, { insert: 0, document: { _id: 2 } }], nsInfo: [{ ns: 'bad.c' }] }, 2],
      [{ ops: 'not an array', nsInfo: [{ ns: 'bad.c' }] }, 14],
      [{ ops: [{ insert: 0, document: 'text' }], nsInfo: [{ ns: 'bad.c' }] }, 14],
      [{ ops: [{ upsert: 0, filter: {} }], nsInfo: [{ ns: 'bad.c' }] }, 9],
      [{ ops: [{ insert: 0, document: { _id: 3 } }], nsInfo: [{ ns: 'nodot' }] }, 73],
      [{ ops: [{ insert: 0, document: { _id: 4 }, extra: 1 }], nsInfo: [{ ns: 'bad.c' }] }, 40415],
      [{ ops: [], nsInfo: [{ ns: 'bad.c' }] }, 16],
      [{ nsInfo: [{ ns: 'bad.c' }] }, 9],
    ];
    for (const [fields, code] of cases) {
      const error = await failure(admin.command({ bulkWrite: 1, ...fields }));
      expect([fields, (error as MongoServerError).code]).toEqual([fields, code]);
    }
    expect(await client.db('bad').collection<Doc>('c').countDocuments()).toBe(0);

    // A namespace mongod allows in nsInfo but not for writes fails its operation only.
    const reply = await admin.command({ bulkWrite: 1, ops: [{ insert: 0, document: { _id: 1 } }, { insert: 1, document: { _id: 1 } }], nsInfo: [{ ns: 'bad.system.profile' }, { ns: 'bad.c' }], ordered: false });
    expect(reply.cursor.firstBatch).toEqual([expect.objectContaining({ ok: 0, idx: 0, code: 73 }), { ok: 1, idx: 1, n: 1 }]);
  });

  it('shows the bulk write\'s inserts, updates and deletes to a change stream', async () => {
    const stream = client.watch<Doc, ChangeStreamDocument<Doc>>([{ $match: { 'ns.db': 'watched' } }], { maxAwaitTimeMS: 100 });
    await stream.tryNext();
    await client.bulkWrite<Record<string, Doc>>([
      { name: 'insertOne', namespace: 'watched.a', document: { _id: 1 } },
      { name: 'insertOne', namespace: 'watched.b', document: { _id: 2 } },
      { name: 'updateOne', namespace: 'watched.a', filter: { _id: 1 }, update: { $set: { v: 'x' } } },
      { name: 'deleteOne', namespace: 'watched.b', filter: { _id: 2 } },
    ]);
    const events: ChangeStreamDocument<Doc>[] = [];
    const deadline = Date.now() + 20_000;
    while (events.length < 4 && Date.now() < deadline) {
      const next = await stream.tryNext();
      if (next !== null) events.push(next);
    }
    await stream.close();
    expect(events.map((event) => [event.operationType, (event as { ns?: { coll?: string } }).ns?.coll])).toEqual([
      ['insert', 'a'], ['insert', 'b'], ['update', 'a'], ['delete', 'b'],
    ]);
    expect((events[2] as Document).updateDescription.updatedFields).toEqual({ v: 'x' });
  });

  it('is refused with NotWritablePrimary while the node is stepped down', async () => {
    const node = await startEmbeddedMongo({ log: () => undefined });
    engines.push(node);
    // A client that talks to this one server whatever its state, with no retries: it sees the raw errors.
    const direct = await connect(`${node.uri}?directConnection=true`, { retryWrites: false, retryReads: false });
    await direct.db('admin').command({ ping: 1 });
    node.stepDown(60_000);
    const refused = await failure(direct.db('admin').command({ bulkWrite: 1, ops: [{ insert: 0, document: { _id: 1 } }], nsInfo: [{ ns: 'down.c' }] }));
    expect((refused as MongoServerError).code).toBe(10107);
    expect((refused as MongoServerError).codeName).toBe('NotWritablePrimary');
    const session = direct.startSession();
    const retryable = await failure(direct.db('admin').command({ bulkWrite: 1, ops: [{ insert: 0, document: { _id: 1 } }], nsInfo: [{ ns: 'down.c' }], txnNumber: Long.fromNumber(1) }, { session }));
    expect((retryable as MongoServerError).errorLabels).toContain('RetryableWriteError');
    await session.endSession();
    node.stepUp();
    await direct.db('admin').command({ bulkWrite: 1, ops: [{ insert: 0, document: { _id: 1 } }], nsInfo: [{ ns: 'down.c' }] });
    expect(await direct.db('down').collection<Doc>('c').countDocuments()).toBe(1);
  });
});
