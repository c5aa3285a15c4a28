import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { startEmbeddedMongo } from '../src/embedded/index.js';

/**
 * `npm run bench`: the embedded engine measured through the real `mongodb` driver on one connection.
 * A benchmark, not a test: numbers vary with the machine's load. Options: `--ops N` (default 5000).
 */

interface Result {
  readonly mode: string;
  readonly operation: string;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly p50us: number;
  readonly p99us: number;
}

const opsArg = process.argv.indexOf('--ops');
const OPS = opsArg > 0 ? Number(process.argv[opsArg + 1]) : 5000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(mode: string, operation: string, ops: number, run: (i: number) => Promise<unknown>): Promise<Result> {
  for (let i = ops; i < ops + Math.min(200, ops); i++) await run(i); // warm-up, on indexes the measured run does not use
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const t0 = performance.now();
    await run(i);
    latencies.push((performance.now() - t0) * 1000);
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { mode, operation, ops, opsPerSec: Math.round(ops / elapsed), p50us: Math.round(percentile(latencies, 50)), p99us: Math.round(percentile(latencies, 99)) };
}

async function fill(collection: Collection, count: number): Promise<void> {
  for (let from = 0; from < count; from += 10_000) {
    const batch: Document[] = [];
    for (let i = from; i < Math.min(count, from + 10_000); i++) batch.push({ k: i, name: `item-${i}`, payload: 'x'.repeat(100) });
    await collection.insertMany(batch, { ordered: false });
  }
}

async function benchMode(mode: 'memory' | 'dbPath'): Promise<Result[]> {
  const dir = mode === 'dbPath' ? mkdtempSync(path.join(tmpdir(), 'durably-bench-')) : undefined;
  const mongo = await startEmbeddedMongo({ dbPath: dir });
  const client = await MongoClient.connect(mongo.uri, { maxPoolSize: 1 });
  const results: Result[] = [];
  try {
    const db = client.db('bench');
    const docs = db.collection<{ _id: number; n: number; name?: string }>('docs');
    results.push(await measure(mode, 'insertOne', OPS, (i) => docs.insertOne({ _id: i + 1_000_000, n: 0, name: `doc-${i}` })));
    results.push(await measure(mode, 'findOne by _id', OPS, (i) => docs.findOne({ _id: (i % OPS) + 1_000_000 })));
    results.push(await measure(mode, 'findOneAndUpdate by _id', OPS, (i) =>
      docs.findOneAndUpdate({ _id: (i % OPS) + 1_000_000 }, { $inc: { n: 1 } }, { returnDocument: 'after' })));
    for (const size of [1_000, 100_000]) {
      const items = db.collection(`items_${size}`);
      await items.createIndex({ k: 1 });
      await fill(items, size);
      results.push(await measure(mode, `indexed find {k} (${size / 1000}k docs)`, OPS, (i) =>
        items.findOne({ k: (i * 7919) % size })));
    }
  } finally {
    await client.close();
    await mongo.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

async function main(): Promise<void> {
  const results = [...(await benchMode('memory')), ...(await benchMode('dbPath'))];
  process.stdout.write(`\nEmbedded engine, real mongodb driver, one connection, ${OPS} sequential ops each (in-process engine)\n\n`);
  process.stdout.write(`${'mode'.padEnd(8)} ${'operation'.padEnd(34)} ${'ops/s'.padStart(8)} ${'p50 µs'.padStart(8)} ${'p99 µs'.padStart(8)}\n`);
  for (const r of results) {
    process.stdout.write(`${r.mode.padEnd(8)} ${r.operation.padEnd(34)} ${String(r.opsPerSec).padStart(8)} ${String(r.p50us).padStart(8)} ${String(r.p99us).padStart(8)}\n`);
  }
  process.stdout.write(`\n${JSON.stringify(results)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
