/**
 * The engine process of the scale-out benchmark: the embedded engine persisted to a fresh `dbPath` (deleted at the
 * end), alone in its process so that its CPU time is its own. Each `run` reports its counters (CPU, commands served,
 * journal syncs) and, in `detail`, the URI the workers and the client connect to.
 *
 * @module
 */
import { MongoClient } from 'mongodb';
import { startEngine, type EngineHost } from '../peers/durably-host.js';
import { serveSide } from '../peers/side-protocol.js';
import { cpuMs, OP_KINDS, toRepResult, type EngineDetail, type OpCounts, type OpKind } from './process-counters.js';

let host: EngineHost | undefined;
let observer: MongoClient | undefined;

async function serverCounters(): Promise<{ ops: OpCounts; fsyncs: number }> {
  const status = await (observer as MongoClient).db('admin').command({ serverStatus: 1 });
  const opcounters = (status.opcounters ?? {}) as Record<string, unknown>;
  const ops = Object.fromEntries(OP_KINDS.map((kind) => [kind, Number(opcounters[kind] ?? 0)])) as Record<OpKind, number>;
  const syncs = (status.wiredTiger as { log?: Record<string, unknown> } | undefined)?.log?.['log sync operations'];
  return { ops, fsyncs: typeof syncs === 'number' ? syncs : 0 };
}

serveSide({
  setup: async () => {
    host = await startEngine(true);
    observer = await MongoClient.connect(host.engine.uri);
  },
  run: async () => {
    const server = await serverCounters();
    const detail: EngineDetail = { uri: (host as EngineHost).engine.uri, pid: process.pid };
    return toRepResult({ cpuMs: cpuMs(), episodes: 0, activities: 0, ...server }, detail);
  },
  teardown: async () => {
    await observer?.close();
    await host?.stop();
  },
});
