// The app whose orchestrations the golden histories record: every example's classes (examples/*), plus a few
// orchestrators for the patterns the examples do not show — sub-orchestrations, retries, continue-as-new, and an
// orchestration that signals entities and calls them under a lock. Shared by the recorder
// (record-golden-histories.ts) and the replay test (golden-histories.test.ts), so that both see the same names.
import type { DependencyContainer } from 'tsyringe';
import {
  Activity, DurableRegistry, EntityId, Orchestrator, TaskFailedError,
  type ActivityContext, type EntityClass, type OrchestrationContext, type RetryOptions, type RunnableClass,
} from '../../src/index.js';
import { aggregatorExample } from '../../examples/aggregator/index.js';
import { asyncHttpApiExample } from '../../examples/async-http-api/index.js';
import { SalesDatabase } from '../../examples/async-http-api/sales-services.js';
import { chainingExample } from '../../examples/chaining/index.js';
import { HelloSequence } from '../../examples/chaining/hello-sequence.js';
import { fanOutFanInExample } from '../../examples/fan-out-fan-in/index.js';
import { humanInteractionExample } from '../../examples/human-interaction/index.js';
import { monitorExample } from '../../examples/monitor/index.js';
import type { ExampleModule } from '../../examples/shared/example-module.js';

/** The examples whose orchestrators are recorded (scale-out is chaining in worker processes: nothing new to replay). */
export const GOLDEN_EXAMPLES: readonly ExampleModule[] = [
  chainingExample, fanOutFanInExample, asyncHttpApiExample, monitorExample, humanInteractionExample, aggregatorExample,
];

// Services of the golden-only activities ------------------------------------------------------------------------

/** Fails a key's first `failures` attempts, then succeeds: a flaky dependency with a predictable recovery. */
export class FlakyService {
  readonly attempts = new Map<string, number>();

  attempt(key: string, failures: number): string {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    if (attempt <= failures) throw new Error(`${key}: attempt ${attempt} failed (flaky dependency)`);
    return `${key}: succeeded on attempt ${attempt}`;
  }
}

/** Expired records, removed a batch per round. */
export class RecordStore {
  removeExpired(round: number): number {
    return 10 * round;
  }
}

// Golden-only activities and orchestrators -------------------------------------------------------------------------

/** Fails its input's first `failures` attempts (counted per key), then returns a message. */
@Activity()
export class CallFlakyService {
  constructor(private readonly service: FlakyService) {}

  run(input: { key: string; failures: number }): string {
    return this.service.attempt(input.key, input.failures);
  }
}

/** Removes one round's expired records; returns how many. */
@Activity()
export class RemoveExpiredRecords {
  constructor(private readonly store: RecordStore) {}

  run(round: number): number {
    return this.store.removeExpired(round);
  }
}

