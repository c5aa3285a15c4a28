/**
 * The benchmark's tables, as Markdown (so a run can be pasted into docs/performance.md): per shape and metric, each
 * contender's median (min–max) over repetitions, the per-repetition ratio A ÷ B summarized the same way, the target
 * and a verdict; then the memory each side process used.
 *
 * @module
 */
import type { ShapeOutcome } from './peer-runner.js';
import { SHAPES, type MetricSpec, type RepResult, type Target } from './shapes.js';
import { formatNumber, pairedRatio, percentile, summarize, type Summary } from './stats.js';

export interface ReportColumns {
  readonly a: { readonly id: string; readonly label: string };
  readonly b: { readonly id: string; readonly label: string };
  /** The contender absolute targets apply to. */
  readonly judged: string;
  /** Whether A ÷ B is the ratio the targets speak of (Durably ÷ DBOS); when false, ratio targets are shown, not judged. */
  readonly ratioTargets?: boolean;
}

interface Cell {
  /** The value targets are judged on: the median of repetitions, or the pooled percentile. */
  readonly central: number;
  readonly text: string;
}

function range(summary: Summary): string {
  return summary.n <= 1 ? '' : ` (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}

function cell(reps: readonly RepResult[] | undefined, metric: MetricSpec): Cell {
  const values = (reps ?? []).map((r) => r.metrics[metric.key] ?? Number.NaN);
  const summary = summarize(values);
  if (metric.pooled !== undefined) {
    const pooled = percentile((reps ?? []).flatMap((r) => r.samples?.[metric.pooled?.sample ?? ''] ?? []), metric.pooled.percentile);
    return { central: pooled, text: `${formatNumber(pooled)}${range(summary)}` };
  }
  return { central: summary.median, text: summary.n === 0 ? '–' : `${formatNumber(summary.median)}${range(summary)}` };
}

function meets(value: number, target: Target): boolean {
  return target.op === '<=' ? value <= target.value : value >= target.value;
}

function targetText(target: Target | undefined, ratioTargets: boolean): string {
  if (target === undefined) return '';
  const text = `${target.op === '<=' ? '≤' : '≥'} ${target.value}${target.kind === 'ratio' ? '×' : ''}`;
  return target.kind === 'ratio' && !ratioTargets ? `(${text} DBOS)` : text;
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

/** The main table: one row per shape and metric. */
export function resultTable(outcomes: readonly ShapeOutcome[], columns: ReportColumns): string[] {
  const lines = [
    row(['shape', 'metric', columns.a.label, columns.b.label, `${columns.a.label} ÷ ${columns.b.label}`, 'target', 'verdict']),
    row(['---', '---', '---:', '---:', '---:', '---', '---']),
  ];
  for (const outcome of outcomes) {
    const spec = SHAPES[outcome.shape];
    if (outcome.error !== undefined) {
      lines.push(row([outcome.shape, 'FAILED', outcome.error.split('\n')[0]?.slice(0, 120) ?? '', '', '', '', '']));
      continue;
    }
    for (const metric of spec.metrics) {
      const a = cell(outcome.reps[columns.a.id], metric);
      const b = cell(outcome.reps[columns.b.id], metric);
      const values = (id: string): number[] => (outcome.reps[id] ?? []).map((r) => r.metrics[metric.key] ?? Number.NaN);
      const ratio = pairedRatio(values(columns.a.id), values(columns.b.id));
      const ratioText = ratio.n === 0 ? '–' : `${formatNumber(ratio.median)}×${range(ratio)}`;
      let verdict = '';
      if (metric.target?.kind === 'ratio' && columns.ratioTargets !== false) verdict = ratio.n === 0 ? 'n/a' : meets(ratio.median, metric.target) ? 'ok' : 'MISSED';
      if (metric.target?.kind === 'absolute') {
        const judged = columns.judged === columns.a.id ? a : b;
        verdict = Number.isFinite(judged.central) ? (meets(judged.central, metric.target) ? 'ok' : 'MISSED') : 'n/a';
      }
      const unit = metric.unit === '×' ? '' : ` (${metric.unit})`;
      lines.push(row([outcome.shape, `${metric.label}${unit}`, a.text, b.text, ratioText, targetText(metric.target, columns.ratioTargets !== false), verdict]));
    }
    if (outcome.shape === 'chain100') lines.push(...marginalRow(outcomes, columns));
  }
  return lines;
}

/** (t(100) − t(10)) / 90 per repetition, from the chain10 and chain100 shapes of the same run. */
function marginalRow(outcomes: readonly ShapeOutcome[], columns: ReportColumns): string[] {
  const ten = outcomes.find((o) => o.shape === 'chain10' && o.error === undefined);
  const hundred = outcomes.find((o) => o.shape === 'chain100' && o.error === undefined);
  if (ten === undefined || hundred === undefined) return [];
  const marginal = (id: string): number[] => (hundred.reps[id] ?? []).map((r, i) => ((r.metrics.totalMs ?? Number.NaN) - (ten.reps[id]?.[i]?.metrics.totalMs ?? Number.NaN)) / 90);
  const a = marginal(columns.a.id);
  const b = marginal(columns.b.id);
  const show = (values: number[]): string => {
    const s = summarize(values);
    return s.n === 0 ? '–' : `${formatNumber(s.median)}${range(s)}`;
  };
  const ratio = pairedRatio(a, b);
  return [row(['chain10+100', 'marginal per activity, (t(100) − t(10))/90 (ms)', show(a), show(b), ratio.n === 0 ? '–' : `${formatNumber(ratio.median)}×${range(ratio)}`, '', ''])];
}

/** Memory of each side process just before it stopped (after its last repetition). */
export function memoryTable(outcomes: readonly ShapeOutcome[], columns: ReportColumns): string[] {
  const lines = [
    row(['shape', `${columns.a.label} RSS (MB)`, `${columns.b.label} RSS (MB)`, 'wall time (s)', 'load (1 min) at start → end']),
    row(['---', '---:', '---:', '---:', '---:']),
  ];
  for (const outcome of outcomes) {
    const rss = (id: string): string => {
      const m = outcome.memory[id];
      return m === undefined ? '–' : `${m.rssMb} (heap ${m.heapUsedMb})`;
    };
    lines.push(row([outcome.shape, rss(columns.a.id), rss(columns.b.id), outcome.seconds.toFixed(0), `${outcome.load[0].toFixed(2)} → ${outcome.load[1].toFixed(2)}`]));
  }
  return lines;
}
