/**
 * The benchmark's shapes: what each one runs (its parameters in quick and full mode), the metrics a repetition
 * reports, which way is better, and the target a metric is judged against. Both contenders (Durably and DBOS)
 * implement every shape with the same parameters; see docs/performance.md for the definitions.
 *
 * @module
 */

/** The shapes, in the order they run and print. */
export const SHAPE_IDS = [
  'chain10', 'chain100', 'chain1000', 'fan100', 'fan1000', 'throughput', 'timers10', 'timers100', 'hotEntity', 'crossProcess', 'writes',
] as const;

export type ShapeId = (typeof SHAPE_IDS)[number];

/** What a shape runs; the same for every contender. */
export type ShapeParams =
  | { readonly kind: 'chain'; readonly activities: number; readonly runsPerRep: number }
  | { readonly kind: 'fan'; readonly width: number; readonly runsPerRep: number }
  | { readonly kind: 'throughput'; readonly orchestrations: number; readonly activities: number }
  | { readonly kind: 'timers'; readonly perSecond: number; readonly seconds: number; readonly delayMs: number }
  | { readonly kind: 'hotEntity'; readonly clients: number; readonly perClient: number }
  | { readonly kind: 'crossProcess'; readonly starts: number }
  | { readonly kind: 'writes'; readonly short: number; readonly long: number };

/** A target: a ratio to the peer (Durably ÷ DBOS) or an absolute bound on Durably's own value. */
export interface Target {
  readonly kind: 'ratio' | 'absolute';
  readonly op: '<=' | '>=';
  readonly value: number;
}

/** One number a repetition reports. */
export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: 'ms' | '/s' | 'per activity' | '×';
  readonly better: 'lower' | 'higher';
  readonly target?: Target;
  /** Pooled over every repetition's samples (percentiles of timer lateness) rather than a median of repetitions. */
  readonly pooled?: { readonly sample: string; readonly percentile: number };
}

export interface ShapeSpec {
  readonly id: ShapeId;
  readonly title: string;
  readonly metrics: readonly MetricSpec[];
  params(quick: boolean): ShapeParams;
}

const ratio = (op: Target['op'], value: number): Target => ({ kind: 'ratio', op, value });
const absolute = (op: Target['op'], value: number): Target => ({ kind: 'absolute', op, value });

const chain = (id: ShapeId, n: number, quickRuns: number, fullRuns: number, target?: Target): ShapeSpec => ({
  id,
  title: `sequential chain of ${n.toLocaleString('en')} activities`,
  metrics: [
    { key: 'perActivityMs', label: `per activity, t(${n})/${n}`, unit: 'ms', better: 'lower', ...(target === undefined ? {} : { target }) },
    { key: 'totalMs', label: `whole chain, t(${n})`, unit: 'ms', better: 'lower' },
  ],
  params: (quick) => ({ kind: 'chain', activities: n, runsPerRep: quick ? quickRuns : fullRuns }),
});

const fan = (id: ShapeId, width: number, quickRuns: number, fullRuns: number): ShapeSpec => ({
  id,
  title: `fan-out/fan-in of ${width.toLocaleString('en')} activities`,
  metrics: [{ key: 'totalMs', label: 'start to completion', unit: 'ms', better: 'lower', target: ratio('<=', 0.7) }],
  params: (quick) => ({ kind: 'fan', width, runsPerRep: quick ? quickRuns : fullRuns }),
});

const timers = (id: ShapeId, perSecond: number, targets: { p50?: Target; p99?: Target }): ShapeSpec => ({
  id,
  title: `timer lateness at the orchestrator, ${perSecond} timers/s`,
  metrics: [
    { key: 'p50Ms', label: 'lateness p50 (pooled)', unit: 'ms', better: 'lower', pooled: { sample: 'latenessMs', percentile: 50 }, ...(targets.p50 === undefined ? {} : { target: targets.p50 }) },
    { key: 'p99Ms', label: 'lateness p99 (pooled)', unit: 'ms', better: 'lower', pooled: { sample: 'latenessMs', percentile: 99 }, ...(targets.p99 === undefined ? {} : { target: targets.p99 }) },
  ],
  // 1 s timers: longer than Durably's default poll (250 ms) and DBOS's in-process sleep, so both run their
  // scheduled-timer path rather than an immediate one.
  params: (quick) => ({ kind: 'timers', perSecond, seconds: quick ? (perSecond >= 100 ? 1 : 2) : (perSecond >= 100 ? 5 : 10), delayMs: 1000 }),
});

