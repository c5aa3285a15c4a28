import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The compiled CLI (`npm test` builds first through the `pretest` script). */
export const ENGINE_CLI = path.join(root, 'dist/src/embedded/cli.js');

/** An embedded engine running as a separate process, as `durably-mongo` runs in production-like setups. */
export interface EngineProcess {
  readonly uri: string;
  readonly child: ChildProcess;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `durably-mongo --port 0 [--dbpath DIR]` and resolves once it prints its URI. */
export function startEngineProcess(dbPath?: string, timeoutMs = 20_000): Promise<EngineProcess> {
  const args = [ENGINE_CLI, '--port', '0', ...(dbPath === undefined ? [] : ['--dbpath', dbPath])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`durably-mongo did not start within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (mongodb:\/\/\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        uri: match[1],
        child,
        kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`durably-mongo exited with ${code}: ${output}`));
    });
  });
}
