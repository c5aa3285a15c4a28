// Scale-out: the engine in its own process, two worker processes on one task hub, and client-only apps in this
// process. Every orchestration completes once, both workers take part, and clients start and query without a worker.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { container } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { Durably } from '../../../src/app/durably.js';
import { startEngineProcess, type EngineProcess } from '../../support/engine-process.js';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process.js';

// Twins of the worker fixture's classes, under the same names: a client needs them registered to start instances by
// class (and never runs them: it is not started).
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

const TASK_HUB = 'ScaleOut';
const LEDGER = 'scale_out_ledger';
const INSTANCES = 50;

let engine: EngineProcess;
let dbName: string;
let observer: MongoClient;
let db: Db;
const workers: WorkerProcess[] = [];
const clients: Durably[] = [];

async function createClient(): Promise<Durably> {
  const durably = await Durably.create({
    mongoUri: engine.uri, dbName, taskHub: TASK_HUB, orchestrators: [Chain3], activities: [Work],
    container: container.createChildContainer(),
    logger: (level, message, ...args) => {
      if (level === 'error' && process.env.DURABLY_TEST_LOG !== 'silent') console.error(message, ...args);
    },
  });
  clients.push(durably);
  return durably;
}

beforeAll(async () => {
  engine = await startEngineProcess();
  dbName = `scale_${randomBytes(4).toString('hex')}`;
  observer = await MongoClient.connect(engine.uri, { serverSelectionTimeoutMS: 10_000 });
  db = observer.db(dbName);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await observer?.close();
  await engine?.kill();
}, 60_000);

describe('scale-out: two worker processes on one task hub', () => {
  it('completes 50 orchestrations × 3 activities across both workers, started and queried by client-only apps', async () => {
    for (let i = 0; i < 2; i++) {
      workers.push(startWorkerProcess({ URI: engine.uri, DB: dbName, TASK_HUB, LEDGER, POLL_MS: '100' }));
    }
    await Promise.all(workers.map((w) => w.ready));

    const starter = await createClient();
    const ids = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => starter.client.startNew(Chain3, { input: i + 1 })));
    for (const [i, id] of ids.entries()) {
      const status = await starter.client.waitForCompletion(id, { timeoutMs: 60_000 });
      expect(status.runtimeStatus).toBe('Completed');
      const n = i + 1;
      expect(status.output).toEqual([2 * n, 4 * n, 8 * n]);
    }

    // Each activity ran once (no worker crashed, so at-least-once delivered exactly once), and both workers worked.
    const ledger = await db.collection<{ pid: number; activity: string; input: number }>(LEDGER).find().toArray();
    expect(ledger).toHaveLength(3 * INSTANCES);
    const byPid = new Map<number, number>();
    for (const entry of ledger) byPid.set(entry.pid, (byPid.get(entry.pid) ?? 0) + 1);
    expect([...byPid.keys()].sort()).toEqual(workers.map((w) => w.pid).sort());
    for (const count of byPid.values()) expect(count).toBeGreaterThan(0);

    // A fresh client-only app sees every instance, and can start and follow one more.
    const other = await createClient();
    const completed: string[] = [];
    let page = await other.client.listInstances({ runtimeStatus: ['Completed'], pageSize: 20 });
    for (;;) {
      completed.push(...page.instances.map((s) => s.instanceId));
      if (page.continuationToken === undefined) break;
      page = await other.client.listInstances({ runtimeStatus: ['Completed'], pageSize: 20, continuationToken: page.continuationToken });
    }
    expect(completed.sort()).toEqual([...ids].sort());
    const extra = await other.client.startNew(Chain3, { input: 100, instanceId: 'scale-out-extra' });
    expect((await other.client.waitForCompletion(extra, { timeoutMs: 30_000 })).output).toEqual([200, 400, 800]);
    const status = await starter.client.getStatus(extra, { showHistory: true });
    expect(status?.historyEvents?.filter((e) => e.EventType === 'TaskCompleted')).toHaveLength(3);

    // Workers stop cleanly on SIGTERM (running work drained, no leaked handles keeping them alive).
    for (const worker of workers) {
      await worker.kill('SIGTERM');
      expect(worker.child.exitCode).toBe(0);
    }
    // How the work was shared, for whoever runs the suite with logging on.
    if (process.env.DURABLY_TEST_LOG !== 'silent') console.info(`scale-out: activities per worker pid ${JSON.stringify(Object.fromEntries(byPid))}`);
  });
});
