import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { connectMongo, type MongoConnection } from '../adapters/mongodb/connect-mongo.js';
import { MongoEntityStore } from '../adapters/mongodb/mongo-entity-store.js';
import { MongoInstanceStore } from '../adapters/mongodb/mongo-instance-store.js';
import { isStorageFault } from '../adapters/mongodb/storage-fault.js';
import { DurableError } from '../core/durable-error.js';
import { AgendaWorkScheduler } from '../adapters/agenda/agenda-work-scheduler.js';
import { AgendaJobCounts } from '../adapters/agenda/agenda-job-counts.js';
import { MongoHealthCounts } from '../adapters/mongodb/mongo-health-counts.js';
import type { HealthStats } from '../ports/health-stats.js';
import { CombinedHealthStats } from './combined-health-stats.js';
import type { PendingWork } from '../adapters/agenda/pending-work.js';
import { DurableClient } from '../client/durable-client.js';
import { createAdminRouter, type AdminRouter } from '../http/create-admin-router.js';
import type { AdminRouterOptions } from '../http/admin-router-options.js';
import { createDashboardRouter, type DashboardRouter } from '../http/dashboard/create-dashboard-router.js';
import type { DashboardOptions } from '../http/dashboard/dashboard-options.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../embedded/index.js';
import type { EntityStore } from '../ports/entity-store.js';
import type { InstanceStore } from '../ports/instance-store.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { WorkScheduler } from '../ports/work-scheduler.js';
import { DurableRegistry } from '../registry/durable-registry.js';
import { ActionDispatcher } from '../runtime/action-dispatcher.js';
import { InfrastructureBackoff } from '../runtime/claimed-lease.js';
import { resolveTuning, type DurablyOptions, type ResolvedTuning } from '../runtime/durably-options.js';
import { runEntityEpisode } from '../runtime/entity-episode.js';
import { runEpisode, type EpisodeRuntime } from '../runtime/episode-runner.js';
import { ExecutionCache } from '../runtime/execution-cache.js';
import { LocalResults } from '../runtime/local-results.js';
import { OrchestrationWorker } from '../runtime/orchestration-worker.js';
import { WorkNoticeRouter } from '../runtime/work-notice-router.js';
import type { WorkNotifications } from '../ports/work-notifications.js';
import { createWorkNotifications } from './work-notices.js';
import { createResumeHere, type ResumeHereRoute } from '../runtime/resume-here.js';
import { consoleLogger, structuredLog, type StructuredLog } from '../core/runtime-logger.js';
import { activityPoisonCap, createWorkHandlers } from '../runtime/work-handlers.js';
import { WorkTracker } from '../runtime/work-tracker.js';
import { resolveRetention, type ResolvedRetention } from '../runtime/retention-options.js';
import { RetentionSweeper } from '../runtime/retention-sweeper.js';
import { purgeInstanceTree } from '../client/purge-instance-tree.js';
import { durableFunctionsClientInput, type DurableFunctionsClientInput } from '../client/durable-functions-client-input.js';
import { codeFingerprint, resolveVersioning, versionClaimOf, type ResolvedVersioning } from '../runtime/versioning-options.js';
import { retryStuckUnderOtherCode } from '../runtime/stuck-retries.js';
import { createTelemetry, type Telemetry } from '../telemetry/telemetry.js';

// Set by Durably's static block: the private factory, for createDurably below.
let createWithInternals: (options: DurablyOptions, internals: DurablyInternals) => Promise<Durably>;

/**
 * A Durably app: the registry of its orchestrators and activities, the client, and (after `start()`) this process's
 * worker. Without `mongoUri` or `MONGODB_URI`, it starts the embedded engine in-process.
 *
 * @example
 * ```ts
 * const durably = await Durably.create({ orchestrators: [HelloSequence], activities: [SayHello] });
 * await durably.start();
 * const id = await durably.client.startNew(HelloSequence, { input: ['Tokyo', 'Seattle'] });
 * console.log((await durably.client.waitForCompletion(id)).output);
 * await durably.stop();
 * ```
 */
