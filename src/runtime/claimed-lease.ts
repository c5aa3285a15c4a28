import { DurableError } from '../core/durable-error.js';
import type { Clock } from '../ports/clock.js';
import type { InstanceStore, ReleaseOptions, WorkItem } from '../ports/instance-store.js';
import type { StructuredLog } from '../core/runtime-logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/** What a {@link ClaimedLease} needs from the app. */
export interface LeaseRuntime {
  readonly store: InstanceStore;
  readonly tuning: { readonly leaseMs: number };
  readonly log: StructuredLog;
  readonly clock: Clock;
  /** Whether an error is a fault of the database or the way to it (see isStorageFault), not of the instance. */
  readonly isInfrastructureFault: (error: unknown) => boolean;
  /** Whether the worker is stopping. */
  readonly stopping: () => boolean;
  /** This process's record of consecutive infrastructure failures per instance. */
  readonly backoff: InfrastructureBackoff;
  /** Counts the episodes retried after a failure (`durably.retries`). */
  readonly telemetry: Telemetry;
}

/**
 * Consecutive infrastructure failures per instance in one process, for the retry backoff; the instances seen over
 * their poison cap, for its confirmation; and the claims whose count is owed back (their episodes failed outside the
 * instance, or succeeded, but the release could not be made before the lease ran out): taken back with
 * {@link InstanceStore.uncountClaim} once the database answers again. Bounded.
 */
export class InfrastructureBackoff {
  readonly #failures = new Map<string, number>();
  readonly #owed = new Map<string, NodeJS.Timeout>();
  /** Instances seen over their poison cap, and when first (see {@link InfrastructureBackoff.poisonConfirmed}). */
  readonly #overCap = new Map<string, number>();
  #stopped = false;

