/**
 * Durably's implementation of every shape (see shapes.ts and docs/performance.md), on the embedded engine in the side
 * process, with default tuning. Times run from a `Date.now()` taken just before `startNew` (or the first signal) to the
 * completion commit's timestamp; timer lateness is read from the history.
 *
 * @module
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { EntityId, HistoryEventType, type Durably, type HistoryEvent } from '../../src/index.js';
import { CommandCounter, diffCounts, totalWrites } from './command-counter.js';
import { completedAt, createApp, sleep, startEngine, timeToCompletion, type EngineHost } from './durably-host.js';
import { activityStarts } from './durably-workload.js';
import { paced } from './paced.js';
import type { RepResult, ShapeParams } from './shapes.js';
import type { Side, SideConfig } from './side-protocol.js';
import { chainBlocks, percentile } from './stats.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A side that runs an app with a started worker on its own engine. */
function appSide(dbPath: boolean, warmUp: (durably: Durably) => Promise<void>, run: (durably: Durably, rep: number) => Promise<RepResult>): Side {
  let host: EngineHost | undefined;
  let durably: Durably | undefined;
  return {
    setup: async () => {
      host = await startEngine(dbPath);
      durably = await createApp(host.engine.uri);
      await warmUp(durably);
    },
    run: (rep) => run(durably as Durably, rep),
    teardown: async () => {
      await durably?.stop();
      await host?.stop();
    },
  };
}

async function chainRep(durably: Durably, activities: number, runs: number): Promise<RepResult> {
  const totals: number[] = [];
  const record = activities >= 1000;
  let stamps: number[] = [];
  for (let i = 0; i < runs; i++) {
    Object.assign(activityStarts, { recording: record, stamps: [] });
    totals.push(await timeToCompletion(durably, 'Chain', activities));
    stamps = activityStarts.stamps;
  }
  activityStarts.recording = false;
  const totalMs = percentile(totals, 50);
  return { metrics: { totalMs, perActivityMs: totalMs / activities, ...(record ? chainBlocks(stamps) : {}) }, detail: { totals } };
}

async function throughputRep(durably: Durably, orchestrations: number, activities: number): Promise<RepResult> {
  const t0 = Date.now();
  const ids = await Promise.all(Array.from({ length: orchestrations }, () => durably.client.startNew('Chain', { input: activities })));
  let last = 0;
  for (const id of ids) last = Math.max(last, await completedAt(durably, id));
  const totalMs = last - t0;
  return { metrics: { totalMs, perSecond: (orchestrations * 1000) / totalMs } };
}

/** For each TimerFired: the start of the episode that applied it (the orchestrator resuming) minus the timer's fireAt. */
function timerLateness(history: readonly HistoryEvent[]): number[] {
  const out: number[] = [];
  let episodeStart: number | undefined;
  for (const event of history) {
    if (event.type === HistoryEventType.OrchestratorStarted) episodeStart = event.timestamp.getTime();
    else if (event.type === HistoryEventType.TimerFired && episodeStart !== undefined) out.push(episodeStart - event.fireAt.getTime());
  }
  return out;
}

async function timersRep(durably: Durably, perSecond: number, seconds: number, delayMs: number): Promise<RepResult> {
  const ids = await paced(perSecond * seconds, perSecond, () => durably.client.startNew('Sleeper', { input: delayMs }));
  const latenessMs: number[] = [];
  for (const id of ids) {
    await completedAt(durably, id);
    latenessMs.push(...timerLateness(await durably.client.getHistory(id)));
  }
  return { metrics: { p50Ms: percentile(latenessMs, 50), p99Ms: percentile(latenessMs, 99) }, samples: { latenessMs } };
}

/** When the entity's last operation was committed: its lastModifiedTime, once its state shows every operation. */
async function entityDoneAt(durably: Durably, id: EntityId, expected: number): Promise<number> {
  const deadline = Date.now() + 600_000;
  while ((await durably.client.readEntityState<number>(id)).entityState !== expected) {
    if (Date.now() > deadline) throw new Error(`entity ${id.key} did not reach ${expected}`);
    await sleep(20);
  }
  let token: string | undefined;
  do {
    const page = await durably.client.listEntities({ entityName: id.name, ...(token === undefined ? {} : { continuationToken: token }) });
    const found = page.entities.find((e) => e.entityId.key === id.key);
    if (found !== undefined) return found.lastModifiedTime.getTime();
    token = page.continuationToken;
  } while (token !== undefined);
  throw new Error(`entity ${id.key} is not listed`);
}

async function hotEntityRep(durably: Durably, key: string, clients: number, perClient: number): Promise<RepResult> {
  const id = new EntityId('Counter', key);
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < perClient; i++) await durably.client.signalEntity(id, 'add', 1);
  }));
  const totalMs = (await entityDoneAt(durably, id, clients * perClient)) - t0;
  return { metrics: { totalMs, perSecond: (clients * perClient * 1000) / totalMs } };
}

