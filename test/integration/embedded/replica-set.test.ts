// The embedded engine as a single-node replica set: change streams that resume across a restart (dbPath), the
// server's error for a resume token older than the oplog, retryable writes applied once, and a simulated step-down
// that the driver rides out. No assertion depends on how fast the machine is (deadlines are generous).
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Long, MongoClient, MongoServerError, type ChangeStream, type ChangeStreamDocument, type Document } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo, type EmbeddedMongoOptions } from '../../../src/embedded/index.js';
import { stepDownPrimary } from './support/step-down.js';

type Doc = { _id: number | string; [key: string]: unknown };

const dirs: string[] = [];
const engines: EmbeddedMongo[] = [];
const clients: MongoClient[] = [];

async function start(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const mongo = await startEmbeddedMongo({ log: () => undefined, ...options });
  engines.push(mongo);
  return mongo;
}

async function connect(uri: string, options: ConstructorParameters<typeof MongoClient>[1] = {}): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 20_000, ...options });
  clients.push(client);
  await client.connect();
  return client;
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'durably-replset-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close(true)));
  for (const engine of engines) await engine.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function take(stream: ChangeStream<Doc>, count: number): Promise<ChangeStreamDocument<Doc>[]> {
  const events: ChangeStreamDocument<Doc>[] = [];
  const deadline = Date.now() + 20_000;
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} change events arrived`);
    const next = await stream.tryNext();
    if (next !== null) events.push(next);
  }
  return events;
}

function keys(events: ChangeStreamDocument<Doc>[]): unknown[] {
  return events.map((event) => (event as { documentKey?: { _id?: unknown } }).documentKey?._id);
}

describe('embedded replica set', () => {
  it('reports a replica-set primary in hello and replSetGetStatus, and a standalone server on request', async () => {
    const mongo = await start();
    const client = await connect(mongo.uri);
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({ setName: 'rs0', isWritablePrimary: true, secondary: false, hosts: [`127.0.0.1:${mongo.port}`], me: `127.0.0.1:${mongo.port}`, primary: `127.0.0.1:${mongo.port}`, setVersion: 1 });
    expect(hello.operationTime).toBeDefined();
    const status = await client.db('admin').command({ replSetGetStatus: 1 });
    expect(status).toMatchObject({ set: 'rs0', myState: 1, members: [{ stateStr: 'PRIMARY', self: true }] });

    const standalone = await start({ replicaSet: false });
    const direct = await connect(standalone.uri);
    const plain = await direct.db('admin').command({ hello: 1 });
    expect(plain.setName).toBeUndefined();
    const error = await direct.db('t').collection<Doc>('c').watch().tryNext().catch((e: unknown) => e);
    expect((error as MongoServerError).code).toBe(40573);
  }, 60_000);

  it('resumes a change stream across an engine restart (dbPath) from a token in the retained oplog', async () => {
    const dbPath = tempDir();
    let mongo = await start({ dbPath });
    let client = await connect(mongo.uri);
    const coll = client.db('app').collection<Doc>('jobs');
    const stream = coll.watch<Doc>([], { maxAwaitTimeMS: 100 });
    await stream.tryNext();
    await coll.insertMany([{ _id: 1, v: 'a' }, { _id: 2, v: 'b' }]);
    await coll.updateOne({ _id: 2 }, { $set: { v: 'c' } });
    const events = await take(stream, 3);
    await client.close();
    await mongo.stop();

    mongo = await start({ dbPath });
    client = await connect(mongo.uri);
    const after = client.db('app').collection<Doc>('jobs');
    const resumed = after.watch<Doc>([], { resumeAfter: events[0]?._id, maxAwaitTimeMS: 100 });
    await after.insertOne({ _id: 3 });
    const replayed = await take(resumed, 3);
    expect(replayed.map((event) => event.operationType)).toEqual(['insert', 'update', 'insert']);
    expect(keys(replayed)).toEqual([2, 2, 3]);
    expect((replayed[0] as Document).fullDocument).toEqual({ _id: 2, v: 'b' });
    expect((replayed[1] as Document).updateDescription.updatedFields).toEqual({ v: 'c' });
    expect(replayed[0]?._id).toEqual(events[1]?._id);
    await resumed.close();
  }, 60_000);

  it('refuses a resume token older than the retained oplog with ChangeStreamHistoryLost (286)', async () => {
    const mongo = await start({ oplogSizeMB: 0.02 });
    const client = await connect(mongo.uri);
    const coll = client.db('app').collection<Doc>('big');
    const stream = coll.watch<Doc>([], { maxAwaitTimeMS: 100 });
    await stream.tryNext();
    await coll.insertOne({ _id: 0 });
    const [first] = await take(stream, 1);
    await stream.close();
    const padding = 'x'.repeat(1000);
    for (let i = 1; i <= 60; i++) await coll.insertOne({ _id: i, padding });
    const lost = coll.watch<Doc>([], { resumeAfter: first?._id });
    const error = await lost.tryNext().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(286);
    expect((error as MongoServerError).codeName).toBe('ChangeStreamHistoryLost');
    await lost.close();
  }, 60_000);

  it('applies a retried write (same lsid and txnNumber) once', async () => {
    const mongo = await start();
    const client = await connect(mongo.uri);
    const db = client.db('app');
    const session = client.startSession();
    const command = { insert: 'retries', documents: [{ _id: 'once' }], txnNumber: Long.fromNumber(7) };
    const first = await db.command(command, { session });
    const again = await db.command(command, { session });
    expect(first.n).toBe(1);
    expect(again.n).toBe(1);
    const update = { update: 'retries', updates: [{ q: { _id: 'once' }, u: { $inc: { count: 1 } } }], txnNumber: Long.fromNumber(8) };
    await db.command(update, { session });
    await db.command(update, { session });
    expect(await db.collection<Doc>('retries').findOne({ _id: 'once' })).toEqual({ _id: 'once', count: 1 });
    const stale = await db.command({ ...command, txnNumber: Long.fromNumber(6) }, { session }).catch((e: unknown) => e);
    expect((stale as MongoServerError).code).toBe(225);
    await session.endSession();
  }, 60_000);

  it('steps down: writes fail with NotWritablePrimary, hello reports a secondary, and the driver retries once primary again', async () => {
    const mongo = await start();
    const client = await connect(mongo.uri);
    const coll = client.db('app').collection<Doc>('stepdown');
    await coll.insertOne({ _id: 'before' });
    // A client that talks to this one server whatever its state, with no retries: it sees the raw errors.
    const direct = await connect(`${mongo.uri}?directConnection=true`, { retryWrites: false, retryReads: false });
    await direct.db('admin').command({ ping: 1 });

    mongo.stepDown(60_000);
    const hello = await direct.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: false, secondary: true, setName: 'rs0' });
    expect(hello.primary).toBeUndefined();
    const refused = await direct.db('app').command({ insert: 'stepdown', documents: [{ _id: 'refused' }] }).catch((e: unknown) => e);
    expect((refused as MongoServerError).code).toBe(10107);
    expect((refused as MongoServerError).codeName).toBe('NotWritablePrimary');
    const session = direct.startSession();
    const retryable = await direct.db('app').command({ insert: 'stepdown', documents: [{ _id: 'refused' }], txnNumber: Long.fromNumber(1) }, { session }).catch((e: unknown) => e);
    expect((retryable as MongoServerError).errorLabels).toContain('RetryableWriteError');
    await session.endSession();

    // The write a driver sends meanwhile waits for (or retries on) the primary, and lands once.
    const write = coll.insertOne({ _id: 'during' });
    setTimeout(() => mongo.stepUp(), 300);
    await write;
    expect(await coll.countDocuments({ _id: { $in: ['during', 'refused'] } })).toBe(1);
  }, 60_000);

  it('replSetStepDown steps down for its period, and a change stream resumes across it', async () => {
    const mongo = await start();
    const client = await connect(mongo.uri);
    const coll = client.db('app').collection<Doc>('watched');
    const stream = coll.watch<Doc>([], { maxAwaitTimeMS: 100 });
    await stream.tryNext();
    await coll.insertOne({ _id: 1 });
    await stepDownPrimary(client, 1);
    await coll.insertOne({ _id: 2 });
    const events = await take(stream, 2);
    expect(keys(events)).toEqual([1, 2]);
    const status = await client.db('admin').command({ replSetGetStatus: 1 });
    expect(status.term).toBeGreaterThan(1);
    await stream.close();
  }, 60_000);
});
