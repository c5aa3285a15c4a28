import type { Db } from '@agendajs/mongo-backend';
import { DurableError } from '../../core/durable-error.js';
import type { Clock } from '../../ports/clock.js';

/** Options of {@link AgendaWorkScheduler}. */
export interface AgendaWorkSchedulerOptions {
  /** Connection string of the MongoDB deployment. Not used when {@link AgendaWorkSchedulerOptions.db} is given. */
  readonly mongoUri: string;
  /** The database holding the task hub's collections. */
  readonly dbName: string;
  /** The task hub: jobs live in `<taskHub>.jobs`. */
  readonly taskHub: string;
  /**
   * An open database to share instead of connecting to `mongoUri` (it must be `dbName`). The scheduler never closes
   * it: its owner does, after {@link AgendaWorkScheduler.stop}.
   */
  readonly db?: Db;
  /** Jobs of each kind (activities, timers) run at once in this process. Default 10. */
  readonly concurrency?: number;
  /**
   * How often this worker looks for due jobs, in milliseconds. Default 500. Activities a started worker schedules
   * start at once when it has a free slot, and the timers it schedules are armed in-process; jobs scheduled by other
   * processes (or left by workers that died) are found within about this long. Timers are armed two periods ahead,
   * so that they fire on time whoever scheduled them.
   */
  readonly processEveryMs?: number;
  /**
   * How long a worker's lock on a running job lasts without renewal, in milliseconds. Default 5 minutes. The lock is
   * renewed every third of it while the handler runs, so long activities are not run twice while their worker
   * lives; a job whose worker died is started again (with `deliveries + 1`) about this long after its last renewal.
   */
  readonly lockLifetimeMs?: number;
  /**
   * A backstop: an activity job started more than this many times is failed without calling the handler. Default:
   * no limit; the handler applies the runtime's own cap (and records the failure in the orchestration) long before.
   */
  readonly maxDeliveries?: number;
  /**
   * A start of an activity job with at least this many `deliveries` (starts that never ended, this one included)
   * runs alone in its worker: it waits until no other activity runs in the process, and none starts beside it
   * until it is done. Default 2: every start after one that never ended. Durably sets it to its poison cap, so that
   * only the last start before an activity is failed as poison runs alone, and a crash that fails it was its own.
   */
  readonly aloneFromDeliveries?: number;
  /** How long {@link AgendaWorkScheduler.stop} lets running jobs finish, in milliseconds. Default 30,000. */
  readonly stopGraceMs?: number;
  /**
   * Receives warnings and errors, one line each, with the error behind the line when there is one (a plain callback:
   * `Durably` turns it into a log record). Default: `console.warn`.
   */
  readonly log?: (line: string, error?: unknown) => void;
  /**
   * The clock timers' `fireAt` is read by. Default: the system clock. A virtual clock (a test environment's) runs
   * at real speed between jumps: a timer is due when it reads `fireAt`; see {@link AgendaWorkScheduler.clockChanged}.
   */
  readonly clock?: Clock;
}

/** {@link AgendaWorkSchedulerOptions} with defaults applied and values checked. */
export interface ResolvedSchedulerOptions {
  readonly mongoUri: string;
  readonly dbName: string;
  readonly taskHub: string;
  readonly db: Db | undefined;
  readonly concurrency: number;
  readonly processEveryMs: number;
  readonly lockLifetimeMs: number;
  readonly maxDeliveries: number | undefined;
  readonly aloneFromDeliveries: number;
  readonly stopGraceMs: number;
  readonly log: (line: string, error?: unknown) => void;
  readonly clock: Clock | undefined;
}

const DEFAULT_CONCURRENCY = 10;
const DEFAULT_PROCESS_EVERY_MS = 500;
const DEFAULT_LOCK_LIFETIME_MS = 5 * 60_000;
const DEFAULT_STOP_GRACE_MS = 30_000;
const DEFAULT_ALONE_FROM_DELIVERIES = 2;

/** Applies the defaults; throws a DurableError (`INVALID_OPTIONS`) naming the first invalid option. */
export function resolveSchedulerOptions(options: AgendaWorkSchedulerOptions): ResolvedSchedulerOptions {
  if (options.db !== undefined && options.db.databaseName !== options.dbName) {
    throw new DurableError('INVALID_OPTIONS', `AgendaWorkScheduler: options.db is database '${options.db.databaseName}' but dbName is '${options.dbName}'.`);
  }
  return {
    mongoUri: options.mongoUri,
    dbName: options.dbName,
    taskHub: options.taskHub,
    db: options.db,
    concurrency: positiveInteger('concurrency', options.concurrency ?? DEFAULT_CONCURRENCY),
    processEveryMs: positiveInteger('processEveryMs', options.processEveryMs ?? DEFAULT_PROCESS_EVERY_MS),
    lockLifetimeMs: positiveInteger('lockLifetimeMs', options.lockLifetimeMs ?? DEFAULT_LOCK_LIFETIME_MS),
    maxDeliveries: options.maxDeliveries === undefined ? undefined : positiveInteger('maxDeliveries', options.maxDeliveries),
    aloneFromDeliveries: positiveInteger('aloneFromDeliveries', options.aloneFromDeliveries ?? DEFAULT_ALONE_FROM_DELIVERIES),
    stopGraceMs: nonNegativeInteger('stopGraceMs', options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS),
    log: options.log ?? ((line: string) => console.warn(line)),
    clock: options.clock,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new DurableError('INVALID_OPTIONS', `AgendaWorkScheduler: ${name} must be a positive integer, got ${value}.`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new DurableError('INVALID_OPTIONS', `AgendaWorkScheduler: ${name} must be a non-negative integer, got ${value}.`);
  return value;
}
