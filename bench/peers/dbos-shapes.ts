/**
 * DBOS Transact's implementation of every shape, with the same parameters and the same definitions as Durably's
 * (durably-shapes.ts): times run from a `Date.now()` taken just before `DBOS.startWorkflow` (or the first send) to the
 * workflow's `completedAt`, which DBOS's final status update writes (PostgreSQL's `now()` in that statement). DBOS runs
 * in this process in its normal mode (workflows invoked in-process), on the runner's private PostgreSQL.
 *
 * @module
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import { APP_NAME, QUEUE_NAME, chain, counter, fanOut, sleeper, stepStarts } from './dbos-workload.js';
import { paced } from './paced.js';
import { PostgresCounters, type PostgresWrites } from './postgres-counters.js';
import type { RepResult, ShapeParams } from './shapes.js';
import type { Side, SideConfig } from './side-protocol.js';
import { chainBlocks, percentile } from './stats.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Workflow = (input: number) => Promise<number>;

function databaseUrl(config: SideConfig): string {
  if (config.databaseUrl === undefined) throw new Error('the DBOS side needs a databaseUrl');
  return config.databaseUrl;
}

/** A side that launches DBOS in this process. */
function launchedSide(config: SideConfig, warmUp: () => Promise<void>, run: (rep: number) => Promise<RepResult>): Side {
  return {
    setup: async () => {
      DBOS.setConfig({ name: APP_NAME, systemDatabaseUrl: databaseUrl(config), logLevel: 'error' });
      await DBOS.launch();
      await warmUp();
    },
    run,
    teardown: () => DBOS.shutdown(),
  };
}

/** The workflow's completion commit (epoch ms). */
async function completedAt(workflowId: string): Promise<number> {
  const status = await DBOS.getWorkflowStatus(workflowId);
  if (status?.status !== 'SUCCESS') throw new Error(`workflow ${workflowId} ended ${status?.status}`);
  return status.completedAt ?? status.updatedAt ?? Number.NaN;
}

async function timeToCompletion(workflow: Workflow, input: number): Promise<number> {
  const t0 = Date.now();
  const handle = await DBOS.startWorkflow(workflow)(input);
  await handle.getResult();
  return (await completedAt(handle.workflowID)) - t0;
}

async function chainRep(activities: number, runs: number): Promise<RepResult> {
  const totals: number[] = [];
  const record = activities >= 1000;
  let stamps: number[] = [];
  for (let i = 0; i < runs; i++) {
    Object.assign(stepStarts, { recording: record, stamps: [] });
    totals.push(await timeToCompletion(chain, activities));
    stamps = stepStarts.stamps;
  }
  stepStarts.recording = false;
  const totalMs = percentile(totals, 50);
  return { metrics: { totalMs, perActivityMs: totalMs / activities, ...(record ? chainBlocks(stamps) : {}) }, detail: { totals } };
}

async function fanRep(width: number, runs: number): Promise<RepResult> {
  const totals: number[] = [];
  for (let i = 0; i < runs; i++) totals.push(await timeToCompletion(fanOut, width));
  return { metrics: { totalMs: percentile(totals, 50) }, detail: { totals } };
}

async function throughputRep(workflows: number, steps: number): Promise<RepResult> {
  const t0 = Date.now();
  const handles = await Promise.all(Array.from({ length: workflows }, () => DBOS.startWorkflow(chain)(steps)));
  await Promise.all(handles.map((h) => h.getResult()));
  let last = 0;
  for (const h of handles) last = Math.max(last, await completedAt(h.workflowID));
  const totalMs = last - t0;
  return { metrics: { totalMs, perSecond: (workflows * 1000) / totalMs } };
}

/** For each sleeper: when its workflow resumed (its result) minus the end of its sleep as DBOS recorded it. */
async function timersRep(perSecond: number, seconds: number, delayMs: number): Promise<RepResult> {
  const handles = await paced(perSecond * seconds, perSecond, () => DBOS.startWorkflow(sleeper)(delayMs));
  const latenessMs: number[] = [];
  for (const h of handles) {
    const resumedAt = await h.getResult();
    const sleepStep = (await DBOS.listWorkflowSteps(h.workflowID))?.find((s) => s.name === 'DBOS.sleep');
    if (sleepStep === undefined) throw new Error(`workflow ${h.workflowID} recorded no sleep`);
    latenessMs.push(resumedAt - Number(sleepStep.output));
  }
  return { metrics: { p50Ms: percentile(latenessMs, 50), p99Ms: percentile(latenessMs, 99) }, samples: { latenessMs } };
}

