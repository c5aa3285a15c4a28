/**
 * What each process of the scale-out benchmark reports when asked (the engine, every worker, the client): its CPU
 * time and, per kind of process, the work it did — all cumulative since it started, so that the runner takes the
 * difference of two snapshots around a phase. Carried as a side's {@link RepResult} metrics (see side-protocol.ts).
 *
 * @module
 */
import type { RepResult } from '../peers/shapes.js';

/** The environment variable that carries the engine's URI to a worker process. */
export const SCALE_BENCH_URI_ENV = 'SCALE_BENCH_URI';

/** What the engine process reports besides its counters (in its result's `detail`). */
export interface EngineDetail {
  readonly uri: string;
  readonly pid: number;
}

/**
 * The sections of `serverStatus().opcounters`, counted as mongod counts them: `insert` per document, `update` and
 * `delete` per statement, `query` per find, `getmore` per getMore, `command` for everything else — `findAndModify`
 * (every claim) and `aggregate`/`count` included.
 */
export const OP_KINDS = ['insert', 'query', 'update', 'delete', 'getmore', 'command'] as const;
export type OpKind = (typeof OP_KINDS)[number];
export type OpCounts = Readonly<Record<OpKind, number>>;

/** Cumulative counters of one process. Fields that do not apply to a kind of process are zero. */
export interface ProcessCounters {
  /** User + system CPU time of the process, in ms (`process.cpuUsage()`). */
  readonly cpuMs: number;
  /** Workers: orchestration episodes committed here (the `durably.episode.duration` histogram's count). */
  readonly episodes: number;
  /** Workers: activity attempts run here (the `durably.activity.duration` histogram's count). */
  readonly activities: number;
  /** Engine: commands it served, by opcounters section. */
  readonly ops: OpCounts;
  /** Engine: writes of its journal to disk (`serverStatus().wiredTiger.log['log sync operations']`). */
  readonly fsyncs: number;
}

export const NO_OPS: OpCounts = { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 };

/** Every command counted in `ops`. */
export function totalOps(ops: OpCounts): number {
  return OP_KINDS.reduce((sum, kind) => sum + ops[kind], 0);
}

/** This process's CPU time so far, in ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** The counters as a side's repetition result (flat metrics; `op.<kind>` for the opcounters). */
export function toRepResult(counters: ProcessCounters, detail?: unknown): RepResult {
  const { ops, ...rest } = counters;
  const flat: Record<string, number> = { ...rest };
  for (const kind of OP_KINDS) flat[`op.${kind}`] = ops[kind];
  return { metrics: flat, ...(detail === undefined ? {} : { detail }) };
}

/** The counters read back from a side's repetition result (missing ones as 0). */
export function fromRepResult(result: RepResult): ProcessCounters {
  const m = result.metrics;
  const ops = Object.fromEntries(OP_KINDS.map((kind) => [kind, m[`op.${kind}`] ?? 0])) as Record<OpKind, number>;
  return { cpuMs: m.cpuMs ?? 0, episodes: m.episodes ?? 0, activities: m.activities ?? 0, ops, fsyncs: m.fsyncs ?? 0 };
}

/** `after − before`, field by field. */
export function diffCounters(after: ProcessCounters, before: ProcessCounters): ProcessCounters {
  const ops = Object.fromEntries(OP_KINDS.map((kind) => [kind, after.ops[kind] - before.ops[kind]])) as Record<OpKind, number>;
  return {
    cpuMs: after.cpuMs - before.cpuMs,
    episodes: after.episodes - before.episodes,
    activities: after.activities - before.activities,
    ops,
    fsyncs: after.fsyncs - before.fsyncs,
  };
}