/** A client-only app in this process, a worker app in another; the engine (with dbPath) in this one. */
function crossProcessSide(dbPath: boolean, starts: number): Side {
  let host: EngineHost | undefined;
  let client: Durably | undefined;
  let worker: WorkerProcess | undefined;
  // Each start: ms to the completion commit (as the DBOS side reads it) and to the moment the client's
  // waitForCompletion returned (told by the change stream, or its poll). Starts are spaced at random, so that they fall
  // anywhere in the worker's safety-net cycle.
  const latencies = async (count: number): Promise<{ latencyMs: number[]; toldMs: number[] }> => {
    const latencyMs: number[] = [];
    const toldMs: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = Date.now();
      const id = await (client as Durably).client.startNew('Chain', { input: 1 });
      latencyMs.push((await completedAt(client as Durably, id)) - t0);
      toldMs.push(Date.now() - t0);
      await sleep(Math.random() * 50);
    }
    return { latencyMs, toldMs };
  };
  return {
    setup: async () => {
      host = await startEngine(dbPath);
      client = await createApp(host.engine.uri, { start: false });
      worker = await startWorkerProcess(path.join(here, 'durably-worker.js'), { BENCH_URI: host.engine.uri });
      await latencies(3);
    },
    run: async () => {
      const samples = await latencies(starts);
      const metrics = {
        toldP50Ms: percentile(samples.toldMs, 50), toldP99Ms: percentile(samples.toldMs, 99),
        p50Ms: percentile(samples.latencyMs, 50), p99Ms: percentile(samples.latencyMs, 99),
      };
      return { metrics, samples };
    },
    teardown: async () => {
      await worker?.stop();
      await client?.stop();
      await host?.stop();
    },
  };
}

/**
 * Writes on the wire (a proxy between the app and the engine) and the engine's log syncs (serverStatus, when the
 * engine reports them), for a chain of `short` and of `long` activities; per activity = the difference ÷ (long − short).
 * Polling is set to one minute here only, so that idle polls do not land in the counts (the work itself is started by
 * in-process wake-ups at once).
 */
function writesSide(dbPath: boolean, short: number, long: number): Side {
  let host: EngineHost | undefined;
  let proxy: CommandCounter | undefined;
  let durably: Durably | undefined;
  let observer: MongoClient | undefined;
  const fsyncs = async (): Promise<number> => {
    const status = await (observer as MongoClient).db('admin').command({ serverStatus: 1 });
    const value = (status.wiredTiger as { log?: Record<string, unknown> } | undefined)?.log?.['log sync operations'];
    return typeof value === 'number' ? value : Number.NaN;
  };
  const measure = async (n: number): Promise<{ sent: Map<string, number>; changed: Map<string, number>; syncs: number }> => {
    await sleep(300);
    const before = (proxy as CommandCounter).snapshot();
    const syncs0 = await fsyncs();
    await timeToCompletion(durably as Durably, 'Chain', n);
    // The last episode's release and the idle loop's last look for work land just after the completion.
    await sleep(300);
    const after = (proxy as CommandCounter).snapshot();
    return { sent: diffCounts(after.sent, before.sent), changed: diffCounts(after.changed, before.changed), syncs: (await fsyncs()) - syncs0 };
  };
  return {
    setup: async () => {
      host = await startEngine(dbPath);
      const started = await CommandCounter.start(host.engine.port);
      proxy = started.counter;
      durably = await createApp(started.uri, { tuning: { pollIntervalMs: 60_000 } });
      observer = await MongoClient.connect(host.engine.uri);
      for (let i = 0; i < 2; i++) await timeToCompletion(durably, 'Chain', 5);
    },
    run: async () => {
      const a = await measure(short);
      const b = await measure(long);
      const per = (x: number, y: number): number => (y - x) / (long - short);
      const marginal: Record<string, number> = {};
      for (const key of new Set([...a.sent.keys(), ...b.sent.keys()])) {
        const value = per(a.sent.get(key) ?? 0, b.sent.get(key) ?? 0);
        if (value !== 0) marginal[key] = value;
      }
      return {
        metrics: {
          writesPerActivity: per(totalWrites(a.sent), totalWrites(b.sent)),
          effectiveWritesPerActivity: per(totalWrites(a.changed), totalWrites(b.changed)),
          fsyncsPerActivity: per(a.syncs, b.syncs),
        },
        detail: { commandsPerActivity: marginal, [`commandsFor${short}Chain`]: Object.fromEntries(a.sent) },
      };
    },
    teardown: async () => {
      await durably?.stop();
      await observer?.close();
      await proxy?.close();
      await host?.stop();
    },
  };
}

/** Durably's {@link Side} for the configured shape. */
export function durablySide(config: SideConfig): Side {
  const dbPath = config.dbPath ?? true;
  const p: ShapeParams = config.params;
  switch (p.kind) {
    case 'chain':
      return appSide(dbPath, async (d) => {
        await chainRep(d, Math.min(p.activities, 50), 2);
      }, (d) => chainRep(d, p.activities, p.runsPerRep));
    case 'fan': {
      const fanRep = async (d: Durably, width: number, runs: number): Promise<RepResult> => {
        const totals: number[] = [];
        for (let i = 0; i < runs; i++) totals.push(await timeToCompletion(d, 'FanOut', width));
        return { metrics: { totalMs: percentile(totals, 50) }, detail: { totals } };
      };
      return appSide(dbPath, async (d) => {
        await fanRep(d, Math.min(p.width, 100), 2);
      }, (d) => fanRep(d, p.width, p.runsPerRep));
    }
    case 'throughput':
      return appSide(dbPath, async (d) => {
        await throughputRep(d, 50, p.activities);
      }, (d) => throughputRep(d, p.orchestrations, p.activities));
    case 'timers':
      return appSide(dbPath, async (d) => {
        await timersRep(d, 10, 0.5, 300);
      }, (d) => timersRep(d, p.perSecond, p.seconds, p.delayMs));
    case 'hotEntity':
      return appSide(dbPath, async (d) => {
        await hotEntityRep(d, 'warm-up', 4, 10);
      }, (d, rep) => hotEntityRep(d, `hot-${rep}`, p.clients, p.perClient));
    case 'crossProcess':
      return crossProcessSide(dbPath, p.starts);
    case 'writes':
      return writesSide(dbPath, p.short, p.long);
  }
}
