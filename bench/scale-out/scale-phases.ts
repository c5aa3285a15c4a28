/**
 * The workloads of one scale-out configuration, started by the client-only app in the runner against whatever
 * worker processes are up: a batch of chains, a batch of fan-outs (throughput: first start → last completion
 * commit), and chains started at a steady rate (latency: each one's start → its completion commit). Every phase is
 * framed by two snapshots of the processes' counters.
 *
 * @module
 */
import type { Durably } from '../../src/index.js';
import { completedAt } from '../peers/durably-host.js';
import { paced } from '../peers/paced.js';
import { snapshot, usageBetween, type EngineProcess, type Usage, type WorkerPool } from './scale-cluster.js';

/** The sizes of the phases (see {@link phaseSizes}). */
export interface PhaseSizes {
  /** Chains of `chainLength` activities started at once. */
  readonly chains: number;
  readonly chainLength: number;
  /** Fan-outs of `fanWidth` activities started at once. */
  readonly fans: number;
  readonly fanWidth: number;
  /** Chains of `latencyLength` activities started at `latencyRate` per second for `latencySeconds`. */
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly latencyLength: number;
}

export function phaseSizes(quick: boolean, latencyRate: number): PhaseSizes {
  return quick
    ? { chains: 40, chainLength: 10, fans: 20, fanWidth: 20, latencyRate, latencySeconds: 2, latencyLength: 5 }
    : { chains: 100, chainLength: 10, fans: 50, fanWidth: 20, latencyRate, latencySeconds: 5, latencyLength: 5 };
}

/** One phase's outcome. */
export interface PhaseResult {
  /** Orchestrations and activities the phase ran. */
  readonly orchestrations: number;
  readonly activities: number;
  /** Batches: first start → last completion commit, in ms. */
  readonly spanMs: number;
  /** Latency phase: each orchestration's start → completion commit, in ms. */
  readonly latenciesMs: readonly number[];
  readonly usage: Usage;
}

/** The processes a phase measures, and the client that starts its work. */
export interface PhaseContext {
  readonly client: Durably;
  readonly engine: EngineProcess;
  readonly workers: WorkerPool;
}

/** Starts `count` instances of `orchestrator` with `input` at once; measures until the last one's completion commit. */
export async function batchPhase(ctx: PhaseContext, orchestrator: 'Chain' | 'FanOut', count: number, input: number): Promise<PhaseResult> {
  const before = await snapshot(ctx.engine, ctx.workers);
  const t0 = Date.now();
  const ids = await Promise.all(Array.from({ length: count }, () => ctx.client.client.startNew(orchestrator, { input })));
  let last = 0;
  for (const id of ids) last = Math.max(last, await completedAt(ctx.client, id));
  const after = await snapshot(ctx.engine, ctx.workers);
  return { orchestrations: count, activities: count * input, spanMs: last - t0, latenciesMs: [], usage: usageBetween(before, after) };
}

/**
 * Starts chains of `length` activities at `rate` per second for `seconds` (open loop: a start never waits for an
 * earlier one), then reads each one's completion commit. Nothing polls for completion while they run, so the waiting
 * adds no load of its own.
 */
export async function latencyPhase(ctx: PhaseContext, rate: number, seconds: number, length: number): Promise<PhaseResult> {
  const before = await snapshot(ctx.engine, ctx.workers);
  const count = Math.max(1, Math.round(rate * seconds));
  const starts = await paced(count, rate, async () => {
    const t0 = Date.now();
    return { t0, id: await ctx.client.client.startNew('Chain', { input: length }) };
  });
  const latenciesMs: number[] = [];
  for (const { t0, id } of starts) latenciesMs.push((await completedAt(ctx.client, id)) - t0);
  const after = await snapshot(ctx.engine, ctx.workers);
  const spanMs = Math.max(...latenciesMs.map((l, i) => (starts[i]?.t0 ?? 0) + l)) - (starts[0]?.t0 ?? 0);
  return { orchestrations: count, activities: count * length, spanMs, latenciesMs, usage: usageBetween(before, after) };
}

/** A few small orchestrations, so that every worker has connected, compiled and claimed before anything is measured. */
export async function warmUp(ctx: PhaseContext): Promise<void> {
  const ids = await Promise.all(Array.from({ length: 4 * ctx.workers.size }, (_, i) => ctx.client.client.startNew(i % 2 === 0 ? 'Chain' : 'FanOut', { input: 5 })));
  for (const id of ids) await completedAt(ctx.client, id);
}
