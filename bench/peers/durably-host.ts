/**
 * A Durably app on the embedded engine, as the Durably side runs it: the engine in this process (in memory, or
 * persisted to a fresh `dbPath` under the OS temp dir), the app with default tuning, and the helpers that read when
 * an instance completed from its completion commit — never from the time `waitForCompletion`'s polling noticed it.
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Durably, type DurablyTuning, type OrchestrationStatus } from '../../src/index.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/embedded/index.js';
import { ACTIVITIES, ENTITIES, ORCHESTRATORS } from './durably-workload.js';

export const DB_NAME = 'durably_bench';
export const TASK_HUB = 'Bench';

/** The embedded engine a side runs (with its dbPath folder, deleted on stop). */
export interface EngineHost {
  readonly engine: EmbeddedMongo;
  stop(): Promise<void>;
}

export async function startEngine(dbPath: boolean): Promise<EngineHost> {
  const dir = dbPath ? mkdtempSync(path.join(tmpdir(), 'durably-bench-')) : undefined;
  const engine = await startEmbeddedMongo(dir === undefined ? {} : { dbPath: dir });
  return {
    engine,
    stop: async () => {
      await engine.stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates the bench's app on `mongoUri`; starts its worker unless `start` is false (a client-only app). */
export async function createApp(mongoUri: string, options: { start?: boolean; tuning?: DurablyTuning } = {}): Promise<Durably> {
  const durably = await Durably.create({
    mongoUri,
    dbName: DB_NAME,
    taskHub: TASK_HUB,
    orchestrators: ORCHESTRATORS,
    activities: ACTIVITIES,
    entities: ENTITIES,
    logger: (level, message, ...args) => {
      if (level === 'error') console.error(`[durably] ${message}`, ...args);
    },
    ...options.tuning,
  });
  if (options.start !== false) await durably.start();
  return durably;
}

/**
 * When the completion commit happened (epoch ms): the instance's `completedTime` if the status carries one, else its
 * `lastUpdatedTime`, both written by the episode that completed it. Waits for completion first.
 */
export async function completedAt(durably: Durably, instanceId: string, timeoutMs = 600_000): Promise<number> {
  const status = await durably.client.waitForCompletion(instanceId, { timeoutMs });
  if (status.runtimeStatus !== 'Completed') {
    throw new Error(`instance ${instanceId} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
  }
  return commitTime(status);
}

function commitTime(status: OrchestrationStatus): number {
  const completedTime = (status as OrchestrationStatus & { completedTime?: Date }).completedTime;
  return (completedTime ?? status.lastUpdatedTime).getTime();
}

/** Starts `orchestrator` with `input` and returns ms from just before `startNew` to the completion commit. */
export async function timeToCompletion(durably: Durably, orchestrator: string, input: unknown): Promise<number> {
  const t0 = Date.now();
  const id = await durably.client.startNew(orchestrator, { input });
  return (await completedAt(durably, id)) - t0;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
