import type { FaultWorker } from './fault-worker-process.js';

/** One `{"event":"stats"}` line of a fault worker started with {@link statsEnv} (see the fixture's STATS_MS block). */
export interface WorkerStats {
  readonly pid: number;
  /** Date.now() in the worker. */
  readonly at: number;
  /** Whether a GC was forced before measuring (the worker runs with --expose-gc). */
  readonly gc: boolean;
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** process.getActiveResourcesInfo() counted by type: only handles that keep the event loop alive. */
  readonly resources: Readonly<Record<string, number>>;
  /** Timers still armed (ref'd or not), and by delay (ms). */
  readonly timers: number;
  readonly timersByDelay: Readonly<Record<string, number>>;
  /** Timeout objects fired or cleared but still referenced from somewhere. */
  readonly spentTimers: number;
  /** Live net.Socket objects on the heap. */
  readonly sockets: number;
}

/** The environment that makes a fault worker report {@link WorkerStats} every `everyMs`, measured after a forced GC. */
export function statsEnv(everyMs: number): Record<string, string> {
  return {
    STATS_MS: String(everyMs),
    NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter((o) => o !== undefined && o !== '').join(' '),
  };
}

/** The stats lines a worker printed so far, in order. */
export function statsOf(worker: FaultWorker): WorkerStats[] {
  const stats: WorkerStats[] = [];
  for (const line of worker.output) {
    if (!line.startsWith('{"event":"stats"')) continue;
    stats.push(JSON.parse(line) as WorkerStats);
  }
  return stats;
}

export const MB = 1024 * 1024;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** Least-squares slope of `y` over `x`. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** The samples whose time falls in [from, to) of the run, as fractions of its duration. */
export function window<T extends { readonly at: number }>(samples: readonly T[], start: number, durationMs: number, from: number, to: number): T[] {
  return samples.filter((s) => s.at >= start + from * durationMs && s.at < start + to * durationMs);
}

/** What a soak measured in one part of its run. */
export interface PhaseSummary {
  readonly samples: number;
  readonly heapMedianMb: number;
  readonly heapMaxMb: number;
  readonly rssMedianMb: number;
  readonly timersMax: number;
  readonly spentTimersMax: number;
  readonly socketsMax: number;
  /** Max of process.getActiveResourcesInfo()'s `Timeout` and `TCPSocketWrap` counts. */
  readonly refTimeoutsMax: number;
  readonly tcpMax: number;
}

export function summarize(samples: readonly WorkerStats[]): PhaseSummary {
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    samples: samples.length,
    heapMedianMb: round(median(samples.map((s) => s.heapUsed)) / MB),
    heapMaxMb: round(max(samples.map((s) => s.heapUsed)) / MB),
    rssMedianMb: round(median(samples.map((s) => s.rss)) / MB),
    timersMax: max(samples.map((s) => s.timers)),
    spentTimersMax: max(samples.map((s) => s.spentTimers)),
    socketsMax: max(samples.map((s) => s.sockets)),
    refTimeoutsMax: max(samples.map((s) => s.resources.Timeout ?? 0)),
    tcpMax: max(samples.map((s) => s.resources.TCPSocketWrap ?? 0)),
  };
}
