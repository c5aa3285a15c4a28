// Which replies wait for the journal: a write as its write concern asks (w: 1 does not, majority and the default do),
// a read only at read concern majority, a change stream always. The journal's fdatasync is held behind a gate here,
// so "waits" is observed as "has not answered while the gate is shut" — an order, never a duration.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../src/embedded/index.js';
import { replyWaitsForJournal } from '../../../src/embedded/commands/reply-durability.js';

interface Item { _id: string; n: number }

let dir: string;
let engine: EmbeddedMongo;
let client: MongoClient;
let items: Collection<Item>;
let restoreSync: () => void;
// While shut, every fdatasync of this process waits until the gate opens.
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => undefined;
const shut = (): void => {
  gate = new Promise((resolve) => {
    openGate = resolve;
  });
};

beforeAll(async () => {
  const probe = await open(__filename_probe(), 'r');
  const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const datasync = proto.datasync;
  proto.datasync = async function gated(this: unknown): Promise<void> {
    await gate;
    return datasync.call(this);
  };
  restoreSync = () => {
    proto.datasync = datasync;
  };
  dir = mkdtempSync(path.join(tmpdir(), 'durably-reply-durability-'));
  engine = await startEmbeddedMongo({ dbPath: dir });
  client = await MongoClient.connect(engine.uri);
  items = client.db('app').collection<Item>('items');
  await items.insertOne({ _id: 'seed', n: 0 });
});

afterAll(async () => {
  openGate();
  restoreSync();
  await client?.close();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// Any file will do to reach the FileHandle prototype.
function __filename_probe(): string {
  return path.join(process.cwd(), 'package.json');
}

// Whether `promise` has settled once `after` has run `rounds` times, one after the other: the commands of a test go
// to the engine before `after`'s, so a reply that did not wait would have come back by then.
async function settledBy<T>(promise: Promise<T>, after: () => Promise<unknown>, rounds = 10): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  }, () => {
    settled = true;
  });
  for (let i = 0; i < rounds && !settled; i++) await after();
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('embedded engine: replies wait for the journal as the concerns ask', () => {
  it('answers a w: 1 write and a local read at once, and holds a majority write and a majority read for the sync', async () => {
    shut();
    const majority = items.insertOne({ _id: 'm', n: 1 }, { writeConcern: { w: 'majority', j: true } });
    // w: 1 is acknowledged from memory, and a local read sees it (as on mongod: it may not survive a crash yet).
    await items.updateOne({ _id: 'seed' }, { $inc: { n: 1 } }, { writeConcern: { w: 1 } });
    expect((await items.findOne({ _id: 'seed' }, { readConcern: { level: 'local' } }))?.n).toBe(1);
    const majorityRead = items.findOne({ _id: 'seed' }, { readConcern: { level: 'majority' } });
    expect(await settledBy(majority, () => items.findOne({ _id: 'seed' }, { readConcern: { level: 'local' } }))).toBe(false);
    expect(await settledBy(majorityRead, () => items.findOne({ _id: 'seed' }, { readConcern: { level: 'local' } }))).toBe(false);
    openGate();
    await majority;
    expect((await majorityRead)?.n).toBe(1);
  });

  it('holds a write without a write concern (the replica set default is majority) for the sync', async () => {
    shut();
    const plain = client.db('app').command({ insert: 'items', documents: [{ _id: 'plain', n: 2 }] });
    expect(await settledBy(plain, () => items.findOne({ _id: 'plain' }, { readConcern: { level: 'local' } }))).toBe(false);
    openGate();
    expect(await plain).toMatchObject({ ok: 1, n: 1 });
  });

  it('delivers a change only once it is in the journal', async () => {
    const stream = items.watch([{ $match: { 'documentKey._id': 'watched' } }], { maxAwaitTimeMS: 100 });
    // Opened (its aggregate answered) before the write.
    expect(await stream.tryNext()).toBeNull();
    shut();
    await items.insertOne({ _id: 'watched', n: 3 }, { writeConcern: { w: 1 } });
    const next = stream.next();
    expect(await settledBy(next, () => items.findOne({ _id: 'watched' }, { readConcern: { level: 'local' } }), 30)).toBe(false);
    openGate();
    expect((await next).operationType).toBe('insert');
    await stream.close();
  });
});

describe('replyWaitsForJournal', () => {
  const ok = { ok: 1 };
  it('holds writes unless w: 0 or 1 without j or fsync', () => {
    expect(replyWaitsForJournal({ insert: 'c' }, ok, true)).toBe(true);
    expect(replyWaitsForJournal({ insert: 'c', writeConcern: { w: 'majority' } }, ok, true)).toBe(true);
    expect(replyWaitsForJournal({ insert: 'c', writeConcern: { w: 1 } }, ok, true)).toBe(false);
    expect(replyWaitsForJournal({ insert: 'c', writeConcern: { w: 1, j: true } }, ok, true)).toBe(true);
    expect(replyWaitsForJournal({ insert: 'c', writeConcern: { w: 1, fsync: true } }, ok, true)).toBe(true);
    // A write that changed nothing (a duplicate key, a no-op update) honours its write concern all the same.
    expect(replyWaitsForJournal({ update: 'c', writeConcern: { w: 'majority' } }, ok, false)).toBe(true);
    expect(replyWaitsForJournal({ bulkWrite: 1, writeConcern: { w: 1 } }, ok, true)).toBe(false);
  });

  it('holds reads only at read concern majority, linearizable or snapshot; a read-looking command that wrote is a write', () => {
    expect(replyWaitsForJournal({ find: 'c' }, ok, false)).toBe(false);
    expect(replyWaitsForJournal({ find: 'c', readConcern: { level: 'local' } }, ok, false)).toBe(false);
    expect(replyWaitsForJournal({ find: 'c', readConcern: { level: 'majority' } }, ok, false)).toBe(true);
    expect(replyWaitsForJournal({ aggregate: 'c', readConcern: { level: 'linearizable' } }, ok, false)).toBe(true);
    expect(replyWaitsForJournal({ aggregate: 'c', pipeline: [{ $out: 'd' }] }, ok, true)).toBe(true);
  });

  it('holds every change stream reply', () => {
    expect(replyWaitsForJournal({ getMore: 1, collection: 'c' }, { ok: 1, cursor: { id: 1, nextBatch: [], postBatchResumeToken: { _data: 'x' } } }, false)).toBe(true);
    expect(replyWaitsForJournal({ getMore: 1, collection: 'c' }, { ok: 1, cursor: { id: 1, nextBatch: [] } }, false)).toBe(false);
  });
});
