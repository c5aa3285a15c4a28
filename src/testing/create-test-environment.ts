import type { DependencyContainer } from 'tsyringe';
import type { DurableClient } from '../client/durable-client.js';
import { DurableError } from '../core/durable-error.js';
import { structuredLog } from '../core/runtime-logger.js';
import { TimeoutError } from '../core/errors/timeout-error.js';
import type { RunnableClass } from '../engine/task-types.js';
import type { EntityClass } from '../entities/entity-class.js';
import { createDurably, hooksOf, type Durably, type DurablyHooks } from '../app/durably.js';
import type { DurablyOptions, DurablyTuning } from '../runtime/durably-options.js';
import { startTestMongo, type TestMongo } from './start-test-mongo.js';
import { VirtualClock } from './virtual-clock.js';

/** Options of {@link createTestEnvironment}. */
export interface TestEnvironmentOptions {
  readonly orchestrators?: readonly RunnableClass[];
  readonly activities?: readonly RunnableClass[];
  readonly entities?: readonly EntityClass[];
  /**
   * The tsyringe container activities, orchestrators and entities are resolved through. Register a fake under an
   * activity class (`container.register(SendEmail, { useValue: fake })`) to replace that activity.
   */
  readonly container?: DependencyContainer;
  /** Where the virtual clock starts. Default: the real time now. */
  readonly startTime?: Date;
  /**
   * Whether `client.waitForCompletion` moves time on by itself while nothing runs and only timers (or scheduled
   * starts) are pending, straight to the next one. Default true. Time never moves while work runs.
   */
  readonly autoSkip?: boolean;
  /**
   * How long, in real milliseconds, `skipTime` and `settle` wait for running work (an activity that never ends, say)
   * before they throw a {@link TimeoutError} naming it. Default 30,000.
   */
  readonly settleTimeoutMs?: number;
  /** Runtime tuning (`maxActivityDeliveries`, `episodeLingerMs`, ...), as in `Durably.create`. */
  readonly tuning?: DurablyTuning;
  /**
   * Receives the runtime's log records (see `DurablyOptions.logger`), and the test database's setup lines at `debug`.
   * Default: console, warnings and errors only.
   */
  readonly logger?: DurablyOptions['logger'];
}

/** A Durably app on a private database with a virtual clock, from {@link createTestEnvironment}. */
export interface TestEnvironment {
  /** The app's client, as `durably.client` (its `waitForCompletion` skips time, see `autoSkip`). */
  readonly client: DurableClient;
  /** The app itself (e.g. for `adminRouter`). Started; {@link TestEnvironment.dispose} stops it. */
  readonly durably: Durably;
  /** The virtual time: what orchestrations see as `ctx.currentUtcDateTime`. */
  now(): Date;
  /**
   * Moves the virtual clock forward by `ms`, firing every timer (and scheduled start) that falls due on the way, in
   * order, and waiting after each for the work it causes to settle; resolves once everything due by then has run.
   *
   * @throws TimeoutError when running work does not settle within `settleTimeoutMs`.
   */
  skipTime(ms: number): Promise<void>;
  /** Waits until nothing runs and nothing is due now (activities, episodes, entity operations, due timers). */
  settle(): Promise<void>;
  /** Stops the app, drops its database and stops the server if one was started for it. Safe to call twice. */
  dispose(): Promise<void>;
}

// What one look at the app found.
type Look = { readonly idle: true; readonly nextDue: Date | undefined } | { readonly idle: false; readonly busy: string };

const MIN_TUNING: DurablyTuning = { pollIntervalMs: 50, drainTimeoutMs: 5_000 };

/**
 * Runs the real runtime — worker, activities, timers, entities, the same MongoDB code — on a private database (the
 * embedded engine, or `MONGODB_URI`'s server when set) with a virtual clock, so that durable timers of hours or days
 * fire in milliseconds: {@link TestEnvironment.skipTime} moves time by hand, and `client.waitForCompletion` skips
 * ahead by itself while instances wait only for timers.
 *
 * @example
 * ```ts
 * const env = await createTestEnvironment({ orchestrators: [ApprovalWorkflow], activities: [RequestApproval, Escalate] });
 * const id = await env.client.startNew(ApprovalWorkflow, { input: 'order-42' });
 * const status = await env.client.waitForCompletion(id);   // the 72-hour timeout fires at once
 * expect(status.output).toBe('escalated');
 * await env.dispose();
 * ```
 */