export class Durably {
  readonly client: DurableClient;
  readonly registry: DurableRegistry;
  readonly #store: InstanceStore;
  readonly #scheduler: WorkScheduler;
  readonly #worker: OrchestrationWorker;
  readonly #localResults = new LocalResults();
  readonly #tracker = new WorkTracker();
  readonly #container: DependencyContainer;
  readonly #tuning: ResolvedTuning;
  /** The app's logger, taking the record's fields (a record is one too: it is a `RuntimeLogger` as well). */
  readonly #log: StructuredLog;
  readonly #connection: MongoConnection;
  readonly #embedded: EmbeddedMongo | undefined;
  readonly #clock: Clock;
  readonly #episodes: EpisodeRuntime;
  /** Backlog, running, stuck and finished instances of the task hub (the admin router's `GET /health`). */
  readonly #health: HealthStats;
  /** The change stream of work notices (none: polling only), and what routes them to a started worker. */
  readonly #notifications: WorkNotifications | undefined;
  #router: WorkNoticeRouter | undefined;
  readonly #backoff = new InfrastructureBackoff();
  // Spans and metrics through @opentelemetry/api: no-ops until the app registers an SDK.
  readonly #telemetry: Telemetry = createTelemetry();
  #resumeHere: ResumeHereRoute | undefined;
  #started = false;
  #retention: NodeJS.Timeout | undefined;
  readonly #sweeper: RetentionSweeper | undefined;
  #purging: Promise<void> = Promise.resolve();
  readonly #taskHub: string;
  #stopping: Promise<void> | undefined;

