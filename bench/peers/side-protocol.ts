/**
 * The protocol between the benchmark runner and a contender's child process (a "side"): one child per shape and
 * contender, so that contenders never share a heap or an event loop. The runner forks the child with its
 * {@link SideConfig} in the environment; the child sets the shape up, says `ready`, runs one repetition per `run`
 * message, and on `stop` reports its memory, tears down and exits.
 *
 * @module
 */
import type { RepResult, ShapeId, ShapeParams } from './shapes.js';

/** What a side child is told to run. */
export interface SideConfig {
  readonly shape: ShapeId;
  readonly params: ShapeParams;
  /** Durably: persist the embedded engine to a fresh folder under the OS temp dir (`dbPath`), or keep it in memory. */
  readonly dbPath?: boolean;
  /** DBOS: the system database to use (created empty by the runner). */
  readonly databaseUrl?: string;
  /** DBOS: an administrative connection and the server's files, for the statement and WAL counts of `writes`. */
  readonly postgres?: { readonly adminUrl: string; readonly dataDir: string; readonly binDir: string };
}

export const SIDE_CONFIG_ENV = 'DURABLY_BENCH_SIDE';

export type RunnerMessage = { readonly type: 'run'; readonly rep: number } | { readonly type: 'stop' };

export type SideMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly rep: number; readonly result: RepResult }
  | { readonly type: 'stopped'; readonly rssMb: number; readonly heapUsedMb: number }
  | { readonly type: 'error'; readonly message: string };

/** A contender's implementation of one shape, living in a side child. */
export interface Side {
  /** Starts the contender and warms it up (nothing here is measured). */
  setup(): Promise<void>;
  /** Runs and measures one repetition. */
  run(rep: number): Promise<RepResult>;
  /** Stops everything the side started. */
  teardown(): Promise<void>;
}

/** Reads the side's configuration from its environment. */
export function readSideConfig(): SideConfig {
  const raw = process.env[SIDE_CONFIG_ENV];
  if (raw === undefined) throw new Error(`${SIDE_CONFIG_ENV} is not set: side processes are started by the bench runner`);
  return JSON.parse(raw) as SideConfig;
}

const mb = (bytes: number): number => Math.round(bytes / 1048576);

/**
 * Serves the runner's messages in a side child until `stop` (or until the runner disappears, which tears down too).
 * Errors are reported to the runner and end the child.
 */
export function serveSide(side: Side): void {
  const send = (message: SideMessage): void => {
    // After the runner is gone (or has closed the channel to end this side) there is no one to tell.
    if (process.connected) process.send?.(message);
  };
  let tornDown: Promise<void> | undefined;
  const teardown = (): Promise<void> => (tornDown ??= side.teardown().catch((error: unknown) => {
    process.stderr.write(`teardown failed: ${(error as Error).stack ?? String(error)}\n`);
  }));
  const fail = async (error: unknown): Promise<void> => {
    send({ type: 'error', message: (error as Error).stack ?? String(error) });
    await teardown();
    process.exit(1);
  };
  process.on('disconnect', () => void teardown().then(() => process.exit(1)));
  // Ctrl-C reaches the whole process group: tear down (stop the engine, delete the dbPath) rather than die at once.
  process.once('SIGINT', () => void teardown().then(() => process.exit(130)));
  process.on('message', (message: RunnerMessage) => {
    if (message.type === 'run') {
      side.run(message.rep).then((result) => send({ type: 'result', rep: message.rep, result }), fail);
    } else {
      const memory = process.memoryUsage();
      const stopped: SideMessage = { type: 'stopped', rssMb: mb(memory.rss), heapUsedMb: mb(memory.heapUsed) };
      void teardown().then(() => {
        send(stopped);
        process.disconnect?.();
        // Anything the contender left behind (a timer, a pool) must not keep the child alive.
        setTimeout(() => process.exit(0), 200).unref();
      });
    }
  });
  side.setup().then(() => send({ type: 'ready' }), fail);
}
