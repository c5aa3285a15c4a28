/**
 * A contender's worker process for the cross-process shape: forked with an IPC channel, it says `{ ready: true }` once
 * it serves work, stops on SIGTERM (or Ctrl-C's SIGINT), and exits by itself if its parent disappears (the channel closes), so that no
 * worker outlives the bench.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface WorkerProcess {
  stop(): Promise<void>;
}

/** Forks `script` with `env` and resolves once it reports ready. */
export async function startWorkerProcess(script: string, env: Record<string, string>): Promise<WorkerProcess> {
  const child: ChildProcess = fork(script, [], { env: { ...process.env, ...env }, execArgv: ['--no-deprecation'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} was not ready within 60 s`)), 60_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code} before it was ready`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** In a worker: reports ready to the parent, and runs `stop` then exits on SIGTERM or when the parent goes away. */
export function serveWorker(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    stop().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`worker stop failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.once('disconnect', shutdown);
  process.send?.({ ready: true });
}