/** Imports rows from where the previous attempt stopped (its heartbeat details); fails its first two attempts. */
@Activity()
export class ImportRowsFrom {
  run(input: { rows: number }, ctx: ActivityContext<number>): string {
    const from = ctx.lastHeartbeatDetails ?? 0;
    const to = Math.min(from + 4, input.rows);
    ctx.heartbeat(to);
    if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} stopped at row ${to}`);
    return `attempt ${ctx.attempt} imported rows ${from}-${input.rows}`;
  }
}

/**
 * Work under control (engine version 2): a retried activity resuming from its heartbeat details (its attempt number
 * and details recorded in TaskScheduled), a call with limits, a race won by the activity whose losing timer is
 * cancelled (TimerCanceled), and an event wait whose timeout timer is cancelled when the event comes.
 */
@Orchestrator()
export class GoldenActivityControl {
  async run(ctx: OrchestrationContext): Promise<{ imported: string; raced: string; approved: unknown }> {
    const imported = await ctx.callActivity(ImportRowsFrom, { rows: 10 }, {
      retry: { firstRetryIntervalInMilliseconds: 60_000, maxNumberOfAttempts: 3 }, heartbeatTimeoutMs: 60_000, startToCloseTimeoutMs: 600_000,
    });
    const work = ctx.callActivity(RemoveExpiredRecords, 2, { scheduleToCloseTimeoutMs: 3_600_000 });
    const deadline = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 7_200_000));
    await ctx.whenAny([work, deadline]);
    if (work.isCompleted) deadline.cancel();
    else work.cancel();
    const raced = work.isCompleted ? `removed ${String(work.result)}` : 'timed out';
    const approved = await ctx.waitForExternalEvent('Approve', { timeoutMs: 86_400_000 });
    return { imported, raced, approved };
  }
}

/** Retries: one call that recovers on its third attempt (durable backoff timers between), one that never does. */
@Orchestrator()
export class GoldenRetries {
  async run(ctx: OrchestrationContext<{ id: string }>): Promise<{ recovered: string; gaveUp: string }> {
    const retry: RetryOptions = { firstRetryIntervalInMilliseconds: 60_000, maxNumberOfAttempts: 3, backoffCoefficient: 2 };
    const recovered = await ctx.callActivityWithRetry(CallFlakyService, retry, { key: `${ctx.input.id}-recovers`, failures: 2 });
    let gaveUp = 'not reached';
    try {
      await ctx.callActivityWithRetry(CallFlakyService, { firstRetryIntervalInMilliseconds: 30_000, maxNumberOfAttempts: 2 }, { key: `${ctx.input.id}-never`, failures: 99 });
    } catch (error) {
      gaveUp = error instanceof TaskFailedError ? `gave up: ${error.message}` : 'unexpected error';
    }
    return { recovered, gaveUp };
  }
}

/** A child that fails unless its flaky dependency answers: retried by its parent as a whole. */
@Orchestrator()
export class GoldenFlakyChild {
  async run(ctx: OrchestrationContext<{ key: string; failures: number }>): Promise<string> {
    const answer = await ctx.callActivity(CallFlakyService, ctx.input);
    return `child: ${answer}`;
  }
}

/**
 * Sub-orchestrations: greets two regions in parallel with the chaining example's HelloSequence as a child, then runs a
 * flaky child with retries (its first attempt fails, the second completes).
 */
@Orchestrator()
export class GoldenSubOrchestrations {
  async run(ctx: OrchestrationContext<{ regions: Record<string, string[]> }>): Promise<{ greetings: Record<string, string[]>; flaky: string }> {
    const names = Object.keys(ctx.input.regions);
    const children = names.map((name) => ctx.callSubOrchestrator(HelloSequence, ctx.input.regions[name] ?? []));
    const results = await ctx.whenAll(children);
    const greetings: Record<string, string[]> = {};
    names.forEach((name, i) => {
      greetings[name] = results[i] ?? [];
    });
    const flaky = await ctx.callSubOrchestratorWithRetry(
      GoldenFlakyChild, { firstRetryIntervalInMilliseconds: 5_000, maxNumberOfAttempts: 3 }, { key: `${ctx.instanceId}-child`, failures: 1 },
    );
    return { greetings, flaky };
  }
}

/** The input of {@link GoldenPeriodicCleanup}: the round this execution runs, of how many, and the tally so far. */
export interface CleanupRound {
  readonly round: number;
  readonly rounds: number;
  readonly removed: number;
}

/** An eternal orchestration made finite: one cleanup per hour, each in a fresh execution (continue-as-new). */
@Orchestrator()
export class GoldenPeriodicCleanup {
  async run(ctx: OrchestrationContext<CleanupRound>): Promise<{ rounds: number; removed: number }> {
    const { round, rounds } = ctx.input;
    const removed = ctx.input.removed + await ctx.callActivity(RemoveExpiredRecords, round);
    ctx.setCustomStatus({ round, removed });
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 3_600_000));
    if (round < rounds) {
      ctx.continueAsNew({ round: round + 1, rounds, removed });
      return { rounds: round, removed };
    }
    return { rounds, removed };
  }
}

/**
 * The aggregator driven from an orchestration: one signal per vote to the vote's `Counter` (one-way), then a critical
 * section over every counter voted for, in which each is read with a two-way call.
 */
@Orchestrator()
export class GoldenTallyVotes {
  async run(ctx: OrchestrationContext<{ poll: string; votes: string[] }>): Promise<Record<string, number>> {
    const { poll, votes } = ctx.input;
    const choices = [...new Set(votes)].sort();
    const counter = (choice: string): EntityId => new EntityId('Counter', `${poll}-${choice}`);
    for (const vote of votes) ctx.signalEntity(counter(vote), 'add', 1);
    const lock = await ctx.lockEntities(...choices.map(counter));
    const counts = await ctx.whenAll(choices.map((choice) => ctx.callEntity<number>(counter(choice), 'get')));
    lock.release();
    const tally: Record<string, number> = {};
    choices.forEach((choice, i) => {
      tally[choice] = counts[i] ?? 0;
    });
    return tally;
  }
}

/** Every class of the golden app, as `Durably.create` and `DurableRegistry.from` take them. */
export const GOLDEN_APP: { readonly orchestrators: RunnableClass[]; readonly activities: RunnableClass[]; readonly entities: EntityClass[] } = {
  orchestrators: [
    ...GOLDEN_EXAMPLES.flatMap((example) => example.orchestrators),
    GoldenRetries, GoldenFlakyChild, GoldenSubOrchestrations, GoldenPeriodicCleanup, GoldenTallyVotes, GoldenActivityControl,
  ],
  activities: [...GOLDEN_EXAMPLES.flatMap((example) => example.activities), CallFlakyService, RemoveExpiredRecords, ImportRowsFrom],
  entities: GOLDEN_EXAMPLES.flatMap((example) => example.entities ?? []),
};

/** The golden app's registry: what the replay resolves orchestrators and names through, as the runtime does. */
export function goldenRegistry(): DurableRegistry {
  return DurableRegistry.from(GOLDEN_APP);
}

/** Registers the services every activity needs (the examples' in-memory stand-ins, quiet), for a recording. */
export function registerGoldenServices(container: DependencyContainer): void {
  for (const example of GOLDEN_EXAMPLES) example.registerServices(container, () => undefined);
  // The example service's report queries take 2 s each, so that a person polling sees progress: not needed here.
  container.registerInstance(SalesDatabase, new SalesDatabase(20));
  container.registerInstance(FlakyService, new FlakyService());
  container.registerInstance(RecordStore, new RecordStore());
}
