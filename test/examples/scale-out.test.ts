// The scale-out example as users run it: two real worker processes (the compiled example worker) and a client.
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { main } from '../../examples/scale-out/main.js';

const dbName = `scale_out_example_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  // Without MONGODB_URI the example ran on its own in-memory engine, which is gone; with it, drop what it wrote.
  const uri = process.env.MONGODB_URI;
  if (uri === undefined || uri === '') return;
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.db(dbName).dropDatabase();
  await client.close();
});

describe('examples/scale-out', () => {
  it('runs every orchestration once across two worker processes, which both take part and stop cleanly', async () => {
    const result = await main({ instances: 30, dbName });
    expect(result.completed).toBe(30);
    expect(result.workers).toHaveLength(2);
    expect(new Set(result.workers.map((w) => w.pid)).size).toBe(2);
    expect(result.workers.every((w) => w.pid !== process.pid)).toBe(true);
    // Three thumbnails per upload, each made by one of the two workers.
    expect(result.workers.reduce((sum, w) => sum + w.activities, 0)).toBe(90);
    for (const worker of result.workers) expect(worker.activities).toBeGreaterThan(0);
    expect(result.exitCodes).toEqual([0, 0]);
  }, 90_000);
});