  private constructor(parts: {
    registry: DurableRegistry; store: InstanceStore; entities: EntityStore; scheduler: WorkScheduler; container: DependencyContainer;
    versioning: ResolvedVersioning;
    tuning: ResolvedTuning; log: StructuredLog; connection: MongoConnection; embedded: EmbeddedMongo | undefined; internals: DurablyInternals;
    probe: IdlenessProbe; retention: ResolvedRetention | undefined;
    health: HealthStats; taskHub: string; notifications: WorkNotifications | undefined;
  }) {
    this.registry = parts.registry;
    this.#taskHub = parts.taskHub;
    this.#store = parts.store;
    this.#scheduler = parts.scheduler;
    this.#container = parts.container;
    this.#tuning = parts.tuning;
    this.#log = parts.log;
    this.#connection = parts.connection;
    this.#embedded = parts.embedded;
    this.#health = parts.health;
    this.#notifications = parts.notifications;
    // The backlog and stuck gauges read the cluster-wide counts once per metrics collection (never when none is set up).
    this.#telemetry.metrics.observeHealth(async () => {
      if (this.#stopping !== undefined) return undefined;
      const { backlog, stuck } = await this.#health.snapshot(this.#clock.now());
      return { backlog, stuck };
    });
    const clock = parts.internals.clock ?? systemClock;
    this.#clock = clock;
    const wake = (): void => this.#worker.wake();
    const dispatcher = new ActionDispatcher(this.#store, this.#scheduler, wake, parts.entities, clock);
    // Faults of the database or the way to it are retried with a short backoff and never count toward poison.
    const faults = { isInfrastructureFault: isStorageFault, backoff: this.#backoff, stopping: () => this.#stopping !== undefined };
    const telemetry = this.#telemetry;
    const entityRuntime = {
      telemetry, store: this.#store, entities: parts.entities, registry: this.registry, container: this.#container, tuning: this.#tuning, log: this.#log, wake, clock, ...faults,
      ...(parts.versioning.version === undefined ? {} : { defaultVersion: parts.versioning.version }),
    };
    let fingerprint: string | undefined;
    const episodeRuntime: EpisodeRuntime = this.#episodes = {
      store: this.#store, registry: this.registry, container: this.#container, dispatcher, tuning: this.#tuning, log: this.#log,
      localResults: this.#localResults, clock, ...faults,
      // Computed when first asked (at start()), so that it covers orchestrators registered after create().
      versioning: parts.versioning, fingerprint: () => (fingerprint ??= codeFingerprint(this.registry, parts.versioning)),
      cache: new ExecutionCache({ maxInstances: this.#tuning.executionCacheMaxInstances, maxBytes: this.#tuning.executionCacheMaxBytes }),
      telemetry,
    };
    this.#worker = new OrchestrationWorker(
      this.#store,
      (item) => this.#tracker.track(() => (item.instance.entity !== undefined ? runEntityEpisode(entityRuntime, item) : runEpisode(episodeRuntime, item))),
      { concurrency: this.#tuning.orchestrationConcurrency, pollIntervalMs: this.#tuning.pollIntervalMs, leaseMs: this.#tuning.leaseMs, log: this.#log, clock, versions: versionClaimOf(parts.versioning) },
    );
    this.client = new DurableClient(this.#store, this.#scheduler, this.registry, {
      taskHub: parts.taskHub,
      maxPayloadBytes: this.#tuning.maxPayloadBytes,
      ...(parts.versioning.version === undefined ? {} : { version: parts.versioning.version }),
      wake,
      entities: parts.entities,
      clock,
      log: this.#log,
      telemetry,
      ...(parts.notifications === undefined ? {} : { notifications: parts.notifications }),
      ...(parts.internals.whileWaiting === undefined ? {} : { whileWaiting: parts.internals.whileWaiting }),
    });
    // Finished instances past their retention period, purged with their finished sub-orchestrations (only while still
    // the execution that was found finished).
    this.#sweeper = parts.retention === undefined ? undefined : new RetentionSweeper({
      store: this.#store, retention: parts.retention, clock, log: this.#log,
      purge: async (instanceId, executionId) => (await purgeInstanceTree(this.#store, this.#scheduler, instanceId, true, { executionId })).instancesDeleted,
    });
    durablyHooks.set(this, {
      store: this.#store,
      probe: parts.probe,
      tracker: this.#tracker,
      wake: () => this.#worker.wakeAll(),
    });
  }

  /** Connects (or starts the embedded engine), checks the registrations and prepares the schema. */
  static create(options: DurablyOptions = {}): Promise<Durably> {
    return Durably.#create(options, {});
  }

  static {
    createWithInternals = (options, internals) => Durably.#create(options, internals);
  }

  static async #create(options: DurablyOptions, internals: DurablyInternals): Promise<Durably> {
    const tuning = resolveTuning(options);
    const retention = resolveRetention(options.retention);
    const versioning = resolveVersioning(options);
    const registry = DurableRegistry.from({ orchestrators: options.orchestrators ?? [], activities: options.activities ?? [], entities: options.entities ?? [] });
    const log = structuredLog(options.logger ?? consoleLogger);
    const taskHub = options.taskHub ?? 'Durably';
    let embedded: EmbeddedMongo | undefined;
    let uri = options.mongoUri ?? process.env.MONGODB_URI;
    if (uri === undefined || uri === '') {
      // A generated credential: another local user cannot connect to this process's engine. Never log embedded.uri.
      embedded = await startEmbeddedMongo({ auth: 'generate', log: (line) => log('warn', line) });
      uri = embedded.uri;
      log('info', `no mongoUri or MONGODB_URI: using the embedded engine at ${embedded.redactedUri} (development only; a generated password protects it)`);
    }
    let connection: MongoConnection | undefined;
    try {
      connection = await connectMongo(uri, options.dbName);
      const store = new MongoInstanceStore(connection.db, { taskHub });
      await store.ensureSchema();
      const entities = new MongoEntityStore(connection.db, { taskHub, receiptRetentionMs: tuning.finishedJobRetentionMs });
      await entities.ensureSchema();
      const scheduler = new AgendaWorkScheduler({
        mongoUri: uri,
        dbName: connection.db.databaseName,
        // One connection pool for the store and the scheduler.
        db: connection.db,
        taskHub,
        stopGraceMs: tuning.drainTimeoutMs,
        concurrency: tuning.activityConcurrency,
        lockLifetimeMs: tuning.activityLockMs,
        // The start that reaches the poison cap runs alone: only a crash of its own fails an activity.
        aloneFromDeliveries: activityPoisonCap(tuning.maxActivityDeliveries),
        processEveryMs: tuning.pollIntervalMs,
        log: (line: string, error?: unknown) => log('warn', line, error === undefined ? undefined : { error }),
        ...(internals.clock === undefined ? {} : { clock: internals.clock }),
      });
      // What only a test environment asks of the adapters, beside (not in) the ports.
      const probe: IdlenessProbe = {
        hasDueWork: (now) => store.hasDueWork(now),
        pendingWork: () => scheduler.pendingWork(),
        clockChanged: () => scheduler.clockChanged(),
      };
      const health = new CombinedHealthStats(new MongoHealthCounts(connection.db, { taskHub }), new AgendaJobCounts(connection.db, { taskHub, lockLifetimeMs: tuning.activityLockMs }));
      const notifications = createWorkNotifications(connection.db, { taskHub, changeStreams: options.changeStreams, virtualTime: internals.clock !== undefined, log });
      return new Durably({ registry, store, entities, scheduler, container: options.container ?? rootContainer, tuning, log, connection, embedded, internals, probe, retention, versioning, health, taskHub, notifications });
    } catch (error) {
      await connection?.close();
      await embedded?.stop();
      throw error;
    }
  }

