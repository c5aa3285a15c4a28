import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A worker running as a child process. */
export interface WorkerProcess {
  readonly pid: number;
  /** Resolves once the worker printed its `ready` line; rejects if it exits first or takes longer than 30 s. */
  readonly ready: Promise<void>;
  /** Sends `signal` (unless it has exited) and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The compiled worker script: next to this module once compiled; from the TypeScript sources (a test), its build
 * in dist/ (`npm test` builds first).
 */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  return here.endsWith('.ts') ? path.resolve(dir, '../../dist/examples/scale-out/worker.js') : path.join(dir, 'worker.js');
}

/** Starts `node <script>` with `env` added; its error output is shown with a `[worker N]` prefix. */
export function startWorkerProcess(script: string, label: string, env: Record<string, string>): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit').then(() => child.exitCode);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${label}] `));
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} was not ready within 30 s:\n${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"event":"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with code ${String(code)} before it was ready:\n${output}`));
    });
  });
  // Awaited by the caller; a worker that fails meanwhile must not be an unhandled rejection.
  ready.catch(() => undefined);
  return {
    pid: child.pid ?? -1,
    ready,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