/** Every shape, by id. */
export const SHAPES: Readonly<Record<ShapeId, ShapeSpec>> = {
  chain10: chain('chain10', 10, 3, 5, ratio('<=', 0.6)),
  chain100: chain('chain100', 100, 1, 2, ratio('<=', 0.6)),
  chain1000: {
    id: 'chain1000',
    title: 'sequential chain of 1,000 activities: the first 50 against the last 50',
    metrics: [
      { key: 'perActivityMs', label: 'per activity, t(1000)/1000', unit: 'ms', better: 'lower' },
      { key: 'first50Ms', label: 'per activity, #1–50', unit: 'ms', better: 'lower' },
      { key: 'last50Ms', label: 'per activity, #951–1000', unit: 'ms', better: 'lower' },
      { key: 'drift', label: 'drift: #951–1000 ÷ #1–50', unit: '×', better: 'lower', target: absolute('<=', 1.3) },
    ],
    params: () => ({ kind: 'chain', activities: 1000, runsPerRep: 1 }),
  },
  fan100: fan('fan100', 100, 1, 3),
  fan1000: fan('fan1000', 1000, 1, 1),
  throughput: {
    id: 'throughput',
    title: '500 orchestrations × 3 activities (200 in quick mode), started at once',
    metrics: [
      { key: 'perSecond', label: 'orchestrations/s', unit: '/s', better: 'higher', target: ratio('>=', 1.5) },
      { key: 'totalMs', label: 'first start to last completion', unit: 'ms', better: 'lower' },
    ],
    params: (quick) => ({ kind: 'throughput', orchestrations: quick ? 200 : 500, activities: 3 }),
  },
  timers10: timers('timers10', 10, { p50: absolute('<=', 10), p99: absolute('<=', 50) }),
  timers100: timers('timers100', 100, { p99: absolute('<=', 200) }),
  hotEntity: {
    id: 'hotEntity',
    title: 'one hot entity: concurrent clients each sending add(1)',
    metrics: [
      { key: 'perSecond', label: 'operations/s', unit: '/s', better: 'higher', target: ratio('>=', 5) },
      { key: 'totalMs', label: 'first send to last operation applied', unit: 'ms', better: 'lower' },
    ],
    params: (quick) => (quick ? { kind: 'hotEntity', clients: 10, perClient: 50 } : { kind: 'hotEntity', clients: 20, perClient: 50 }),
  },
  crossProcess: {
    id: 'crossProcess',
    title: 'cross-process: a client process starts a 1-activity orchestration a worker process runs',
    metrics: [
      { key: 'toldP50Ms', label: 'start to the client told, p50 (pooled)', unit: 'ms', better: 'lower', pooled: { sample: 'toldMs', percentile: 50 }, target: absolute('<=', 15) },
      { key: 'toldP99Ms', label: 'start to the client told, p99 (pooled)', unit: 'ms', better: 'lower', pooled: { sample: 'toldMs', percentile: 99 }, target: absolute('<=', 60) },
      { key: 'p50Ms', label: 'start to the completion commit, p50 (pooled)', unit: 'ms', better: 'lower', pooled: { sample: 'latencyMs', percentile: 50 } },
      { key: 'p99Ms', label: 'start to the completion commit, p99 (pooled)', unit: 'ms', better: 'lower', pooled: { sample: 'latencyMs', percentile: 99 } },
    ],
    params: (quick) => ({ kind: 'crossProcess', starts: quick ? 10 : 40 }),
  },
  writes: {
    id: 'writes',
    title: 'durable writes per sequential activity, marginal (t(20) − t(10)) / 10',
    metrics: [
      { key: 'writesPerActivity', label: 'write commands / statements', unit: 'per activity', better: 'lower', target: absolute('<=', 2) },
      { key: 'effectiveWritesPerActivity', label: 'writes that changed data', unit: 'per activity', better: 'lower' },
      { key: 'fsyncsPerActivity', label: 'fsyncs (log syncs / WAL commits)', unit: 'per activity', better: 'lower', target: absolute('<=', 2) },
    ],
    params: () => ({ kind: 'writes', short: 10, long: 20 }),
  },
};

/** What one repetition of a shape reports: named numbers, and raw samples for pooled percentiles. */
export interface RepResult {
  readonly metrics: Readonly<Record<string, number>>;
  readonly samples?: Readonly<Record<string, readonly number[]>>;
  /** Anything worth keeping in the JSON results but not in the table. */
  readonly detail?: unknown;
}