async function hotEntityRep(clients: number, perClient: number): Promise<RepResult> {
  const handle = await DBOS.startWorkflow(counter)(clients * perClient);
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < perClient; i++) await DBOS.send(handle.workflowID, 1, 'add');
  }));
  await handle.getResult();
  const totalMs = (await completedAt(handle.workflowID)) - t0;
  return { metrics: { totalMs, perSecond: (clients * perClient * 1000) / totalMs } };
}

/**
 * A `DBOSClient` in this process enqueues onto a DBOS queue that a worker process serves. The queue polls every
 * 250 ms, Durably's default poll interval (DBOS's default is 1,000 ms), so that both wait for work the same way.
 */
function crossProcessSide(config: SideConfig, starts: number): Side {
  let client: DBOSClient | undefined;
  let worker: WorkerProcess | undefined;
  // Each start: ms to the completion commit, and to the moment getResult (polling every 50 ms) returned.
  const latencies = async (count: number): Promise<{ latencyMs: number[]; toldMs: number[] }> => {
    const latencyMs: number[] = [];
    const toldMs: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = Date.now();
      const handle = await (client as DBOSClient).enqueue<Workflow>({ queueName: QUEUE_NAME, workflowName: 'chain' }, 1);
      await handle.getResult({ pollingIntervalMs: 50 });
      toldMs.push(Date.now() - t0);
      const status = await (client as DBOSClient).getWorkflow(handle.workflowID);
      latencyMs.push((status?.completedAt ?? status?.updatedAt ?? Number.NaN) - t0);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50));
    }
    return { latencyMs, toldMs };
  };
  return {
    setup: async () => {
      worker = await startWorkerProcess(path.join(here, 'dbos-worker.js'), { BENCH_DATABASE_URL: databaseUrl(config) });
      client = await DBOSClient.create({ systemDatabaseUrl: databaseUrl(config), applicationName: APP_NAME });
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
      await client?.destroy();
      await worker?.stop();
    },
  };
}

/** Statements and WAL commits for a chain of `short` and of `long` steps; per step = the difference ÷ (long − short). */
function writesSide(config: SideConfig, short: number, long: number): Side {
  let counters: PostgresCounters | undefined;
  const measure = async (n: number): Promise<PostgresWrites> => {
    await sleep(300);
    const before = await (counters as PostgresCounters).snapshot();
    await timeToCompletion(chain, n);
    await sleep(300);
    return (counters as PostgresCounters).diff(before, await (counters as PostgresCounters).snapshot());
  };
  const side = launchedSide(config, async () => {
    const pgInfo = config.postgres;
    if (pgInfo === undefined) throw new Error('the DBOS writes shape needs the server\'s files');
    counters = await PostgresCounters.open(pgInfo.adminUrl, new URL(databaseUrl(config)).pathname.slice(1), pgInfo.dataDir, pgInfo.binDir);
    for (let i = 0; i < 2; i++) await timeToCompletion(chain, 5);
  }, async () => {
    const a = await measure(short);
    const b = await measure(long);
    const per = (x: number, y: number): number => (y - x) / (long - short);
    const byKind: Record<string, number> = {};
    for (const kind of new Set([...Object.keys(a.byKind), ...Object.keys(b.byKind)])) byKind[kind] = per(a.byKind[kind] ?? 0, b.byKind[kind] ?? 0);
    return {
      metrics: {
        writesPerActivity: per(a.writeStatements, b.writeStatements),
        effectiveWritesPerActivity: per(a.rowsChanged, b.rowsChanged),
        fsyncsPerActivity: per(a.commits, b.commits),
      },
      detail: { statementsPerActivity: byKind, [`statementsFor${short}Chain`]: a.byKind },
    };
  });
  return { ...side, teardown: async () => {
    await counters?.close();
    await side.teardown();
  } };
}

/** DBOS's {@link Side} for the configured shape. */
export function dbosSide(config: SideConfig): Side {
  const p: ShapeParams = config.params;
  switch (p.kind) {
    case 'chain':
      return launchedSide(config, async () => {
        await chainRep(Math.min(p.activities, 50), 2);
      }, () => chainRep(p.activities, p.runsPerRep));
    case 'fan':
      return launchedSide(config, async () => {
        await fanRep(Math.min(p.width, 100), 2);
      }, () => fanRep(p.width, p.runsPerRep));
    case 'throughput':
      return launchedSide(config, async () => {
        await throughputRep(50, p.activities);
      }, () => throughputRep(p.orchestrations, p.activities));
    case 'timers':
      return launchedSide(config, async () => {
        await timersRep(10, 0.5, 300);
      }, () => timersRep(p.perSecond, p.seconds, p.delayMs));
    case 'hotEntity':
      return launchedSide(config, async () => {
        await hotEntityRep(4, 10);
      }, () => hotEntityRep(p.clients, p.perClient));
    case 'crossProcess':
      return crossProcessSide(config, p.starts);
    case 'writes':
      return writesSide(config, p.short, p.long);
  }
}
