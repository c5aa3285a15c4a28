/**
 * Small statistics for the benchmarks: a median/min/max summary over repetitions, percentiles over samples, and the
 * per-repetition ratio of two contenders measured in the same run.
 *
 * @module
 */

/** Median, minimum and maximum of a set of repetitions (NaN fields when there are none). */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The `p`-th percentile (0–100) of `values`, interpolated between the closest ranks; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

/** Median, min and max of the finite values. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { n: finite.length, median: percentile(finite, 50), min: Math.min(...finite), max: Math.max(...finite) };
}

/**
 * The ratio `a ÷ b` repetition by repetition (rep i of one contender against rep i of the other, which ran next to it),
 * summarized. Pairs where either side is missing or `b` is 0 are skipped.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || y === 0) continue;
    ratios.push(x / y);
  }
  return summarize(ratios);
}

/** Rounds to `digits` significant decimals for display: 2 below 10, 1 below 100, else 0. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return value.toFixed(digits);
}

/**
 * The cost of activities #1–50 and #951–1000 of a 1,000-activity chain from their start times (`stamps[i]` = start of
 * the activity with input i): the mean interval between consecutive starts within each block, and their ratio.
 */
export function chainBlocks(stamps: readonly (number | undefined)[]): { first50Ms: number; last50Ms: number; drift: number } {
  const interval = (from: number, to: number): number => {
    const a = stamps[from];
    const b = stamps[to];
    return a === undefined || b === undefined ? Number.NaN : (b - a) / (to - from);
  };
  const first50Ms = interval(0, 49);
  const last50Ms = interval(stamps.length - 50, stamps.length - 1);
  return { first50Ms, last50Ms, drift: last50Ms / first50Ms };
}