  /** Starts this process's worker: orchestration episodes, activities and timers. Omit in client-only processes. */
  async start(): Promise<void> {
    if (this.#started || this.#stopping !== undefined) return;
    this.#started = true;
    const activities = this.registry.createActivityResolver(this.#container);
    const resumeHere = createResumeHere(this.#episodes, { workerId: this.#worker.workerId, run: (episode) => this.#tracker.track(episode) });
    this.#resumeHere = resumeHere;
    const handlers = createWorkHandlers({
      store: this.#store, activities, tuning: this.#tuning, log: this.#log, wake: () => this.#worker.wake(), localResults: this.#localResults,
      clock: this.#clock, resumeHere: resumeHere.deliver, telemetry: this.#telemetry,
    });
    await this.#scheduler.start({
      runActivity: (job, deliveries, options) => this.#tracker.track(() => handlers.runActivity(job, deliveries, options)),
      timeOutActivity: (job, timedOut) => this.#tracker.track(() => handlers.timeOutActivity(job, timedOut)),
      fireTimer: (job) => this.#tracker.track(() => handlers.fireTimer(job)),
    });
    await retryStuckUnderOtherCode(this.#episodes);
    this.#worker.start();
    if (this.#notifications !== undefined) {
      this.#router = new WorkNoticeRouter(this.#notifications, { worker: this.#worker, scheduler: this.#scheduler }, { pollIntervalMs: this.#tuning.pollIntervalMs, clock: this.#clock });
      this.#router.start();
    }
    this.#startRetention();
    this.#sweeper?.start();
  }

  // Deletes finished job records older than finishedJobRetentionMs, now and periodically (the timer never holds the
  // process; every worker runs it: the delete is idempotent).
  #startRetention(): void {
    const retentionMs = this.#tuning.finishedJobRetentionMs;
    const everyMs = Math.min(3_600_000, Math.max(1_000, Math.floor(retentionMs / 10)));
    const purge = (): void => {
      this.#purging = this.#scheduler.purgeFinishedJobs(new Date(Date.now() - retentionMs)).then((purged) => {
        if (purged > 0) this.#log('debug', `deleted ${purged} finished job record(s) older than ${retentionMs} ms`, { count: purged });
      }, (error: unknown) => this.#log('warn', 'could not delete old finished job records; retrying later', { error }));
    };
    purge();
    this.#retention = setInterval(purge, everyMs);
    this.#retention.unref();
  }

