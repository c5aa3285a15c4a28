import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { container } from 'tsyringe';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { Durably } from '../../../src/app/durably.js';
import { ENGINE_CLI, startEngineProcess, type EngineProcess } from '../../support/engine-process.js';
import { hogProcesses, startCpuHog, type CpuHog } from './cpu-hog.js';
import { startFaultWorker, type FaultWorker } from './fault-worker-process.js';

/** `npm run test:faults -- --long` sets this: larger workloads and more kills. */
export const LONG = process.env.DURABLY_FAULTS_LONG === '1';

const TASK_HUB = 'Faults';
export const LEDGER = 'ledger';

// Client-side twins of the fixture's classes, under the same names: a client needs names registered to start
// instances and signal entities, and never runs them (it is not started).
const named = (name: string): new () => { run(): void } => ({ [name]: class { run(): void { /* never run here */ } } })[name]!;
const ORCHESTRATORS = ['Chain', 'FanOut', 'Timer', 'Eventful', 'Parent', 'EntityUser', 'Poisoned', 'ReplayThrower', 'Eternal', 'Zombie', 'SlowOne', 'Collector', 'Transfer'];
const ACTIVITIES = ['Work', 'Slow', 'Crash'];

/** Short leases and locks, so that takeovers after a kill happen within seconds. */
export const FAST_FAILOVER: Record<string, string> = { POLL_MS: '100', LEASE_MS: '2000', ACTIVITY_LOCK_MS: '2000' };

/**
 * An engine process (with a data directory, so it can be killed and restarted with its data), a database, worker
 * processes of the fault fixture, a client-only Durably and an observer connection for assertions on the final data.
 */
export class FaultCluster {
  engine!: EngineProcess;
  durably!: Durably;
  observer!: MongoClient;
  db!: Db;
  readonly dbName = `faults_${randomBytes(4).toString('hex')}`;
  readonly workers: FaultWorker[] = [];
  #dbPath: string | undefined;
  #port: number | undefined;
  #hog: CpuHog | undefined;

