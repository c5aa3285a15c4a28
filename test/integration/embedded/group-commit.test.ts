// Group commit, counted with serverStatus's journal syncs (wiredTiger.log['log sync operations']): writes that arrive
// in the same event-loop turn share one write + fdatasync, a lone write still gets exactly one, and reads none.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../src/embedded/index.js';

type Item = { _id: string; round?: number; at?: number };

const CONNECTIONS = 16;
let dbPath: string;
let mongo: EmbeddedMongo;
let clients: MongoClient[];

async function syncs(): Promise<number> {
  const status = await clients[0]!.db('admin').command({ serverStatus: 1 });
  return Number(status.wiredTiger.log['log sync operations']);
}

beforeAll(async () => {
  dbPath = mkdtempSync(path.join(tmpdir(), 'durably-group-commit-'));
  mongo = await startEmbeddedMongo({ dbPath, log: () => undefined });
  // One connection per client, all opened before measuring: each concurrent command travels on its own socket.
  clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => MongoClient.connect(mongo.uri, { maxPoolSize: 1 })));
  await Promise.all(clients.map((client, i) => client.db('app').collection<Item>('warm').insertOne({ _id: `warm-${i}` })));
});

afterAll(async () => {
  await Promise.all((clients ?? []).map((client) => client.close()));
  await mongo?.stop();
  if (dbPath !== undefined) rmSync(dbPath, { recursive: true, force: true });
});

describe('group commit (dbPath)', () => {
  it('a lone write costs exactly one sync, a read none', async () => {
    const items = clients[0]!.db('app').collection<Item>('lone');
    const before = await syncs();
    await items.insertOne({ _id: 'one' });
    expect(await syncs()).toBe(before + 1);
    await items.findOne({ _id: 'one' });
    await items.countDocuments();
    expect(await syncs()).toBe(before + 1);
  });

  it('concurrent inserts from many connections share far fewer syncs than writes', async () => {
    const rounds = 10;
    const before = await syncs();
    for (let round = 0; round < rounds; round++) {
      const start = await syncs();
      await Promise.all(clients.map((client, i) => client.db('app').collection<Item>('burst').insertOne({ _id: `r${round}-c${i}`, round })));
      // Every acknowledged insert was synced: at least one sync happened since the round began.
      expect(await syncs()).toBeGreaterThan(start);
    }
    const used = (await syncs()) - before;
    // In one process the commands of a round arrive in one poll phase: one sync per round. Allow a stray second one.
    expect(used).toBeLessThanOrEqual(2 * rounds);
    expect(used).toBeLessThan((rounds * CONNECTIONS) / 4);
    expect(await clients[0]!.db('app').collection<Item>('burst').countDocuments()).toBe(rounds * CONNECTIONS);
  });

  it('a history insert and a jobs update sent at once on two connections share one sync', async () => {
    const history = clients[1]!.db('app').collection<Item>('history');
    const jobs = clients[2]!.db('app').collection<Item>('jobs');
    const pairs = 20;
    const before = await syncs();
    for (let i = 0; i < pairs; i++) {
      await Promise.all([
        history.insertOne({ _id: `h${i}` }),
        jobs.updateOne({ _id: `j${i % 3}` }, { $set: { at: i } }, { upsert: true }),
      ]);
    }
    const used = (await syncs()) - before;
    expect(used).toBeGreaterThanOrEqual(pairs);
    expect(used).toBeLessThanOrEqual(Math.ceil(pairs * 1.25));
  });

  it('keeps every acknowledged write across a restart', async () => {
    const expected = await clients[0]!.db('app').collection<Item>('burst').countDocuments();
    await Promise.all(clients.map((client) => client.close()));
    await mongo.stop();
    mongo = await startEmbeddedMongo({ dbPath, log: () => undefined });
    clients = [await MongoClient.connect(mongo.uri)];
    expect(await clients[0]!.db('app').collection<Item>('burst').countDocuments()).toBe(expected);
    // Counters restart with the engine, as mongod's do.
    expect(await syncs()).toBe(0);
  });
});

describe('journal counters without dbPath', () => {
  it('reports no syncs', async () => {
    const memory = await startEmbeddedMongo({ log: () => undefined });
    const client = await MongoClient.connect(memory.uri);
    try {
      await client.db('app').collection<Item>('x').insertOne({ _id: 'a' });
      const status = await client.db('admin').command({ serverStatus: 1 });
      expect(status.wiredTiger.log['log sync operations']).toBe(0);
      expect(status.storageEngine.persistent).toBe(false);
      expect(status.opcounters.insert).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
      await memory.stop();
    }
  });
});
