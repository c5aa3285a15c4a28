/**
 * The processes of one scale-out measurement, seen from the runner: the engine process (started once per run) and a
 * pool of worker processes (started per configuration), each a side child of the peer bench's protocol
 * (side-process.ts) whose `run` answers with its cumulative counters; and a snapshot of all of them at one moment, so
 * that a phase's usage is the difference of the snapshots around it.
 *
 * @module
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SideProcess } from '../peers/side-process.js';
import type { SideConfig } from '../peers/side-protocol.js';
import {
  cpuMs, diffCounters, fromRepResult, SCALE_BENCH_URI_ENV, type EngineDetail, type ProcessCounters,
} from './process-counters.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// The side protocol carries a peer shape's configuration; these sides read nothing from it (the engine needs none,
// a worker reads the URI from its environment), so they are given the cross-process shape's, which they resemble.
const SIDE_CONFIG: SideConfig = { shape: 'crossProcess', params: { kind: 'crossProcess', starts: 0 }, dbPath: true };

/** Every side this run started: stopped on the way out, however the run ends. */
const started = new Set<SideProcess>();

/** Kills every side still running (Ctrl-C, a failed run). */
export async function killAllScaleSides(): Promise<void> {
  await Promise.all([...started].map((side) => side.abort(2_000)));
}

/** A side that reports counters: each call is one "repetition" of the protocol. */
class CountedSide {
  readonly side: SideProcess;
  #calls = 0;

  constructor(side: SideProcess) {
    this.side = side;
  }

  static async start(script: string, label: string): Promise<CountedSide> {
    const side = await SideProcess.start(path.join(here, script), SIDE_CONFIG, label);
    started.add(side);
    return new CountedSide(side);
  }

  async read(): Promise<{ counters: ProcessCounters; detail: unknown }> {
    const result = await this.side.run(this.#calls++);
    return { counters: fromRepResult(result), detail: result.detail };
  }

  async stop(): Promise<void> {
    await this.side.stop();
    started.delete(this.side);
  }
}

/** The embedded engine, persisted to disk, alone in its process. */
export class EngineProcess {
  readonly #side: CountedSide;
  readonly detail: EngineDetail;

  private constructor(side: CountedSide, detail: EngineDetail) {
    this.#side = side;
    this.detail = detail;
  }

  static async start(): Promise<EngineProcess> {
    const side = await CountedSide.start('engine-side.js', 'engine');
    const { detail } = await side.read();
    return new EngineProcess(side, detail as EngineDetail);
  }

  async counters(): Promise<ProcessCounters> {
    return (await this.#side.read()).counters;
  }

  stop(): Promise<void> {
    return this.#side.stop();
  }
}

/** `size` worker processes on the engine at `uri`. */
export class WorkerPool {
  readonly #sides: readonly CountedSide[];

  private constructor(sides: readonly CountedSide[]) {
    this.#sides = sides;
  }

  get size(): number {
    return this.#sides.length;
  }

  static async start(size: number, uri: string): Promise<WorkerPool> {
    // A side child inherits the runner's environment when it is forked.
    process.env[SCALE_BENCH_URI_ENV] = uri;
    const outcomes = await Promise.allSettled(Array.from({ length: size }, (_, i) => CountedSide.start('worker-side.js', `worker ${i + 1}/${size}`)));
    const sides = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(sides.map((s) => s.stop()));
      throw failed.reason;
    }
    return new WorkerPool(sides);
  }

  async counters(): Promise<ProcessCounters[]> {
    return Promise.all(this.#sides.map(async (s) => (await s.read()).counters));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#sides.map((s) => s.stop()));
  }
}

/** Every process's counters at one moment. */
export interface Snapshot {
  /** Epoch ms when it was taken. */
  readonly at: number;
  readonly engine: ProcessCounters;
  readonly workers: readonly ProcessCounters[];
  /** The runner's own CPU time (it is the client-only process that starts the work). */
  readonly clientCpuMs: number;
  /** The 1-minute load average. */
  readonly load: number;
}

export async function snapshot(engine: EngineProcess, workers: WorkerPool): Promise<Snapshot> {
  const [engineCounters, workerCounters] = await Promise.all([engine.counters(), workers.counters()]);
  return { at: Date.now(), engine: engineCounters, workers: workerCounters, clientCpuMs: cpuMs(), load: os.loadavg()[0] ?? Number.NaN };
}

/** What every process did between two snapshots. */
export interface Usage {
  readonly wallMs: number;
  readonly engine: ProcessCounters;
  readonly workers: readonly ProcessCounters[];
  readonly clientCpuMs: number;
  readonly load: readonly [number, number];
}

export function usageBetween(before: Snapshot, after: Snapshot): Usage {
  return {
    wallMs: after.at - before.at,
    engine: diffCounters(after.engine, before.engine),
    workers: after.workers.map((w, i) => diffCounters(w, before.workers[i] ?? w)),
    clientCpuMs: after.clientCpuMs - before.clientCpuMs,
    load: [before.load, after.load],
  };
}
