/**
 * Durably's side of the workload: the activity, orchestrators and entity every Durably shape runs, shared by the side
 * child and the cross-process worker (so both register the same names). Written against the public API only.
 * Trivial bodies: the benchmark measures the framework, not the work.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { Activity, DurableEntity, Entity, Orchestrator, type OrchestrationContext } from '../../src/index.js';

/**
 * Start times of activities run in this process while `recording` is on (epoch ms, sub-millisecond), indexed by the
 * activity's input: the chain shapes read the cost of activities #1–50 and #951–1000 from them.
 */
export const activityStarts: { recording: boolean; stamps: number[] } = { recording: false, stamps: [] };

@Activity()
export class Step {
  run(input: number): number {
    if (activityStarts.recording) activityStarts.stamps[input] = performance.timeOrigin + performance.now();
    return input;
  }
}

/** `input` activities in sequence. */
@Orchestrator()
export class Chain {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    for (let i = 0; i < ctx.input; i++) await ctx.callActivity(Step, i);
    return ctx.input;
  }
}

/** `input` activities at once, then their results. */
@Orchestrator()
export class FanOut {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    const results = await ctx.whenAll(Array.from({ length: ctx.input }, (_, i) => ctx.callActivity(Step, i)));
    return results.length;
  }
}

/** One durable timer of `input` ms. */
@Orchestrator()
export class Sleeper {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + ctx.input));
    return ctx.input;
  }
}

@Entity()
export class Counter extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }

  add(amount: number): void {
    this.state += amount;
  }
}

export const ORCHESTRATORS = [Chain, FanOut, Sleeper];
export const ACTIVITIES = [Step];
export const ENTITIES = [Counter];