  /**
   * Starts the engine (persistent with `persistent`), the observer and the client; with `hog` (default: what
   * `DURABLY_FAULTS_HOG` asks for), that many CPU-bound processes beside them until {@link FaultCluster.close}.
   */
  static async start(options: { readonly persistent?: boolean; readonly hog?: number } = {}): Promise<FaultCluster> {
    const cluster = new FaultCluster();
    const hog = options.hog ?? hogProcesses();
    if (hog > 0) cluster.#hog = startCpuHog(hog);
    if (options.persistent === true) cluster.#dbPath = await mkdtemp(path.join(os.tmpdir(), 'durably-faults-'));
    cluster.engine = await startEngineProcess(cluster.#dbPath);
    cluster.#port = Number(new URL(cluster.engine.uri).port);
    cluster.observer = await MongoClient.connect(cluster.engine.uri, { serverSelectionTimeoutMS: 30_000 });
    cluster.db = cluster.observer.db(cluster.dbName);
    cluster.durably = await Durably.create({
      mongoUri: cluster.engine.uri, dbName: cluster.dbName, taskHub: TASK_HUB,
      orchestrators: ORCHESTRATORS.map(named), activities: ACTIVITIES.map(named), entities: [named('Counter'), named('Account')],
      container: container.createChildContainer(),
      logger: (level, message, ...args) => {
        if (level === 'error' && process.env.DURABLY_TEST_LOG !== 'silent') console.error(message, ...args);
      },
    });
    return cluster;
  }

  get uri(): string {
    return this.engine.uri;
  }

  /** Starts a worker with `env` on top of the cluster's connection settings. */
  spawn(env: Record<string, string> = {}): FaultWorker {
    const worker = startFaultWorker({ URI: this.engine.uri, DB: this.dbName, TASK_HUB, LEDGER, ...env });
    this.workers.push(worker);
    return worker;
  }

  /** Workers still running. */
  live(): FaultWorker[] {
    return this.workers.filter((w) => w.alive());
  }

  /**
   * Keeps `count` workers with `env` running: a worker that exits (a poison activity, a kill) is replaced at once,
   * until `stop()`. `restarts()` counts the replacements.
   */
  supervise(count: number, env: Record<string, string> = {}): { restarts(): number; stop(): void } {
    let stopped = false;
    let restarts = 0;
    const run = (worker: FaultWorker): void => {
      void worker.exited.then(() => {
        if (stopped) return;
        restarts++;
        run(this.spawn(env));
      });
    };
    for (let i = 0; i < count; i++) run(this.spawn(env));
    return { restarts: () => restarts, stop: () => { stopped = true; } };
  }

  /** kill -9 the engine, then start it again on the same port and data directory. */
  async restartEngine(): Promise<void> {
    if (this.#dbPath === undefined) throw new Error('restartEngine needs a persistent cluster');
    await this.engine.kill('SIGKILL');
    this.engine = await startEngineOnPort(this.#dbPath, this.#port!);
  }

  /** Kills every worker (SIGKILL), stops the client, closes the observer, kills the engine, removes its data. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.kill('SIGKILL')));
    await Promise.allSettled([this.durably?.stop(), this.observer?.close()]);
    await this.engine?.kill('SIGKILL');
    await this.#hog?.stop();
    if (this.#dbPath !== undefined) await rm(this.#dbPath, { recursive: true, force: true });
  }

  /** How many times the activity calls named by `keys` ran (from the ledger). */
  async ledgerCounts(): Promise<Map<string, number>> {
    const rows = await this.db.collection(LEDGER).aggregate<{ _id: string; n: number }>([{ $group: { _id: '$key', n: { $sum: 1 } } }]).toArray();
    return new Map(rows.map((r) => [r._id, r.n]));
  }

  /** Checks the current execution's history of `instanceId`; returns the problems found (empty: sound). */
  async historyProblems(instanceId: string): Promise<string[]> {
    return historyProblems(instanceId, await this.durably.client.getHistory(instanceId));
  }
}

async function startEngineOnPort(dbPath: string, port: number): Promise<EngineProcess> {
  // The port was just freed by the killed engine; retry briefly in case the OS has not released it yet.
  for (let attempt = 0; ; attempt++) {
    try {
      return await startEngineProcessAt(dbPath, port);
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

function startEngineProcessAt(dbPath: string, port: number): Promise<EngineProcess> {
  const child = spawn(process.execPath, [ENGINE_CLI, '--port', String(port), '--dbpath', dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`durably-mongo did not restart: ${output}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (mongodb:\/\/\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve({
        uri: match[1], child,
        kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`durably-mongo exited with ${code}: ${output}`));
    });
  });
}

/**
 * The structural checks of one execution's history: one start, at most one end, every scheduled action answered at
 * most once (exactly once when the execution completed), no answer without its scheduling, no event index repeated.
 */
export function historyProblems(instanceId: string, history: readonly HistoryEvent[]): string[] {
  const problems: string[] = [];
  const count = (type: string): number => history.filter((e) => e.type === type).length;
  if (count(HistoryEventType.ExecutionStarted) !== 1) problems.push(`${instanceId}: ${count(HistoryEventType.ExecutionStarted)} ExecutionStarted`);
  if (count(HistoryEventType.ExecutionCompleted) > 1) problems.push(`${instanceId}: ${count(HistoryEventType.ExecutionCompleted)} ExecutionCompleted`);
  const completed = count(HistoryEventType.ExecutionCompleted) === 1;
  const scheduled = new Map<number, string>();
  const answers = new Map<number, number>();
  for (const event of history) {
    switch (event.type) {
      case HistoryEventType.TaskScheduled:
      case HistoryEventType.TimerCreated:
      case HistoryEventType.SubOrchestrationInstanceCreated:
      case HistoryEventType.EntityOperationCalled:
      case HistoryEventType.EntityLockRequested:
        if (scheduled.has(event.eventId)) problems.push(`${instanceId}: action ${event.eventId} scheduled twice`);
        scheduled.set(event.eventId, event.type);
        break;
      case HistoryEventType.TaskCompleted:
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceCompleted:
      case HistoryEventType.SubOrchestrationInstanceFailed:
      case HistoryEventType.EntityOperationCompleted:
      case HistoryEventType.EntityOperationFailed:
      case HistoryEventType.EntityLockGranted:
        answers.set(event.taskScheduledId, (answers.get(event.taskScheduledId) ?? 0) + 1);
        break;
      case HistoryEventType.TimerFired:
        answers.set(event.timerId, (answers.get(event.timerId) ?? 0) + 1);
        break;
      default:
        break;
    }
  }
  for (const [id, n] of answers) {
    if (!scheduled.has(id)) problems.push(`${instanceId}: answer to action ${id}, which was never scheduled`);
    if (n > 1) problems.push(`${instanceId}: action ${id} answered ${n} times`);
  }
  if (completed) {
    for (const [id, type] of scheduled) if (!answers.has(id)) problems.push(`${instanceId}: ${type} ${id} never answered`);
  }
  return problems;
}
