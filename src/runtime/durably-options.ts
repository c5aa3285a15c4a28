import type { DependencyContainer } from 'tsyringe';
import { DurableError } from '../core/durable-error.js';
import type { VersioningOptions } from './versioning-options.js';
import type { RunnableClass } from '../engine/task-types.js';
import type { EntityClass } from '../entities/entity-class.js';
import type { RetentionOptions } from './retention-options.js';
import type { RuntimeLogger } from '../core/runtime-logger.js';

/** Tuning of a Durably app. Every field has a default that suits a small service. */
export interface DurablyTuning {
  /** Orchestration episodes run at once by this process. Default 4. */
  readonly orchestrationConcurrency?: number;
  /** Activities run at once by this process. Default 10. */
  readonly activityConcurrency?: number;
  /** How often idle workers look for work from other processes, in ms. Default 250. */
  readonly pollIntervalMs?: number;
  /** How long a claimed instance stays leased to a worker that stops answering, in ms. Default 60,000. */
  readonly leaseMs?: number;
  /**
   * How long a running activity's job stays locked to a worker that stops answering, in ms (renewed while the
   * activity runs, so long activities are fine). After it, another worker runs the activity again. Default 300,000.
   */
  readonly activityLockMs?: number;
  /** Largest encoded payload (input, output, result, event data, custom status), in bytes. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** History events one execution may hold before it fails (use continueAsNew for eternal loops). Default 100,000. */
  readonly maxHistoryEvents?: number;
  /** New actions one episode may start (fan-out width). Default 10,000. */
  readonly maxActionsPerEpisode?: number;
  /** Claims of an instance whose episode never commits (it crashes its worker) before it is failed. Default 5. */
  readonly maxEpisodeAttempts?: number;
  /**
   * Starts of one activity that never ended (it crashed, froze or timed out its worker) before its task is failed as
   * poison. The start that reaches this count runs alone in its worker, so an activity killed beside another one that
   * crashes the worker is never failed for it. At least 2. Default 5.
   */
  readonly maxActivityDeliveries?: number;
  /** How long `stop()` waits for running work, in ms. Default 30,000. */
  readonly drainTimeoutMs?: number;
  /**
   * How long an episode that dispatched activities this process runs keeps its instance, waiting for their results,
   * in ms. A result that comes in time runs the next episode at once, in memory (see docs/runtime.md, "Sessions");
   * later ones go through the instance's inbox. 0 turns this off. Default 20.
   */
  readonly episodeLingerMs?: number;
  /**
   * How long an episode that schedules only activities this process can run at once starts them before its commit
   * and waits for their results, in ms: those that come in time are recorded in the same commit as their scheduling
   * (one commit instead of two). An activity that does not answer in time is not waited for again for a while. 0 turns
   * this off (every activity starts after the commit that schedules it). Default 2.
   */
  readonly eagerActivityWaitMs?: number;
  /**
   * Instances whose live orchestrator this process keeps between episodes (Temporal's sticky cache, Durable
   * Functions' extended sessions): an episode of a cached instance applies only its new events, with no history load
   * and no replay; others are replayed from their history. Least recently used first out. 0 turns the cache off.
   * Default 1,000.
   */
  readonly executionCacheMaxInstances?: number;
  /** Rough bytes (histories and payloads) the execution cache may hold. Default 64 MiB. */
  readonly executionCacheMaxBytes?: number;
  /**
   * How long the record of a finished activity or timer job is kept, in ms. It proves that the action ran, so that a
   * re-dispatch after a crash does not run it again: keep it far longer than any crash recovery can take. Started
   * workers delete older records every `finishedJobRetentionMs / 10` (at least every second, at most every hour).
   * Default 7 days.
   */
  readonly finishedJobRetentionMs?: number;
}

/** Options of `Durably.create`. */
export interface DurablyOptions extends DurablyTuning {
  /**
   * The MongoDB to use. Default: `process.env.MONGODB_URI`; when neither is set, Durably starts its embedded engine
   * in-process (development and tests only).
   */
  readonly mongoUri?: string;
  /** Database name. Default: the one in the URI, else `durably`. */
  readonly dbName?: string;
  /** Isolates apps sharing one database: collections are `<taskHub>.*`. Default `Durably`. */
  readonly taskHub?: string;
  /**
   * Whether this process opens a change stream (one, on the database) to learn at once of work and finished
   * instances other processes stored, polling only as a safety net (see docs/scaling.md). Used when the server has
   * change streams (a replica set or sharded cluster; the embedded engine by default); on a standalone server, or
   * with `false`, workers and waiters poll every `pollIntervalMs`. Default `true`.
   */
  readonly changeStreams?: boolean;
  /**
   * This app's orchestration version (Durable Functions' `defaultVersion`), e.g. `'2.1'`: the version of the
   * instances it starts unless `startNew(O, { version })` names another, and what `versioning.match` compares
   * with. Default: none.
   */
  readonly version?: string;
  /** Which instances this app's worker runs, by version (see {@link VersioningOptions}). Default: all of them. */
  readonly versioning?: VersioningOptions;
  readonly orchestrators?: readonly RunnableClass[];
  readonly activities?: readonly RunnableClass[];
  /** The app's entity classes (`@Entity()`: class-based `DurableEntity` subclasses or function-style `run(ctx)`). */
  readonly entities?: readonly EntityClass[];
  /** The user's tsyringe container; Durably resolves activities through a child of it. Default: tsyringe's root. */
  readonly container?: DependencyContainer;
  /** How long finished instances are kept before started workers purge them (see {@link RetentionOptions}). Default: forever. */
  readonly retention?: RetentionOptions;
  /**
   * Receives Durably's log lines as structured records — lifecycle steps (`event`: `instance.started`,
   * `instance.failed`, `lease.lost`, …) with their `instanceId`, `executionId`, `name` and `error` — and orchestrators'
   * replay-safe `ctx.log` lines (`event: 'orchestrator.log'`). A logger taking only `(level, message)` works too.
   * Adapters: `consoleLogger`, `jsonConsoleLogger`, `pinoLogger` (see docs/observability.md). Default: `consoleLogger`
   * (warnings and errors on the console).
   */
  readonly logger?: RuntimeLogger;
}

/** Options with every default filled in. */
export type ResolvedTuning = Required<DurablyTuning>;

/** Fills in defaults and checks ranges. */
export function resolveTuning(options: DurablyTuning): ResolvedTuning {
  const defaults: ResolvedTuning = {
    orchestrationConcurrency: 4,
    activityConcurrency: 10,
    pollIntervalMs: 250,
    leaseMs: 60_000,
    activityLockMs: 300_000,
    maxPayloadBytes: 1024 * 1024,
    maxHistoryEvents: 100_000,
    maxActionsPerEpisode: 10_000,
    maxEpisodeAttempts: 5,
    maxActivityDeliveries: 5,
    drainTimeoutMs: 30_000,
    episodeLingerMs: 20,
    eagerActivityWaitMs: 2,
    finishedJobRetentionMs: 7 * 24 * 3_600_000,
    executionCacheMaxInstances: 1_000,
    executionCacheMaxBytes: 64 * 1024 * 1024,
  };
  const resolved = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof ResolvedTuning)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const allowsZero = key === 'episodeLingerMs' || key === 'eagerActivityWaitMs' || key === 'executionCacheMaxInstances';
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !allowsZero)) {
      throw new DurableError('INVALID_OPTIONS', `Durably option '${key}' must be a ${allowsZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
    }
    resolved[key] = value;
  }
  return resolved;
}
