import { spawn, type ChildProcess } from 'node:child_process';

/** A CPU-heavy job beside the test: processes that spin without pause until stopped. */
export interface CpuHog {
  /** How many spinning processes. */
  readonly processes: number;
  /** Kills them and waits for their exit. */
  stop(): Promise<void>;
}

/**
 * How many hog processes the fault suites run beside their workers: `DURABLY_FAULTS_HOG` (set by `npm run
 * test:faults -- --hog[=N]`), else `fallback` (scenarios that must hold under load start one of their own).
 */
export function hogProcesses(fallback = 0): number {
  const configured = Number(process.env.DURABLY_FAULTS_HOG ?? '');
  return Number.isInteger(configured) && configured > 0 ? configured : fallback;
}

/**
 * Starts `processes` busy loops (each a node process computing hashes for ever), so that workers, the engine and
 * the test share the machine's cores with a CPU-bound neighbour, as on a loaded host.
 */
export function startCpuHog(processes: number): CpuHog {
  const spin = "const { createHash } = require('node:crypto'); let h = 'x'; for (;;) h = createHash('sha256').update(h).digest('hex');";
  const children: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) children.push(spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
  return {
    processes,
    async stop() {
      await Promise.all(children.map((child) => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      })));
    },
  };
}
