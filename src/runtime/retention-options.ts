import { DurableError } from '../core/durable-error.js';
import type { RuntimeStatus } from '../ports/instance-store.js';

/**
 * How long finished instances are kept, by how they ended, in ms since they finished (`Durably.create({ retention })`).
 * Started workers purge older ones — the instance with its history, inbox messages and leftover jobs, and its
 * finished sub-orchestrations with it — in small batches, in the background. A status without a period is kept until
 * purged by hand (`purgeInstanceHistory`, `purgeInstances`). Running instances are never touched, and an instance that
 * continued as new is finished only when its last execution ends. Durable Functions has no automatic retention
 * (Durable Task Scheduler and Temporal have retention periods).
 *
 * @example
 * ```ts
 * const durably = await Durably.create({
 *   orchestrators: [ProcessOrder], activities: [Charge],
 *   // Completed orders go after 7 days; failed and terminated ones stay 30 days for investigation.
 *   retention: { completedMs: 7 * 86_400_000, failedMs: 30 * 86_400_000, terminatedMs: 30 * 86_400_000 },
 * });
 * ```
 */
export interface RetentionOptions {
  /** Keep Completed instances this long after they completed, in ms. Default: forever. */
  readonly completedMs?: number;
  /** Keep Failed instances this long after they failed, in ms. Default: forever. */
  readonly failedMs?: number;
  /** Keep Terminated instances this long after they were terminated, in ms. Default: forever. */
  readonly terminatedMs?: number;
}

/** The retention periods that are set, by the status they apply to, in ms. */
export type ResolvedRetention = ReadonlyMap<RuntimeStatus, number>;

const STATUS_OF: Readonly<Record<keyof RetentionOptions, RuntimeStatus>> = {
  completedMs: 'Completed',
  failedMs: 'Failed',
  terminatedMs: 'Terminated',
};

/**
 * Checks the `retention` option: every period set must be a positive finite number of ms, and no other key may be
 * present (a misspelt key would otherwise keep everything forever, silently). Undefined when nothing is to be swept.
 * @throws DurableError with code `INVALID_OPTIONS`.
 */
export function resolveRetention(retention: unknown): ResolvedRetention | undefined {
  if (retention === undefined) return undefined;
  if (retention === null || typeof retention !== 'object' || Array.isArray(retention)) {
    throw new DurableError('INVALID_OPTIONS', `Durably option 'retention' must be an object such as { completedMs: 86400000 }, got ${retention === null ? 'null' : typeof retention === 'object' ? 'an array' : typeof retention}`);
  }
  const periods = new Map<RuntimeStatus, number>();
  for (const [key, value] of Object.entries(retention)) {
    if (!Object.hasOwn(STATUS_OF, key)) {
      throw new DurableError('INVALID_OPTIONS', `Durably option 'retention.${key}' is not known: use completedMs, failedMs or terminatedMs`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new DurableError('INVALID_OPTIONS', `Durably option 'retention.${key}' must be a positive number of ms, got ${String(value)}`);
    }
    periods.set(STATUS_OF[key as keyof RetentionOptions], value);
  }
  return periods.size === 0 ? undefined : periods;
}

/**
 * How often a worker sweeps: half the shortest period, between 250 ms and one minute — so that an instance is gone
 * within about 1.5 times its period (for periods up to two minutes) and idle task hubs cost one small query a minute.
 */
export function retentionSweepPeriodMs(retention: ResolvedRetention): number {
  const shortest = Math.min(...retention.values());
  return Math.min(60_000, Math.max(250, Math.floor(shortest / 2)));
}
