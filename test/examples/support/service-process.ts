import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCurl, type CurlCommand } from './curl-command.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** What `npm start` runs (`npm test` builds first through `pretest`). */
export const SERVICE_SCRIPT = path.join(root, 'dist/examples/start.js');

/** The example service running as a child process, as `npm start` runs it. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** The admin API's base URL, from the banner. */
  readonly adminUrl: string;
  /** The admin API's key, from the banner. */
  readonly adminKey: string;
  /** The banner's curl commands. */
  readonly commands: readonly CurlCommand[];
  /** The banner command whose URL contains `fragment` (and, when given, whose method is `method`). */
  command(fragment: string, method?: string): CurlCommand;
  /** Sends `signal` and resolves with the exit code once it exited. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `node dist/examples/start.js` on a free port with its data in `dataDir`, on the embedded engine
 * (MONGODB_URI is removed: the point is the engine's own persistence), and resolves once the banner is printed.
 * The service makes its own key unless `env` sets DURABLY_ADMIN_KEY.
 */
export async function startServiceProcess(dataDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DURABLY_DATA_DIR: dataDir };
  delete env.MONGODB_URI;
  delete env.DURABLY_ADMIN_KEY;
  delete env.DURABLY_ALLOWED_HOSTS;
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, [SERVICE_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit').then(() => child.exitCode);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no banner within 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      if (output.includes('Stop: Ctrl-C')) finish();
    };
    const onExit = (): void => finish(new Error(`the service exited with ${String(child.exitCode)}:\n${output}`));
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    child.stdout.on('data', check);
    child.once('exit', onExit);
  });

  const adminUrl = /Admin API: (\S+)/.exec(output)?.[1];
  if (adminUrl === undefined) throw new Error(`no admin URL in the banner:\n${output}`);
  const adminKey = /Admin key: (\S+)/.exec(output)?.[1];
  if (adminKey === undefined) throw new Error(`no admin key in the banner:\n${output}`);
  const commands = output.split('\n').filter((line) => line.trimStart().startsWith('curl ')).map(parseCurl);
  return {
    child,
    output: () => output,
    adminUrl,
    adminKey,
    commands,
    command: (fragment, method) => {
      const found = commands.find((c) => c.url.includes(fragment) && (method === undefined || c.method === method));
      if (found === undefined) throw new Error(`the banner has no ${method ?? ''} command for '${fragment}':\n${output}`);
      return found;
    },
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
