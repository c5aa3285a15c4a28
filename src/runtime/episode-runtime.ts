import type { DependencyContainer } from 'tsyringe';
import type { Clock } from '../ports/clock.js';
import type { InstanceStore } from '../ports/instance-store.js';
import type { DurableRegistry } from '../registry/durable-registry.js';
import type { ActionDispatcher } from './action-dispatcher.js';
import type { ResolvedTuning } from './durably-options.js';
import type { InfrastructureBackoff } from './claimed-lease.js';
import type { ExecutionCache } from './execution-cache.js';
import type { LocalResults } from './local-results.js';
import type { StructuredLog } from '../core/runtime-logger.js';
import type { ResolvedVersioning } from './versioning-options.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/** What an episode needs from the app. */
export interface EpisodeRuntime {
  readonly store: InstanceStore;
  readonly registry: DurableRegistry;
  readonly container: DependencyContainer;
  readonly dispatcher: ActionDispatcher;
  readonly tuning: ResolvedTuning;
  readonly log: StructuredLog;
  /** Results of activities run (and timers fired) in this process, for the episode holding their instance. */
  readonly localResults: LocalResults;
  /** Executions kept warm between episodes. */
  readonly cache: ExecutionCache;
  /** Whether the worker is stopping (no more episodes back to back). */
  readonly stopping: () => boolean;
  /** History timestamps, leases and retry times. */
  readonly clock: Clock;
  /** Whether an error is a fault of the database or the way to it, not of the instance (never poison). */
  readonly isInfrastructureFault: (error: unknown) => boolean;
  /** Consecutive infrastructure failures per instance, for the retry backoff. */
  readonly backoff: InfrastructureBackoff;
  /** The app's version and which instance versions its worker runs. */
  readonly versioning: ResolvedVersioning;
  /** The code fingerprint recorded with a stuck marker (see `InstanceStore.retryStuck`). */
  readonly fingerprint: () => string;
  /** The app's spans and metrics. */
  readonly telemetry: Telemetry;
}

/** How the session lets the instance go. */
export interface Release {
  moreWork: boolean;
  succeeded: boolean;
  /** The failure was outside the instance (a lost lease, storage): the claim does not count toward poison. */
  uncounted?: boolean;
  retryAt?: Date;
}
