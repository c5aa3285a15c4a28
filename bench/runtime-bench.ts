import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BSON, MongoClient, type Document } from 'mongodb';
import { container } from 'tsyringe';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/embedded/index.js';
import type { OrchestrationContext } from '../src/engine/orchestration-context.js';
import { HistoryEventType, type HistoryEvent } from '../src/history/history-event.js';
import { Activity, Orchestrator } from '../src/registry/index.js';
import { Durably } from '../src/runtime/durably.js';
import type { DurablyOptions } from '../src/runtime/durably-options.js';

/**
 * `npm run bench` (after the engine and replay benches): the whole runtime — Durably app, MongoDB store, Agenda
 * scheduler — against the embedded engine, in memory and with a dbPath, in one process with default tuning. Then the
 * same workload through 1 and 2 worker processes (the test fixture `worker.mjs`), and the durable writes per activity
 * counted on the wire. A benchmark, not a test: numbers vary with the machine's load. Options: `--quick` (fewer runs).
 */

const QUICK = process.argv.includes('--quick');
// `--memory`: only the in-memory single-process scenarios and the command count (a quick loop while tuning).
const MEMORY_ONLY = process.argv.includes('--memory');
const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench -> the repository root (the fixture is plain JS, not compiled).
const WORKER_SCRIPT = path.resolve(here, '../../test/integration/runtime/fixtures/worker.mjs');

// ---- Workload ----------------------------------------------------------------------------------------------------

@Activity()
class Noop {
  run(input: number): number {
    return input;
  }
}

@Orchestrator()
class Chain {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    for (let i = 0; i < ctx.input; i++) await ctx.callActivity(Noop, i);
    return ctx.input;
  }
}

@Orchestrator()
class FanOutFanIn {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    const results = await ctx.whenAll(Array.from({ length: ctx.input }, (_, i) => ctx.callActivity(Noop, i)));
    return results.length;
  }
}

@Orchestrator()
class Sleeper {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + ctx.input));
    return ctx.input;
  }
}

// Twins of the worker fixture's classes (same names), for the client of the multi-process runs.
@Activity()
class Work {
  run(input: number): number {
    return input * 2;
  }
}

@Orchestrator()
class Chain3 {
  async run(ctx: OrchestrationContext<number>): Promise<number[]> {
    const a = await ctx.callActivity(Work, ctx.input);
    const b = await ctx.callActivity(Work, a);
    return [a, b, await ctx.callActivity(Work, b)];
  }
}

const ORCHESTRATORS = [Chain, FanOutFanIn, Sleeper, Chain3];
const ACTIVITIES = [Noop, Work];

// ---- Helpers -----------------------------------------------------------------------------------------------------

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let hubCounter = 0;
async function createApp(uri: string, options: Partial<DurablyOptions> & { start?: boolean } = {}): Promise<Durably> {
  const durably = await Durably.create({
    mongoUri: uri,
    dbName: 'bench_runtime',
    taskHub: `Bench${++hubCounter}`,
    orchestrators: ORCHESTRATORS,
    activities: ACTIVITIES,
    container: container.createChildContainer(),
    logger: (level, message, ...args) => {
      if (level === 'error') console.error(message, ...args);
    },
    ...options,
  });
  if (options.start !== false) await durably.start();
  return durably;
}

/**
 * Waits for an instance to complete and returns its latency from `t0` (a `Date.now()` taken before `startNew`) to its
 * `lastUpdatedTime`: the start of the episode that completed it (its replay and commit, ~1 ms, are not counted). The
 * bench learns of the completion by polling every 10 ms, but does not time with the poll: a poll every millisecond
 * costs enough CPU in this one process (engine included) to slow down what it measures.
 */
