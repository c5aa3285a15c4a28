// Push wake-ups across processes (issue 22): a worker learns of work another process stored through its change
// stream, a client-only process is told that an instance finished, an idle worker keeps to one query per poll
// interval, and a stream cut by an engine restart resumes without missing work. Each app stands for a process (its own
// driver client and feed). The engine is the embedded one (a restart needs its dbPath; the command count, its port);
// no assertion depends on how fast the machine is: counts can only fall on a slow machine, and deadlines are generous.
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommandCounter } from '../../../bench/peers/command-counter.js';
import { Durably } from '../../../src/app/durably.js';
import type { DurablyLogRecord } from '../../../src/core/runtime-logger.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../src/embedded/index.js';
import { Activity, Orchestrator } from '../../../src/registry/decorators.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';

@Activity()
class Greet {
  run(name: string): string {
    return `hello ${name}`;
  }
}

@Orchestrator()
class GreetOnce {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return await ctx.callActivity(Greet, ctx.input);
  }
}

@Orchestrator()
class AwaitGo {
  async run(ctx: OrchestrationContext): Promise<string> {
    return await ctx.waitForExternalEvent<string>('go');
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function engine(options: { dbPath?: string; port?: number; replicaSet?: false } = {}): Promise<EmbeddedMongo> {
  const mongo = await startEmbeddedMongo({ log: () => undefined, ...options });
  cleanups.push(() => mongo.stop());
  return mongo;
}

/** An app standing for one process: a worker when `start`, else a client-only process. */
async function app(uri: string, options: { start: boolean; pollIntervalMs?: number; logs?: DurablyLogRecord[]; changeStreams?: boolean }): Promise<Durably> {
  const durably = await Durably.create({
    mongoUri: uri, dbName: 'wakeups', orchestrators: [GreetOnce, AwaitGo], activities: [Greet],
    ...(options.changeStreams === undefined ? {} : { changeStreams: options.changeStreams }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    logger: (_level, _message, record) => {
      if (typeof record === 'object' && record !== null) options.logs?.push(record);
    },
  });
  cleanups.push(() => durably.stop());
  if (options.start) await durably.start();
  return durably;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function sentSince(counter: CommandCounter, before: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, count] of counter.snapshot().sent) {
    const delta = count - (before.get(key) ?? 0);
    if (delta > 0) out.set(key, delta);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('change-stream wake-ups', () => {
  it('a worker that never polls runs work a client-only process started: the stream told it', async () => {
    const mongo = await engine();
    // A poll every ten minutes: only the feed (and the look-around when it opens) can bring the work in time.
    await app(mongo.uri, { start: true, pollIntervalMs: 600_000 });
    const client = await app(mongo.uri, { start: false, pollIntervalMs: 600_000 });
    for (const name of ['a', 'b', 'c']) {
      const id = await client.client.startNew(GreetOnce, { input: name });
      const status = await client.client.waitForCompletion(id, { timeoutMs: 60_000 });
      expect(status.output).toBe(`hello ${name}`);
    }
  }, 120_000);

  it('scheduled starts from another process begin at their times, however many are pending, without polling', async () => {
    const mongo = await engine();
    await app(mongo.uri, { start: true, pollIntervalMs: 600_000 });
    const client = await app(mongo.uri, { start: false, pollIntervalMs: 600_000 });
    const now = Date.now();
    // The later one first: the worker's one wake-up moves to the earlier, and is set again for the later one after it.
    const later = await client.client.startNew(GreetOnce, { input: 'later', startAt: new Date(now + 1_500) });
    const sooner = await client.client.startNew(GreetOnce, { input: 'sooner', startAt: new Date(now + 800) });
    for (const [id, name] of [[sooner, 'sooner'], [later, 'later']] as const) {
      const status = await client.client.waitForCompletion(id, { timeoutMs: 60_000 });
      expect(status.output).toBe(`hello ${name}`);
    }
  }, 120_000);

  it('a client-only process is told when an instance finishes: it reads the status about once a second, not every 250 ms', async () => {
    const mongo = await engine();
    const { counter, uri } = await CommandCounter.start(mongo.port);
    cleanups.push(() => counter.close());
    const worker = await app(mongo.uri, { start: true });
    const client = await app(uri, { start: false });
    const id = await client.client.startNew(AwaitGo);
    const before = counter.snapshot().sent;
    const waited = client.client.waitForCompletion(id, { timeoutMs: 60_000 });
    await sleep(3_000);
    await worker.client.raiseEvent(id, 'go', 'went');
    expect((await waited).output).toBe('went');
    const sent = sentSince(counter, before);
    // Polling (10 ms doubling to 250 ms) would read it about 15 times in 3 s; told, it reads it at the start, at most
    // once a second as a safety net (a slow machine reads it less), and once when told: at most 5 in all.
    expect(sent.get('find instances') ?? 0).toBeLessThanOrEqual(5);
  }, 120_000);

  it('an idle worker sends at most one query per poll interval, stream reads included', async () => {
    const mongo = await engine();
    const { counter, uri } = await CommandCounter.start(mongo.port);
    cleanups.push(() => counter.close());
    await app(uri, { start: true, pollIntervalMs: 250 });
    await sleep(2_000); // the feed opens and the start-up queries are done
    const before = counter.snapshot().sent;
    await sleep(3_000);
    const sent = sentSince(counter, before);
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    // 3 s at 250 ms: at most 12. Timers only fire late on a busy machine, so the count can only be lower.
    if (total > 12) throw new Error(`an idle worker sent ${total} commands in 3 s: ${JSON.stringify(Object.fromEntries(sent))}`);
    expect(total).toBeGreaterThan(0);
  }, 60_000);

  it('a worker whose stream is cut by an engine restart resumes it and misses no work', async () => {
    const dbPath = mkdtempSync(path.join(tmpdir(), 'durably-wakeups-'));
    cleanups.push(() => Promise.resolve(rmSync(dbPath, { recursive: true, force: true })));
    const port = await freePort();
    let mongo = await startEmbeddedMongo({ log: () => undefined, dbPath, port });
    const stopEngine = (): Promise<void> => mongo.stop();
    cleanups.push(() => stopEngine());
    await app(mongo.uri, { start: true, pollIntervalMs: 600_000 });
    const client = await app(mongo.uri, { start: false, pollIntervalMs: 600_000 });
    const first = await client.client.startNew(GreetOnce, { input: 'before' });
    expect((await client.client.waitForCompletion(first, { timeoutMs: 60_000 })).output).toBe('hello before');

    await mongo.stop();
    mongo = await startEmbeddedMongo({ log: () => undefined, dbPath, port });
    const ids: string[] = [];
    for (const name of ['x', 'y', 'z']) ids.push(await client.client.startNew(GreetOnce, { input: name }));
    for (const [i, id] of ids.entries()) {
      expect((await client.client.waitForCompletion(id, { timeoutMs: 60_000 })).output).toBe(`hello ${['x', 'y', 'z'][i] ?? ''}`);
    }
    // Work started after the restart reached a worker that polls every ten minutes: its feed came back.
  }, 180_000);

  it('on a standalone server (no change streams), or with changeStreams: false, workers and waiters poll', async () => {
    for (const setup of [{ replicaSet: false as const }, { changeStreams: false }]) {
      const mongo = await engine('replicaSet' in setup ? { replicaSet: false } : {});
      const logs: DurablyLogRecord[] = [];
      const changeStreams = 'changeStreams' in setup ? { changeStreams: false } : {};
      await app(mongo.uri, { start: true, pollIntervalMs: 50, logs, ...changeStreams });
      const client = await app(mongo.uri, { start: false, pollIntervalMs: 50, logs, ...changeStreams });
      const id = await client.client.startNew(GreetOnce, { input: 'polled' });
      expect((await client.client.waitForCompletion(id, { timeoutMs: 60_000 })).output).toBe('hello polled');
      // No stream was failing on the way: there was none to open (standalone), or none was asked for.
      expect(logs.filter((record) => record.event === 'notifications.failed')).toEqual([]);
    }
  }, 120_000);

  it('rejects a changeStreams option that is not a boolean', async () => {
    const mongo = await engine();
    await expect(Durably.create({ mongoUri: mongo.uri, dbName: 'wakeups', changeStreams: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
