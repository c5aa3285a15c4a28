import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startEngineProcess, type EngineProcess } from '../../support/engine-process.js';

type AnyDoc = { _id: string | number; [key: string]: unknown };

const dirs: string[] = [];
const engines: EngineProcess[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'durably-durability-'));
  dirs.push(dir);
  return dir;
}

async function start(dbPath: string): Promise<EngineProcess> {
  const engine = await startEngineProcess(dbPath);
  engines.push(engine);
  return engine;
}

afterAll(async () => {
  for (const engine of engines) await engine.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('embedded engine durability (dbPath, real child process)', () => {
  it('keeps every acknowledged write across kill -9, with writes in flight', async () => {
    const dbPath = tempDir();
    const engine = await start(dbPath);
    const writers = 4;
    const acked = new Set<string>();
    const counters = new Map<number, number>();
    let stop = false;
    const clients = await Promise.all(
      Array.from({ length: writers }, () => MongoClient.connect(engine.uri, { maxPoolSize: 2, serverSelectionTimeoutMS: 2000 })),
    );
    await clients[0]!.db('app').collection<AnyDoc>('items').createIndex({ tag: 1 }, { unique: true });
    const work = clients.map(async (client, w) => {
      const items = client.db('app').collection<{ _id: string; tag: string; payload: string }>('items');
      const counter = client.db('app').collection<{ _id: number; n: number }>('counters');
      for (let i = 0; !stop; i++) {
        try {
          await items.insertOne({ _id: `w${w}-${i}`, tag: `t${w}-${i}`, payload: 'x'.repeat(200) });
          acked.add(`w${w}-${i}`);
          const after = await counter.findOneAndUpdate({ _id: w }, { $inc: { n: 1 } }, { upsert: true, returnDocument: 'after' });
          counters.set(w, after?.n ?? 0);
        } catch {
          return; // the engine was killed under us
        }
      }
    });
    // Let the writers run, then kill the engine without warning.
    while (acked.size < 400) await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.kill('SIGKILL');
    stop = true;
    await Promise.all(work);
    await Promise.all(clients.map((client) => client.close(true)));

    const restarted = await start(dbPath);
    const client = await MongoClient.connect(restarted.uri);
    try {
      const items = client.db('app').collection<AnyDoc>('items');
      const stored = new Set((await items.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => String(doc._id)));
      const lost = [...acked].filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      for (const [w, n] of counters) {
        const doc = await client.db('app').collection<{ _id: number; n: number }>('counters').findOne({ _id: w });
        // An increment in flight at the kill may or may not have landed; an acknowledged one must have.
        expect(doc?.n).toBeGreaterThanOrEqual(n);
        expect(doc?.n).toBeLessThanOrEqual(n + 1);
      }
      // Indexes are recovered too: the unique index still refuses duplicates.
      await expect(items.insertOne({ _id: 'dup', tag: 't0-0' })).rejects.toMatchObject({ code: 11000 });
    } finally {
      await client.close();
    }
  });

  it('restores data, indexes and drops after a graceful restart', async () => {
    const dbPath = tempDir();
    const first = await start(dbPath);
    let client = await MongoClient.connect(first.uri);
    const db = client.db('keep');
    await db.collection<AnyDoc>('a').insertMany([{ _id: 1, v: 'one' }, { _id: 2, v: 'two' }]);
    await db.collection<AnyDoc>('a').updateOne({ _id: 1 }, { $set: { v: 'uno' } });
    await db.collection<AnyDoc>('a').deleteOne({ _id: 2 });
    await db.collection<AnyDoc>('a').createIndex({ v: 1 }, { name: 'by_v' });
    await db.collection<AnyDoc>('gone').insertOne({ _id: 1, x: 1 });
    await db.collection<AnyDoc>('gone').drop();
    await client.close();
    await first.kill('SIGTERM');

    const second = await start(dbPath);
    client = await MongoClient.connect(second.uri);
    try {
      const again = client.db('keep');
      expect(await again.collection<AnyDoc>('a').find().toArray()).toEqual([{ _id: 1, v: 'uno' }]);
      expect((await again.collection<AnyDoc>('a').indexes()).map((index) => index.name)).toEqual(['_id_', 'by_v']);
      expect((await again.listCollections().toArray()).map((c) => c.name)).toEqual(['a']);
    } finally {
      await client.close();
    }
  });

  it('refuses a second engine on the same dbPath while the first runs', async () => {
    const dbPath = tempDir();
    await start(dbPath);
    await expect(startEngineProcess(dbPath, 10_000)).rejects.toThrow(/exited with 1/);
  });
});
