import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The fault worker fixture (plain JS on the compiled library: `npm test` builds first through `pretest`). */
export const FAULT_WORKER_SCRIPT = path.join(root, 'test/faults/fixtures/fault-worker.mjs');

/** A fault worker running as a child process (see the fixture's header for its environment). */
export type FaultWorker = WorkerProcess;

/** Starts `node fixtures/fault-worker.mjs` with `env` added to this process's environment. */
export function startFaultWorker(env: Record<string, string>): FaultWorker {
  return spawnWorker(FAULT_WORKER_SCRIPT, env);
}