async function completion(durably: Durably, id: string, t0: number, timeoutMs = 300_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await durably.client.getStatus(id, { showInput: false });
    if (status?.runtimeStatus === 'Completed') return (status.lastUpdatedTime.getTime()) - t0;
    if (status !== undefined && status.runtimeStatus !== 'Running' && status.runtimeStatus !== 'Pending') {
      throw new Error(`instance ${id} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
    }
    if (Date.now() > deadline) throw new Error(`instance ${id} did not complete within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * Starts `count` instances at once and waits until all completed; returns the time from before the first `startNew`
 * to the last completion (`lastUpdatedTime`). Polls the list of unfinished instances every 50 ms.
 */
async function runMany(durably: Durably, name: string, count: number, input: (i: number) => number, timeoutMs = 300_000): Promise<number> {
  const t0 = Date.now();
  const from = new Date(t0 - 1);
  await Promise.all(Array.from({ length: count }, (_, i) => durably.client.startNew(name, { input: input(i) })));
  const deadline = Date.now() + timeoutMs;
  while ((await durably.client.listInstances({ createdTimeFrom: from, runtimeStatus: ['Pending', 'Running'], pageSize: 1 })).instances.length > 0) {
    if (Date.now() > deadline) throw new Error(`${name} instances did not complete within ${timeoutMs} ms`);
    await sleep(50);
  }
  let last = 0;
  let completed = 0;
  let page = await durably.client.listInstances({ createdTimeFrom: from, pageSize: 1000 });
  for (;;) {
    for (const status of page.instances) {
      if (status.runtimeStatus !== 'Completed') throw new Error(`instance ${status.instanceId} ended ${status.runtimeStatus}`);
      completed++;
      last = Math.max(last, status.lastUpdatedTime.getTime());
    }
    if (page.continuationToken === undefined) break;
    page = await durably.client.listInstances({ createdTimeFrom: from, pageSize: 1000, continuationToken: page.continuationToken });
  }
  if (completed !== count) throw new Error(`expected ${count} ${name} instances, found ${completed}`);
  return last - t0;
}

const time = (e: HistoryEvent): number => e.timestamp.getTime();

// ---- Single-process scenarios -------------------------------------------------------------------------------------

interface ModeResults {
  mode: string;
  chain10: { p50: number; p90: number; runs: number };
  chain10WithTombstones: { p50: number; finishedJobs: number };
  chain50: { totalPerActivity: number; scheduledToCompletedP50: number; completedToNextEpisodeP50: number; episodeToScheduledP50: number };
  fanOut: { n: number; ms: number }[];
  concurrent: { count: number; ms: number; perSecond: number };
  timers: { p50: number; p90: number; count: number };
}

/** Runs `scenario` on a fresh app and task hub (so no scenario inherits another's finished jobs), after a warm-up. */
async function onFreshHub<T>(uri: string, scenario: (durably: Durably, taskHub: string) => Promise<T>): Promise<T> {
  const taskHub = `Bench${++hubCounter}`;
  const durably = await createApp(uri, { taskHub });
  try {
    await completion(durably, await durably.client.startNew(Chain, { input: 3 }), Date.now());
    return await scenario(durably, taskHub);
  } finally {
    await durably.stop();
  }
}

async function chainLatencies(durably: Durably, runs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    latencies.push(await completion(durably, await durably.client.startNew(Chain, { input: 10 }), t0));
  }
  return latencies;
}

/**
 * Agenda leaves each finished one-off job in place, and the scheduler keeps them as the record that an action ran
 * (until `purgeFinishedJobs`). Adds `count` such documents, copies of a real finished activity job under new keys.
 */
async function addFinishedJobs(uri: string, taskHub: string, count: number): Promise<void> {
  const client = await MongoClient.connect(uri);
  try {
    const jobs = client.db('bench_runtime').collection<Document>(`${taskHub}.jobs`);
    // Finished jobs are kept (renamed to FinishedJobName) as the record that their key ran.
    const model = await jobs.findOne({ name: { $in: ['durably.activity', 'durably.activity.done'] }, lastFinishedAt: { $type: 'date' } });
    if (model === null) throw new Error('no finished activity job to copy');
    const { _id: _unused, ...fields } = model;
    for (let from = 0; from < count; from += 1000) {
      await jobs.insertMany(Array.from({ length: Math.min(1000, count - from) }, (_, i) => ({
        ...fields,
        data: { ...(fields.data as Document), instanceId: `tombstone-${from + i}`, key: `tombstone-${from + i}` },
      })));
    }
  } finally {
    await client.close();
  }
}

async function benchMode(mode: 'memory' | 'dbPath'): Promise<ModeResults> {
  const dir = mode === 'dbPath' ? mkdtempSync(path.join(tmpdir(), 'durably-runtime-bench-')) : undefined;
  const mongo = await startEmbeddedMongo({ dbPath: dir });
  try {
    // Sequential 10-activity orchestration: startNew -> Completed.
    const chainRuns = QUICK ? 8 : 20;
    const latencies = await onFreshHub(mongo.uri, async (durably) => {
      await chainLatencies(durably, 3); // warm-up: JIT, connection pools
      return chainLatencies(durably, chainRuns);
    });

    // The same with the finished jobs of 5,000 earlier activities in the task hub.
    const finishedJobs = QUICK ? 2000 : 5000;
    const withTombstones = await onFreshHub(mongo.uri, async (durably, taskHub) => {
      await addFinishedJobs(mongo.uri, taskHub, finishedJobs);
      return chainLatencies(durably, QUICK ? 5 : 10);
    });

    // Per-activity overhead: a 50-activity chain, and the gaps its history records.
    const chain50 = await onFreshHub(mongo.uri, async (durably) => {
      const t0 = Date.now();
      const id = await durably.client.startNew(Chain, { input: 50 });
      const total = await completion(durably, id, t0);
      const scheduled = new Map<number, number>();
      const scheduledToCompleted: number[] = [];
      const completedToNextEpisode: number[] = [];
      const episodeToScheduled: number[] = [];
      let lastCompleted: number | undefined;
      let episodeStart = 0;
      for (const e of await durably.client.getHistory(id)) {
        if (e.type === HistoryEventType.OrchestratorStarted) {
          if (lastCompleted !== undefined) completedToNextEpisode.push(time(e) - lastCompleted);
          episodeStart = time(e);
        }
        if (e.type === HistoryEventType.TaskScheduled) {
          scheduled.set(e.eventId, time(e));
          episodeToScheduled.push(time(e) - episodeStart);
        }
        if (e.type === HistoryEventType.TaskCompleted) {
          const at = scheduled.get(e.taskScheduledId);
          if (at !== undefined) scheduledToCompleted.push(time(e) - at);
          lastCompleted = time(e);
        }
      }
      return {
        totalPerActivity: round(total / 50, 2),
        scheduledToCompletedP50: percentile(scheduledToCompleted, 50),
        completedToNextEpisodeP50: percentile(completedToNextEpisode, 50),
        episodeToScheduledP50: percentile(episodeToScheduled, 50),
      };
    });

    // Fan-out/fan-in.
    const fanOut: { n: number; ms: number }[] = [];
    for (const n of QUICK ? [100] : [100, 1000]) {
      fanOut.push(await onFreshHub(mongo.uri, async (durably) => {
        const start = Date.now();
        return { n, ms: round(await completion(durably, await durably.client.startNew(FanOutFanIn, { input: n }), start), 0) };
      }));
    }

    // 500 concurrent 3-activity orchestrations.
    const count = QUICK ? 100 : 500;
    const concurrentMs = await onFreshHub(mongo.uri, (durably) => runMany(durably, 'Chain3', count, (i) => i));

    // Timer lateness: TimerFired's timestamp (when the timer's job ran) minus the timer's fireAt.
    const lateness = await onFreshHub(mongo.uri, async (durably) => {
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => durably.client.startNew(Sleeper, { input: 200 + Math.round((300 * i) / 19) })));
      const out: number[] = [];
      for (const id of ids) {
        await completion(durably, id, Date.now(), 30_000);
        for (const e of await durably.client.getHistory(id)) {
          if (e.type === HistoryEventType.TimerFired) out.push(time(e) - e.fireAt.getTime());
        }
      }
      return out;
    });

    return {
      mode,
      chain10: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), runs: chainRuns },
      chain10WithTombstones: { p50: round(percentile(withTombstones, 50)), finishedJobs },
      chain50,
      fanOut,
      concurrent: { count, ms: round(concurrentMs, 0), perSecond: round((count * 1000) / concurrentMs, 0) },
      timers: { p50: percentile(lateness, 50), p90: percentile(lateness, 90), count: lateness.length },
    };
  } finally {
    await mongo.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

// ---- Worker processes -------------------------------------------------------------------------------------------

interface ChildWorker {
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

function startWorker(uri: string, taskHub: string): ChildWorker {
  const child = spawn(process.execPath, [WORKER_SCRIPT], {
    env: { ...process.env, URI: uri, DB: 'bench_runtime', TASK_HUB: taskHub },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"event":"ready"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
  ready.catch(() => undefined);
  return {
    ready,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** 500 Chain3 started by a client-only app, run by `workers` worker processes. Returns orchestrations per second. */
async function benchWorkers(mongo: EmbeddedMongo, workers: number): Promise<{ workers: number; count: number; ms: number; perSecond: number }> {
  const taskHub = `BenchWorkers${workers}`;
  const children = Array.from({ length: workers }, () => startWorker(mongo.uri, taskHub));
  const client = await createApp(mongo.uri, { taskHub, start: false });
  try {
    await Promise.all(children.map((c) => c.ready));
    await runMany(client, 'Chain3', 20, (i) => i); // warm-up
    const count = QUICK ? 100 : 500;
    const ms = await runMany(client, 'Chain3', count, (i) => i);
    return { workers, count, ms: round(ms, 0), perSecond: round((count * 1000) / ms, 0) };
  } finally {
    await client.stop();
    await Promise.all(children.map((c) => c.stop()));
  }
}

// ---- Writes per activity, counted on the wire ---------------------------------------------------------------------

/**
 * A TCP proxy in front of the engine that decodes every OP_MSG the app sends and counts commands by name and collection
 * (write commands by statement: documents inserted, update/delete statements, findAndModify calls). It sees every
 * client Durably opens — the store's and Agenda's — without any hook in the library.
 */
class CommandCounter {
  readonly counts = new Map<string, number>();
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(targetPort: number) {
    this.#server = net.createServer((socket) => this.#connect(socket, targetPort));
  }

  static async start(target: EmbeddedMongo): Promise<{ counter: CommandCounter; uri: string }> {
    const counter = new CommandCounter(target.port);
    await new Promise<void>((resolve) => counter.#server.listen(0, '127.0.0.1', resolve));
    const { port } = counter.#server.address() as net.AddressInfo;
    return { counter, uri: `mongodb://127.0.0.1:${port}/` };
  }

  #connect(socket: net.Socket, port: number): void {
    const upstream = net.connect(port, '127.0.0.1');
    this.#sockets.add(socket).add(upstream);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (pending.length < length) break;
        this.#count(pending.subarray(0, length));
        pending = pending.subarray(length);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => socket.write(chunk));
    const close = (): void => {
      socket.destroy();
      upstream.destroy();
      this.#sockets.delete(socket);
      this.#sockets.delete(upstream);
    };
    socket.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #count(frame: Buffer): void {
    if (frame.readInt32LE(12) !== 2013) return; // OP_MSG only (the handshake's OP_QUERY is not an operation)
    const flags = frame.readUInt32LE(16);
    const end = frame.length - ((flags & 1) === 1 ? 4 : 0);
    let position = 20;
    let body: Document | undefined;
    const sequences = new Map<string, number>();
    while (position < end) {
      const kind = frame[position];
      position += 1;
      const size = frame.readInt32LE(position);
      if (kind === 0) {
        body = BSON.deserialize(frame.subarray(position, position + size));
      } else {
        const nameEnd = frame.indexOf(0, position + 4);
        const identifier = frame.toString('utf8', position + 4, nameEnd);
        let docs = 0;
        for (let p = nameEnd + 1; p < position + size; p += frame.readInt32LE(p)) docs++;
        sequences.set(identifier, docs);
      }
      position += size;
    }
    if (body === undefined) return;
    const command = Object.keys(body)[0] ?? '?';
    // Server monitoring, on a timer: not caused by the work.
    if (command === 'hello' || command === 'ismaster' || command === 'isMaster') return;
    const target = body[command] as unknown;
    const collection = typeof target === 'string' ? target.replace(/^[^.]+\./, '') : '-';
    const statements = (field: string): number => sequences.get(field) ?? (Array.isArray(body?.[field]) ? (body[field] as unknown[]).length : 1);
    const n = command === 'insert' ? statements('documents') : command === 'update' ? statements('updates') : command === 'delete' ? statements('deletes') : 1;
    const key = `${command} ${collection}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
}

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) out.set(key, d);
  }
  return out;
}

/**
 * Commands per activity, as the difference between a 20-activity and a 10-activity chain divided by 10: the marginal
 * cost of one more activity, without the start and completion of the orchestration. Polling is set to one minute so
 * that every counted command is caused by the chain (in-process wake-ups and Agenda's in-process notifications still
 * start the work at once), and the bench watches for completion on its own connection, around the proxy.
 */
async function countCommands(): Promise<{ perActivity: Map<string, number>; perOrchestration10: Map<string, number> }> {
  const mongo = await startEmbeddedMongo();
  const { counter, uri } = await CommandCounter.start(mongo);
  const taskHub = 'BenchCount';
  const durably = await createApp(uri, { pollIntervalMs: 60_000, taskHub });
  const observer = await MongoClient.connect(mongo.uri);
  const instances = observer.db('bench_runtime').collection<Document>(`${taskHub}.instances`);
  const chain = async (n: number): Promise<void> => {
    const id = await durably.client.startNew(Chain, { input: n });
    while ((await instances.findOne({ _id: id } as Document))?.runtimeStatus !== 'Completed') await sleep(2);
  };
  try {
    for (let i = 0; i < 2; i++) await chain(5);
    const measure = async (n: number): Promise<Map<string, number>> => {
      await sleep(300);
      const before = counter.snapshot();
      await chain(n);
      // The last episode's release and the idle loop's last look for work land just after the status.
      await sleep(300);
      return diff(counter.snapshot(), before);
    };
    const ten = await measure(10);
    const twenty = await measure(20);
    const perActivity = new Map<string, number>();
    for (const key of new Set([...ten.keys(), ...twenty.keys()])) {
      const value = ((twenty.get(key) ?? 0) - (ten.get(key) ?? 0)) / 10;
      if (value !== 0) perActivity.set(key, value);
    }
    return { perActivity, perOrchestration10: ten };
  } finally {
    await durably.stop();
    await observer.close();
    await counter.close();
    await mongo.stop();
  }
}

// ---- Report -----------------------------------------------------------------------------------------------------

function verdict(value: number, target: number, higherIsBetter = false): string {
  const ok = higherIsBetter ? value >= target : value <= target;
  return ok ? 'ok' : 'MISSED';
}

async function main(): Promise<void> {
  const modes = MEMORY_ONLY ? [await benchMode('memory')] : [await benchMode('memory'), await benchMode('dbPath')];

  const workerRuns: Awaited<ReturnType<typeof benchWorkers>>[] = [];
  if (!MEMORY_ONLY) {
    const workerEngine = await startEmbeddedMongo();
    try {
      for (const n of [1, 2]) workerRuns.push(await benchWorkers(workerEngine, n));
    } finally {
      await workerEngine.stop();
    }
  }

  const commands = await countCommands();

  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`);
  };
  out('\nDurably runtime: one process (app + embedded engine), default tuning (4 episodes, 10 activities at once, poll 250 ms)\n');
  const rows: [string, (m: ModeResults) => string, string, (m: ModeResults) => string][] = [
    ['10-activity orchestration p50 / p90 (ms)', (m) => `${m.chain10.p50} / ${m.chain10.p90}`, '≤ 35', (m) => verdict(m.chain10.p50, 35)],
    [`  same, p50, with ${modes[0]?.chain10WithTombstones.finishedJobs ?? 0} finished jobs in the hub`, (m) => `${m.chain10WithTombstones.p50}`, '', () => ''],
    ['per activity, 50-chain total / 50 (ms)', (m) => `${m.chain50.totalPerActivity}`, '≤ 3', (m) => verdict(m.chain50.totalPerActivity, 3)],
    ['  TaskScheduled → TaskCompleted p50 (ms)', (m) => `${m.chain50.scheduledToCompletedP50}`, '≤ 3', (m) => verdict(m.chain50.scheduledToCompletedP50, 3)],
    ['  TaskCompleted → next episode start p50', (m) => `${m.chain50.completedToNextEpisodeP50}`, '', () => ''],
    ['  episode start → TaskScheduled p50 (ms)', (m) => `${m.chain50.episodeToScheduledP50}`, '', () => ''],
    ...(modes[0]?.fanOut ?? []).map((f, i): [string, (m: ModeResults) => string, string, (m: ModeResults) => string] => [
      `fan-out/fan-in ${f.n} (ms)`, (m) => `${m.fanOut[i]?.ms ?? '-'}`, f.n === 100 ? '≤ 200' : '', (m) => (f.n === 100 ? verdict(m.fanOut[i]?.ms ?? Infinity, 200) : ''),
    ]),
    [`${modes[0]?.concurrent.count ?? 500} concurrent 3-activity orchestrations (/s)`, (m) => `${m.concurrent.perSecond} (${m.concurrent.ms} ms)`, '≥ 200', (m) => verdict(m.concurrent.perSecond, 200, true)],
    ['timer lateness p50 / p90 (ms, 20 timers 200–500 ms)', (m) => `${m.timers.p50} / ${m.timers.p90}`, '≤ 50', (m) => verdict(m.timers.p50, 50)],
  ];
  out(`${'metric'.padEnd(52)} ${'memory'.padStart(18)} ${'dbPath'.padStart(18)} ${'target'.padStart(7)}  verdict (memory / dbPath)`);
  for (const [label, value, target, check] of rows) {
    const [a, b] = modes;
    out(`${label.padEnd(52)} ${(a === undefined ? '-' : value(a)).padStart(18)} ${(b === undefined ? '-' : value(b)).padStart(18)} ${target.padStart(7)}  ${a === undefined ? '' : check(a)}${b === undefined || check(b) === '' ? '' : ` / ${check(b)}`}`);
  }

  out('\nWorker processes (test/integration/runtime/fixtures/worker.mjs, default tuning) on the embedded engine in this process;');
  out('a client-only app here starts the orchestrations. 2 cores: the engine, the client and the workers share them.');
  for (const r of workerRuns) out(`  ${r.workers} worker(s): ${r.count} × Chain3 in ${r.ms} ms = ${r.perSecond} orchestrations/s`);

  out('\nCommands per activity (marginal: (20-activity chain − 10-activity chain) / 10), counted by a wire proxy that');
  out('decodes every OP_MSG from the app\'s clients (store and Agenda). Writes count statements (documents inserted,');
  out('update/delete statements, findAndModify calls). The bench watches for completion around the proxy.');
  const sorted = [...commands.perActivity.entries()].sort((a, b) => b[1] - a[1]);
  let writes = 0;
  for (const [key, value] of sorted) {
    const command = key.split(' ')[0] ?? '';
    if (WRITE_COMMANDS.has(command)) writes += value;
    out(`  ${WRITE_COMMANDS.has(command) ? 'write' : 'read '}  ${key.padEnd(40)} ${round(value, 2)}`);
  }
  out(`  durable writes per activity: ${round(writes, 2)}`);
  out(`\n${JSON.stringify({ modes, workerRuns, commandsPerActivity: Object.fromEntries(commands.perActivity), commandsFor10Chain: Object.fromEntries(commands.perOrchestration10) })}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