  /**
   * Whether an instance claimed over its poison cap is poison for sure: only once it was seen over the cap here at
   * least `afterMs` earlier (one lease period). A claim count includes the claims of live workers whose lease ran out
   * under load, until their owed uncount lands; so the first claim over the cap is given back (uncounted) and looked
   * at again after a lease period rather than failing the instance. A real poison episode costs no crash meanwhile:
   * it is not run. `now` in ms.
   */
  poisonConfirmed(instanceId: string, now: number, afterMs: number): boolean {
    const since = this.#overCap.get(instanceId);
    if (since === undefined) {
      remember(this.#overCap, instanceId, now);
      return false;
    }
    return now - since >= afterMs;
  }

  /** Takes back one claim's count of `instanceId` as soon as `store` answers (retried for up to 10 minutes). */
  oweUncount(store: InstanceStore, instanceId: string, log: StructuredLog): void {
    if (this.#stopped || this.#owed.has(instanceId) || this.#owed.size >= MAX_TRACKED_FAILURES) return;
    const giveUpAt = Date.now() + OWED_UNCOUNT_MS;
    const attempt = (delayMs: number): void => {
      const timer = setTimeout(() => {
        store.uncountClaim(instanceId).then(
          () => this.#owed.delete(instanceId),
          (error: unknown) => {
            if (this.#stopped || Date.now() + delayMs > giveUpAt) {
              this.#owed.delete(instanceId);
              if (!this.#stopped) log('warn', `could not take back a claim of '${instanceId}' that failed for infrastructure reasons; it counts toward its poison cap`, { instanceId, error });
              return;
            }
            attempt(UNCOUNT_RETRY_MS);
          },
        );
      }, delayMs);
      timer.unref();
      this.#owed.set(instanceId, timer);
    };
    attempt(0);
  }

  /** Stops retrying what is owed (the app is stopping). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#owed.values()) clearTimeout(timer);
    this.#owed.clear();
  }

  /** Records one more failure of `instanceId`; the delay before its retry: 0.5 s, 1 s, 2 s, … up to 5 s. */
  failed(instanceId: string): number {
    const failures = (this.#failures.get(instanceId) ?? 0) + 1;
    remember(this.#failures, instanceId, failures);
    return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
  }

  /** `instanceId` progressed: its next failure starts the backoff again. */
  succeeded(instanceId: string): void {
    this.#failures.delete(instanceId);
    this.#overCap.delete(instanceId);
  }
}

/** Why an episode failed, for the poison cap: only `'instance'` failures count toward it. */
export type EpisodeFailureKind = 'instance' | 'infrastructure';

/** The code of the error an episode throws when it finds its lease gone. */
export const LEASE_LOST = 'LEASE_LOST';

// Instances whose consecutive infrastructure failures one backoff tracks at most (the oldest are forgotten).
const MAX_TRACKED_FAILURES = 10_000;

/** Sets `key` as the most recent entry of `map`, forgetting the oldest one beyond {@link MAX_TRACKED_FAILURES}. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size <= MAX_TRACKED_FAILURES) return;
  const oldest = map.keys().next();
  if (oldest.done !== true) map.delete(oldest.value);
}

/** How long a claim's count owed back is retried, and how often: soon after the database is back. */
const OWED_UNCOUNT_MS = 10 * 60_000;
const UNCOUNT_RETRY_MS = 250;
/** The first retry after an infrastructure failure, and the longest: prompt once the database is back. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5_000;
/** Retries of a release that met an infrastructure fault: every this often, while the lease lasts. */
const RELEASE_RETRY_MS = [100, 250, 500, 1_000, 2_000];

/**
 * The lease on one claimed instance while its episodes run: renewed every third of `leaseMs` (so an episode slowed
 * by a busy machine or a database restart keeps it), and released at the end — retried through infrastructure
 * faults until the lease would have expired anyway, so that an instance whose database comes back is not left
 * leased to a live worker. Also decides how a failed episode counts: failures outside the instance (storage and
 * network errors, a lost lease, shutdown) never count toward the poison cap and are retried with a short backoff.
 */
export class ClaimedLease {
  readonly #rt: LeaseRuntime;
  readonly #item: WorkItem;
  #until: number;
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;
  #lost = false;

  constructor(rt: LeaseRuntime, item: WorkItem) {
    this.#rt = rt;
    this.#item = item;
    this.#until = rt.clock.now().getTime() + rt.tuning.leaseMs;
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(rt.tuning.leaseMs / 3)));
    this.#timer.unref();
  }

  /** Whether a renewal found the lease gone (another worker holds the instance now). */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Whether the lease is surely still this worker's for a while: not found gone, and at least half its term left since
   * it was last taken or renewed (a worker frozen past its lease, say, finds it is not).
   */
  get secure(): boolean {
    return !this.#lost && this.#rt.clock.now().getTime() < this.#until - this.#rt.tuning.leaseMs / 2;
  }

  /** How an episode's failure counts: infrastructure for storage faults, a lost lease, or a stopping worker. */
  classify(error: unknown): EpisodeFailureKind {
    if (this.#lost || this.#rt.stopping() || this.#rt.isInfrastructureFault(error)) return 'infrastructure';
    return error instanceof DurableError && error.code === LEASE_LOST ? 'infrastructure' : 'instance';
  }

  /**
   * Logs the failure of the episode of `what` (e.g. `Chain 'order-1'`), classified, and answers its release (see
   * {@link ClaimedLease.failed}).
   */
  failedWith(error: unknown, what: string): Pick<ReleaseOptions, 'succeeded' | 'uncounted' | 'retryAt' | 'moreWork'> {
    const kind = this.classify(error);
    const { instanceId, executionId, name, claimAttempts } = this.#item.instance;
    this.#rt.log(kind === 'instance' ? 'error' : 'warn', `episode of ${what} failed (${kind === 'instance' ? 'counts toward the poison cap' : 'infrastructure, not counted'}); it will be retried`, {
      event: 'episode.failed', instanceId, executionId, name, attempt: claimAttempts, error,
    });
    this.#rt.telemetry.metrics.retried('episode', name);
    return this.failed(kind);
  }

  /**
   * The release after a failed episode: retried after `retryAt`; an infrastructure failure is `uncounted` and backs
   * off 0.5 s, 1 s, 2 s, … up to 5 s while it repeats; an instance failure counts and is retried after 1 s.
   */
  failed(kind: EpisodeFailureKind): Pick<ReleaseOptions, 'succeeded' | 'uncounted' | 'retryAt' | 'moreWork'> {
    const delayMs = kind === 'infrastructure' ? this.#rt.backoff.failed(this.#item.instance.instanceId) : 1_000;
    return { succeeded: false, uncounted: kind === 'infrastructure', moreWork: true, retryAt: new Date(this.#rt.clock.now().getTime() + delayMs) };
  }

  /**
   * Stops renewing and releases the lease: true once released; false when it could not be (the lease then expires
   * on its own). Never throws.
   */
  async release(options: ReleaseOptions): Promise<boolean> {
    this.stop();
    if (options.succeeded) this.#rt.backoff.succeeded(this.#item.instance.instanceId);
    for (let attempt = 0; ; attempt++) {
      try {
        if (await this.#rt.store.releaseWork(this.#item, options)) return true;
        // The lease ran out first (the database was away, or the machine too busy to renew it) and another worker
        // claimed the instance: this claim still counts, though it was not the instance's fault.
        if (options.succeeded || options.uncounted === true) this.#rt.backoff.oweUncount(this.#rt.store, this.#item.instance.instanceId, this.#rt.log);
        return false;
      } catch (error) {
        const delayMs = RELEASE_RETRY_MS[Math.min(attempt, RELEASE_RETRY_MS.length - 1)] ?? 1_000;
        // Past the lease's end another worker may claim the instance: nothing is left to release.
        const infrastructure = this.#rt.isInfrastructureFault(error);
        if (!infrastructure || this.#rt.clock.now().getTime() + delayMs >= this.#until) {
          this.#rt.log('warn', `could not release '${this.#item.instance.instanceId}' (its lease expires on its own)`, { instanceId: this.#item.instance.instanceId, error });
          // The claim counts toward poison as if its worker had died; it did not, and the episode was not to blame.
          if (infrastructure && (options.succeeded || options.uncounted === true)) this.#rt.backoff.oweUncount(this.#rt.store, this.#item.instance.instanceId, this.#rt.log);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Stops renewing (idempotent). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#timer === undefined) return;
    this.#renewing = true;
    try {
      const now = this.#rt.clock.now();
      if (await this.#rt.store.renewLease(this.#item, { leaseMs: this.#rt.tuning.leaseMs, now })) {
        this.#until = now.getTime() + this.#rt.tuning.leaseMs;
      } else if (this.#timer !== undefined) {
        this.#lost = true;
        this.stop();
        const { instanceId, executionId, name } = this.#item.instance;
        this.#rt.log('warn', `the lease on '${instanceId}' was lost (another worker took it over); this episode's work will not be committed`, { event: 'lease.lost', instanceId, executionId, name });
      }
    } catch (error) {
      // Tried again at the next tick; if the database stays away, the lease expires and the instance is claimed again.
      if (!this.#rt.isInfrastructureFault(error)) this.#rt.log('warn', `could not renew the lease on '${this.#item.instance.instanceId}'`, { instanceId: this.#item.instance.instanceId, error });
    } finally {
      this.#renewing = false;
    }
  }
}
