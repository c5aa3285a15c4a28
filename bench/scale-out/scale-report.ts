/**
 * The scale-out benchmark's tables, as Markdown (pasted into docs/scaling.md): per worker count, throughput and
 * latency; how evenly the workers shared the episodes and activities; and where the CPU went (the engine process, the
 * workers, the client) with the engine's commands per activity. Each cell is the median over repetitions with the
 * range in parentheses; latency percentiles are pooled over every repetition's samples.
 *
 * @module
 */
import { formatNumber, percentile, summarize } from '../peers/stats.js';
import { OP_KINDS, totalOps } from './process-counters.js';
import type { PhaseResult } from './scale-phases.js';

/** The phases of one configuration, by name. */
export const PHASES = ['chain', 'fan', 'latency'] as const;
export type PhaseName = (typeof PHASES)[number];

/** One repetition of one configuration (a worker count). */
export interface ConfigOutcome {
  readonly workers: number;
  readonly rep: number;
  readonly phases: Readonly<Record<PhaseName, PhaseResult>>;
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

/** `median (min–max)` of the finite values. */
function cell(values: readonly number[]): string {
  const s = summarize(values);
  if (s.n === 0) return '–';
  return s.n === 1 ? formatNumber(s.median) : `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

const perSecond = (count: number, ms: number): number => (count * 1000) / ms;
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Each worker's share of a count (episodes or activities) in one phase: [smallest, largest]; NaN with no work. */
export function shares(counts: readonly number[]): [number, number] {
  const total = sum(counts);
  if (total === 0 || counts.length === 0) return [Number.NaN, Number.NaN];
  return [Math.min(...counts) / total, Math.max(...counts) / total];
}

function byWorkers(outcomes: readonly ConfigOutcome[]): Map<number, ConfigOutcome[]> {
  const groups = new Map<number, ConfigOutcome[]>();
  for (const o of [...outcomes].sort((a, b) => a.workers - b.workers)) groups.set(o.workers, [...(groups.get(o.workers) ?? []), o]);
  return groups;
}

/** Throughput of the two batches and latency of the paced chains, per worker count. */
export function throughputTable(outcomes: readonly ConfigOutcome[], labels: Readonly<Record<PhaseName, string>>): string[] {
  const lines = [
    row(['workers', `${labels.chain}: orch/s`, `${labels.chain}: activities/s`, `${labels.fan}: orch/s`, `${labels.fan}: activities/s`, `${labels.latency}: p50 (ms)`, `${labels.latency}: p99 (ms)`]),
    row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const [workers, reps] of byWorkers(outcomes)) {
    const rate = (phase: PhaseName, what: 'orchestrations' | 'activities'): string => cell(reps.map((r) => perSecond(r.phases[phase][what], r.phases[phase].spanMs)));
    const pooled = reps.flatMap((r) => r.phases.latency.latenciesMs);
    // Pooled over every rep's samples; in parentheses the range of the reps' own percentiles.
    const latency = (p: number): string => {
      const perRep = summarize(reps.map((r) => percentile(r.phases.latency.latenciesMs, p)));
      return `${formatNumber(percentile(pooled, p))}${perRep.n > 1 ? ` (${formatNumber(perRep.min)}–${formatNumber(perRep.max)})` : ''}`;
    };
    lines.push(row([String(workers), rate('chain', 'orchestrations'), rate('chain', 'activities'), rate('fan', 'orchestrations'), rate('fan', 'activities'), latency(50), latency(99)]));
  }
  return lines;
}

/** The smallest and largest worker share of episodes and of activities, per worker count and phase. */
export function balanceTable(outcomes: readonly ConfigOutcome[]): string[] {
  const lines = [
    row(['workers', 'phase', 'ideal share', 'episodes: smallest share', 'episodes: largest share', 'activities: smallest share', 'activities: largest share']),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const [workers, reps] of byWorkers(outcomes)) {
    if (workers < 2) continue;
    for (const phase of PHASES) {
      const ep = reps.map((r) => shares(r.phases[phase].usage.workers.map((w) => w.episodes)));
      const act = reps.map((r) => shares(r.phases[phase].usage.workers.map((w) => w.activities)));
      lines.push(row([String(workers), phase, formatNumber(1 / workers), cell(ep.map((s) => s[0])), cell(ep.map((s) => s[1])), cell(act.map((s) => s[0])), cell(act.map((s) => s[1]))]));
    }
  }
  return lines;
}

/** CPU per process kind (in cores: CPU s ÷ wall s), the engine's part of it, and its commands per activity. */
export function cpuTable(outcomes: readonly ConfigOutcome[]): string[] {
  const lines = [
    row(['workers', 'phase', 'engine (cores)', 'workers (cores)', 'client (cores)', 'engine % of CPU used', 'CPU ms / activity (all)', 'engine ops/s', 'engine ops / activity', 'journal syncs / activity', 'episodes / orch', 'load 1 min (start → end)']),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const [workers, reps] of byWorkers(outcomes)) {
    for (const phase of PHASES) {
      const of = (f: (p: PhaseResult) => number): string => cell(reps.map((r) => f(r.phases[phase])));
      const workerCpu = (p: PhaseResult): number => sum(p.usage.workers.map((w) => w.cpuMs));
      const allCpu = (p: PhaseResult): number => p.usage.engine.cpuMs + workerCpu(p) + p.usage.clientCpuMs;
      const load = (i: 0 | 1): string => formatNumber(summarize(reps.map((r) => r.phases[phase].usage.load[i])).median);
      lines.push(row([
        String(workers), phase,
        of((p) => p.usage.engine.cpuMs / p.usage.wallMs),
        of((p) => workerCpu(p) / p.usage.wallMs),
        of((p) => p.usage.clientCpuMs / p.usage.wallMs),
        of((p) => (100 * p.usage.engine.cpuMs) / allCpu(p)),
        of((p) => allCpu(p) / p.activities),
        of((p) => perSecond(totalOps(p.usage.engine.ops), p.usage.wallMs)),
        of((p) => totalOps(p.usage.engine.ops) / p.activities),
        of((p) => p.usage.engine.fsyncs / p.activities),
        of((p) => sum(p.usage.workers.map((w) => w.episodes)) / p.orchestrations),
        `${load(0)} → ${load(1)}`,
      ]));
    }
  }
  return lines;
}

/**
 * The engine's commands per activity by opcounters section (`command` holds every findAndModify, i.e. every claim of
 * an instance or a job, and the aggregates and counts; `query` the finds: history, inbox and status reads, polls).
 */
export function opsTable(outcomes: readonly ConfigOutcome[]): string[] {
  const lines = [
    row(['workers', 'phase', ...OP_KINDS.map((kind) => `${kind} / activity`), 'all / activity']),
    row(['---:', '---', ...OP_KINDS.map(() => '---:'), '---:']),
  ];
  for (const [workers, reps] of byWorkers(outcomes)) {
    for (const phase of PHASES) {
      const of = (f: (p: PhaseResult) => number): string => cell(reps.map((r) => f(r.phases[phase])));
      lines.push(row([
        String(workers), phase,
        ...OP_KINDS.map((kind) => of((p) => p.usage.engine.ops[kind] / p.activities)),
        of((p) => totalOps(p.usage.engine.ops) / p.activities),
      ]));
    }
  }
  return lines;
}
