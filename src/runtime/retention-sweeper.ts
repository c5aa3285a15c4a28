import type { StructuredLog } from '../core/runtime-logger.js';
import type { Clock } from '../ports/clock.js';
import type { FinishedInstance, FinishedPosition } from '../ports/finished-instances.js';
import type { InstanceStore, RuntimeStatus } from '../ports/instance-store.js';
import { retentionSweepPeriodMs, type ResolvedRetention } from './retention-options.js';

/** Instances one sweep reads at most (shared among the statuses that have a period). */
export const RETENTION_SWEEP_BATCH = 100;

// After a sweep that filled its batch (a backlog, e.g. right after retention was turned on), the next comes this soon.
const BACKLOG_DELAY_MS = 1_000;
// The first sweep after start comes within this (or the period, if shorter): a restarted worker catches up quickly.
const FIRST_SWEEP_MS = 5_000;

/** What {@link RetentionSweeper} needs. */
export interface RetentionSweeperOptions {
  readonly store: InstanceStore;
  /**
   * Purges a finished instance with its finished sub-orchestrations — only while it is still that execution and
   * finished — and returns how many instances were deleted (0 when another worker was first).
   */
  readonly purge: (instanceId: string, executionId: string) => Promise<number>;
  readonly retention: ResolvedRetention;
  readonly clock: Clock;
  readonly log: StructuredLog;
  /** Default: `Math.random` (the jitter that keeps workers started together from sweeping in step). */
  readonly random?: () => number;
}

/**
 * Purges finished instances once their retention period has passed (`Durably.create({ retention })`), in bounded
 * batches from the status / completion-time index, on a timer that never holds the process. Every started worker
 * runs one: two sweeping at once purge each instance once (the purge is conditional on the instance, and counts only
 * what it deleted), so neither reports an error.
 *
 * A sub-orchestration goes with its parent (the recursive purge) while the parent's execution that started it still
 * exists; it is swept on its own once that execution is gone (the parent purged, continued as new, or replaced).
 * Instances passed over that way are remembered by position, so that a sweep always makes progress.
 */
export class RetentionSweeper {
  readonly #options: RetentionSweeperOptions;
  readonly #periodMs: number;
  readonly #random: () => number;
  // Per status: where the next sweep resumes (past the sub-orchestrations their parents still hold).
  readonly #cursors = new Map<RuntimeStatus, FinishedPosition>();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: RetentionSweeperOptions) {
    this.#options = options;
    this.#periodMs = retentionSweepPeriodMs(options.retention);
    this.#random = options.random ?? Math.random;
  }

  /** The time between sweeps, before jitter. */
  get periodMs(): number {
    return this.#periodMs;
  }

  /** Sweeps soon, then about every period (±20 %), until {@link RetentionSweeper.stop}. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#schedule(this.#random() * Math.min(this.#periodMs, FIRST_SWEEP_MS));
  }

  /** Stops sweeping: no new sweep starts, the running one ends after the instance it is purging. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#sweeping;
  }

  /** One sweep: purges up to {@link RETENTION_SWEEP_BATCH} instances whose period has passed; returns how many were deleted (descendants counted) and whether the batch was full. */
  async sweep(): Promise<{ instancesDeleted: number; full: boolean }> {
    const statuses = [...this.#options.retention.entries()];
    const limit = Math.max(1, Math.floor(RETENTION_SWEEP_BATCH / statuses.length));
    // The current execution of each parent met in this sweep (null: the parent is gone).
    const parents = new Map<string, string | null>();
    let instancesDeleted = 0;
    let full = false;
    for (const [status, periodMs] of statuses) {
      if (this.#stopped) break;
      const after = this.#cursors.get(status);
      const completedTimeTo = new Date(this.#options.clock.now().getTime() - periodMs);
      const batch = await this.#options.store.findFinishedInstances({ runtimeStatus: [status], completedTimeTo, limit, ...(after === undefined ? {} : { after }) });
      let last: FinishedInstance | undefined;
      for (const found of batch) {
        if (this.#stopped) break;
        if (found.parent === undefined || !(await this.#heldByParent(found.parent, parents))) {
          instancesDeleted += await this.#options.purge(found.instanceId, found.executionId);
        }
        last = found;
      }
      if (batch.length < limit && last === batch.at(-1)) {
        // The end of the range: the next sweep starts over from the oldest.
        this.#cursors.delete(status);
      } else {
        full = true;
        if (last !== undefined) this.#cursors.set(status, { completedTime: last.completedTime, instanceId: last.instanceId });
      }
    }
    return { instancesDeleted, full };
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#sweeping = this.sweep().then(({ instancesDeleted, full }) => {
        if (instancesDeleted > 0) this.#options.log('debug', `retention: purged ${instancesDeleted} finished instance(s)`, { count: instancesDeleted });
        this.#schedule(full ? BACKLOG_DELAY_MS : this.#jittered());
      }, (error: unknown) => {
        if (!this.#stopped) this.#options.log('warn', 'retention: could not purge finished instances; retrying later', { error });
        this.#schedule(this.#jittered());
      });
    }, delayMs);
    // Retention never keeps the process alive.
    this.#timer.unref();
  }

  #jittered(): number {
    return this.#periodMs * (0.8 + 0.4 * this.#random());
  }

  // Whether the parent execution that started a sub-orchestration still exists: then the child goes with it.
  async #heldByParent(parent: { readonly instanceId: string; readonly executionId: string }, parents: Map<string, string | null>): Promise<boolean> {
    let current = parents.get(parent.instanceId);
    if (current === undefined) {
      current = (await this.#options.store.getInstance(parent.instanceId))?.executionId ?? null;
      parents.set(parent.instanceId, current);
    }
    return current === parent.executionId;
  }
}