export async function createTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const settleTimeoutMs = options.settleTimeoutMs ?? 30_000;
  if (!Number.isFinite(settleTimeoutMs) || settleTimeoutMs <= 0) throw new DurableError('INVALID_OPTIONS', `settleTimeoutMs must be a positive number, got ${String(settleTimeoutMs)}`);
  const clock = new VirtualClock(options.startTime);
  const log = options.logger === undefined ? undefined : structuredLog(options.logger);
  const mongo: TestMongo = await startTestMongo({ log: (line) => log?.('debug', line) });
  let environment: Environment | undefined;
  try {
    const durably = await createDurably({
      ...MIN_TUNING,
      ...options.tuning,
      mongoUri: mongo.uri,
      dbName: mongo.dbName,
      orchestrators: options.orchestrators ?? [],
      activities: options.activities ?? [],
      entities: options.entities ?? [],
      ...(options.container === undefined ? {} : { container: options.container }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    }, {
      clock,
      whileWaiting: () => (options.autoSkip === false || environment === undefined ? Promise.resolve(false) : environment.autoSkip()),
    });
    environment = new Environment(durably, hooksOf(durably), clock, mongo, settleTimeoutMs);
    await durably.start();
    return environment;
  } catch (error) {
    await environment?.dispose();
    await mongo.stop();
    throw error;
  }
}

class Environment implements TestEnvironment {
  readonly client: DurableClient;
  // Moves of the clock, one at a time (skipTime and auto-skips).
  #moving: Promise<unknown> = Promise.resolve();
  #disposing: Promise<void> | undefined;

  constructor(
    readonly durably: Durably,
    private readonly hooks: DurablyHooks,
    private readonly clock: VirtualClock,
    private readonly mongo: TestMongo,
    private readonly settleTimeoutMs: number,
  ) {
    this.client = durably.client;
  }

  now(): Date {
    return this.clock.now();
  }

  skipTime(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      return Promise.reject(new DurableError('INVALID_ARGUMENT', `skipTime: ms must be a non-negative finite number, got ${String(ms)}`));
    }
    return this.#serialized(async () => {
      const target = new Date(this.clock.now().getTime() + ms);
      for (;;) {
        const look = await this.#settled();
        if (look.nextDue === undefined || look.nextDue > target) break;
        await this.#advanceTo(look.nextDue);
      }
      await this.#advanceTo(target);
      await this.#settled();
    });
  }

  async settle(): Promise<void> {
    await this.#serialized(() => this.#settled());
  }

  /** One step of auto-skip: when everything is idle and something is due later, moves time to it. */
  autoSkip(): Promise<boolean> {
    if (this.#disposing !== undefined) return Promise.resolve(false);
    return this.#serialized(async () => {
      const first = await this.#look();
      if (!first.idle || first.nextDue === undefined) return false;
      // Idle twice in a row: nothing was between two steps of a hand-over.
      const second = await this.#look();
      if (!second.idle || second.nextDue === undefined) return false;
      await this.#advanceTo(second.nextDue);
      return true;
    });
  }

  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      await this.#moving.catch(() => undefined);
      try {
        await this.durably.stop();
      } finally {
        await this.mongo.stop();
      }
    })();
    return this.#disposing;
  }

  #serialized<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#moving.catch(() => undefined).then(step);
    this.#moving = run;
    return run;
  }

  async #advanceTo(time: Date): Promise<void> {
    this.clock.advanceTo(time);
    await this.hooks.probe.clockChanged();
    this.hooks.wake();
  }

  // Waits until two looks in a row find the app idle.
  async #settled(): Promise<Look & { idle: true }> {
    const deadline = Date.now() + this.settleTimeoutMs;
    let idleLooks = 0;
    for (;;) {
      const look = await this.#look();
      if (look.idle && ++idleLooks >= 2) return look;
      if (!look.idle) {
        idleLooks = 0;
        if (Date.now() > deadline) {
          throw new TimeoutError(`The test environment did not settle within ${this.settleTimeoutMs} ms: ${look.busy}. Time does not move while work runs (an activity waiting for something that never comes?).`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  // One look: idle when nothing ran, started or ended meanwhile, no instance has work due, no activity job is
  // queued or running, and no timer is due; then also when the next timer or scheduled work is due.
  async #look(): Promise<Look> {
    const { tracker, store, probe } = this.hooks;
    const changes = tracker.changes;
    if (tracker.running > 0) return { idle: false, busy: `${tracker.running} episode(s), activity(ies) or timer(s) running` };
    const now = this.clock.now();
    const [due, pending, nextWork] = await Promise.all([probe.hasDueWork(now), probe.pendingWork(), store.nextWorkTime(now)]);
    if (tracker.changes !== changes) return { idle: false, busy: 'work started or ended' };
    if (due) return { idle: false, busy: 'instances or entities have work due' };
    if (pending.activities > 0) return { idle: false, busy: `${pending.activities} activity job(s) queued or running` };
    if (pending.nextTimerAt !== undefined && pending.nextTimerAt <= now) return { idle: false, busy: 'a timer is due' };
    const candidates = [pending.nextTimerAt, nextWork].filter((d): d is Date => d !== undefined);
    const nextDue = candidates.length === 0 ? undefined : new Date(Math.min(...candidates.map((d) => d.getTime())));
    return { idle: true, nextDue };
  }
}