  /**
   * The Durable Functions HTTP API for this app, as an Express router (see docs/http-api.md). Requires
   * `{ authorize }` or, for local development only, `{ auth: 'none' }`; logs unexpected errors to the app's logger.
   * Works in client-only processes too (no `start()` needed).
   *
   * @throws AdminRouterConfigurationError when the options are missing or invalid.
   *
   * @example
   * ```ts
   * app.use('/runtime/webhooks/durabletask', durably.adminRouter({ authorize: (req, operation) => checkRole(req, operation) }));
   * ```
   */
  adminRouter(options: AdminRouterOptions): AdminRouter {
    return createAdminRouter(this.client, options, { logger: this.#log, entityNames: this.registry.entityNames(), healthStats: this.#health });
  }

  /**
   * The binding data of the official `durable-functions` client (`df.getClient(context)`) for the admin router mounted
   * at `baseUrl`: its management URLs name this app's task hub and carry `code=<key>` when `options.key` is given (one
   * of the router's `keys`). See docs/http-api.md, "The durable-functions client".
   *
   * @example
   * ```ts
   * const clientInput = df.input.durableClient();
   * const context = new InvocationContext({ options: { extraInputs: [clientInput] } });
   * context.extraInputs.set(clientInput, durably.durableFunctionsClientInput('https://api.example.com/runtime/webhooks/durabletask', { key }));
   * const client = df.getClient(context);
   * ```
   */
  durableFunctionsClientInput(baseUrl: string, options: { readonly key?: string; readonly connection?: string } = {}): DurableFunctionsClientInput {
    return durableFunctionsClientInput(baseUrl, { taskHub: this.#taskHub, ...options });
  }

  /**
   * The web dashboard (instances, histories as timelines, entities, and their actions), as an Express router (see
   * docs/dashboard.md). It talks only to the admin router mounted at `options.apiBase`, which decides what each user
   * may see and do; requires `{ authorize }` or `{ auth: 'none' }` for the page itself.
   *
   * @throws DashboardConfigurationError when the options are missing or invalid.
   *
   * @example
   * ```ts
   * app.use('/runtime/webhooks/durabletask', durably.adminRouter({ authorize }));
   * app.use('/dashboard', durably.dashboard({ authorize, apiBase: '/runtime/webhooks/durabletask' }));
   * ```
   */
  dashboard(options: DashboardOptions): DashboardRouter {
    return createDashboardRouter(options, this.#log);
  }

  /** Lets running work finish, releases leases and locks, closes connections and the embedded engine. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#retention);
      await this.#sweeper?.stop();
      await this.#purging;
      this.#router?.stop();
      await this.#notifications?.close();
      await this.#worker.stop(this.#tuning.drainTimeoutMs);
      await this.#scheduler.stop();
      // Sessions that results of the last jobs started here (they start no new ones: the worker is stopping).
      await this.#resumeHere?.settled();
      this.#backoff.stop();
      await this.#store.close();
      await this.#connection.close();
      await this.#embedded?.stop();
    })();
    return this.#stopping;
  }
}

/** What `durably/testing` gives a Durably it creates, beyond {@link DurablyOptions}. Not part of the public API. */
export interface DurablyInternals {
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** See `DurableClientOptions.whileWaiting`. */
  readonly whileWaiting?: () => Promise<boolean>;
}

/**
 * What a test environment asks of the adapters to tell when an app is idle and to move its virtual clock: a seam of
 * its own, so that the ports carry only what the runtime uses. Not part of the public API.
 */
export interface IdlenessProbe {
  /** Whether some instance has work due by `now`, claimed or not. */
  hasDueWork(now: Date): Promise<boolean>;
  /** Activity jobs queued or running, and the next timer. */
  pendingWork(): Promise<PendingWork>;
  /** The virtual clock jumped ahead: pending timers are rescheduled for it, those now due fire at once. */
  clockChanged(): Promise<void>;
}

/** What `durably/testing` reads of a running Durably to tell when it is idle. Not part of the public API. */
export interface DurablyHooks {
  readonly store: InstanceStore;
  readonly probe: IdlenessProbe;
  /** Episodes, activities and timers running in this process. */
  readonly tracker: WorkTracker;
  /** Wakes every worker loop (time moved on: scheduled work may be due). */
  readonly wake: () => void;
}

const durablyHooks = new WeakMap<Durably, DurablyHooks>();

/** Creates a Durably with internals (`durably/testing` only). */
export function createDurably(options: DurablyOptions, internals: DurablyInternals): Promise<Durably> {
  return createWithInternals(options, internals);
}

/** The hooks of a Durably (`durably/testing` only). */
export function hooksOf(durably: Durably): DurablyHooks {
  const hooks = durablyHooks.get(durably);
  if (hooks === undefined) throw new DurableError('INTERNAL_ERROR', 'not a Durably instance');
  return hooks;
}
