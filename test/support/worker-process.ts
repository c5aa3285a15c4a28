import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The Durably worker fixture (plain JS on the compiled library: `npm test` builds first through `pretest`). */
export const WORKER_SCRIPT = path.join(root, 'test/integration/runtime/fixtures/worker.mjs');

/** Starts `node fixtures/worker.mjs` with `env` added to this process's environment. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  return spawnWorker(WORKER_SCRIPT, env);
}

/** A worker fixture running as a child process (see the fixture's header for its environment). */
export interface WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly env: Readonly<Record<string, string>>;
  /** Everything it printed so far, one entry per line (stdout and stderr). */
  readonly output: string[];
  /** Resolves once it printed `{"event":"ready"}`; rejects if it exits first or takes longer than 30 s. */
  readonly ready: Promise<void>;
  /** Resolves with how it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether it is still running (possibly frozen). */
  alive(): boolean;
  /** Resolves with the first printed JSON event named `event` (waiting up to `timeoutMs`). */
  waitForEvent(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` (default SIGKILL) unless it has exited, and waits for the exit. A frozen process is thawed first. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the process freezes, holding whatever it holds. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
}

/**
 * Starts `node <script>` with `env` added to this process's environment, reading its output for the JSON event lines
 * (`{"event":"ready",...}`) the worker fixtures print.
 */
export function spawnWorker(script: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const output: string[] = [];
  const events: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      output.push(line);
      if (line.startsWith('{')) {
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a protocol line.
        }
      }
    }
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;

  const waitForEvent = (event: string, timeoutMs = 30_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = events.find((e) => e.event === event);
        if (found !== undefined) finish(() => resolve(found));
        else if (!alive()) finish(() => reject(new Error(`worker ${child.pid} exited before '${event}':\n${output.join('\n')}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`worker ${child.pid} printed no '${event}' within ${timeoutMs} ms:\n${output.join('\n')}`))), timeoutMs);
      const onExit = (): void => check();
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
        settle();
      };
      listeners.add(check);
      child.on('exit', onExit);
      check();
    });

  const ready = waitForEvent('ready').then(() => undefined);
  ready.catch(() => undefined);
  return {
    child,
    pid: child.pid ?? -1,
    env,
    output,
    ready,
    exited,
    alive,
    waitForEvent,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (alive()) {
        child.kill(signal);
        if (signal !== 'SIGKILL') child.kill('SIGCONT');
      }
      await exited;
    },
    freeze: () => {
      if (alive()) child.kill('SIGSTOP');
    },
    thaw: () => {
      if (alive()) child.kill('SIGCONT');
    },
  };
}
