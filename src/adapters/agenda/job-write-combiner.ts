import type { Db, ObjectId } from '@agendajs/mongo-backend';
import { JobWriteError } from '../../core/errors/job-write-error.js';

/** The jobs collection (typed through the Agenda backend's re-export of the driver). */
export type JobCollection = ReturnType<Db['collection']>;
/** A filter on the jobs collection. */
export type JobFilter = Parameters<JobCollection['updateOne']>[0];
/** An update of one job document (operators only: no pipeline). */
export type JobUpdate = Exclude<Parameters<JobCollection['updateOne']>[1], readonly unknown[]>;
type Statement = Parameters<JobCollection['bulkWrite']>[0][number];

/** The code MongoDB gives a write that breaks a unique index (here `data.key`: the job was scheduled before). */
export const DUPLICATE_KEY = 11000;

/**
 * The most statements sent in one command. Far below the server's batch limit (100,000) so that the driver never
 * splits a flush into several commands: a flush then succeeds, or fails, as one.
 */
const MAX_STATEMENTS = 1_000;

/**
 * How long a deferrable write may wait for a write to share its command — and the database's durable flush — with.
 * Deferrable writes are ones nothing waits for (a finished job's record; the insert of a job already running here):
 * a few milliseconds of delay cost nothing, and a lock lifetime is minutes.
 */
const DEFER_MAX_MS = 25;

/** How a write may be sent. */
export interface WriteOptions {
  /**
   * Nothing waits for it: it may wait (up to a few milliseconds) for another write of this process to travel with,
   * such as the next history commit (see {@link JobWriteCombiner.flushSoon}).
   */
  readonly deferred?: boolean;
}

interface Queued {
  readonly statement: Statement;
  /** Called with whether the statement inserted a document (an upsert that found none). */
  readonly resolve: (upserted: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/** What a bulk write reports per statement, read from its result or from the error it threw. */
interface BulkOutcome {
  /** Statement index → its write error, for the statements that failed alone. */
  readonly failed: ReadonlyMap<number, { readonly code: unknown; readonly errmsg?: unknown }>;
  readonly upserted: ReadonlySet<number>;
}

/**
 * Sends the job writes this process issues within one event-loop turn as one `update` command of several statements
 * (`bulkWrite`, unordered): when an episode's commit finishes one activity and schedules the next in the same turn,
 * that is one round trip to the database, not two. The queue is flushed at the end of the turn (`setImmediate`), so
 * a lone write waits for nothing but the I/O callbacks already due — except deferrable writes, which nothing waits
 * for: they wait for the next write or {@link JobWriteCombiner.flushSoon} (at most {@link DEFER_MAX_MS}), so that they
 * reach the database together with the runtime's next history commit and share its durable flush.
 *
 * Each caller awaits its own statement:
 * - the statements are unordered: one that fails on its own (a duplicate key, say) fails only its caller;
 * - an error of the command as a whole (network, server, write concern) fails every statement of it — some of them
 *   may have been applied: callers treat such a failure as "not known to be written" and retry or let a lock expire,
 *   as for any failed write.
 *
 * Inserts are upserts of a fresh `_id` (`$setOnInsert`), so that they travel in the same `update` command as the
 * updates; a duplicate `data.key` fails the statement (a {@link JobWriteError} whose `serverCode` is
 * {@link DUPLICATE_KEY}), read by {@link JobWriteCombiner.insert} as "already scheduled".
 */
export class JobWriteCombiner {
  readonly #jobs: JobCollection;
  #queue: Queued[] = [];
  #flushing: NodeJS.Immediate | undefined;
  #deferredFlush: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #slowestRecentMs = 0;

  constructor(jobs: JobCollection) {
    this.#jobs = jobs;
  }

  /**
   * The slowest recent round trip of a combined write, in milliseconds: each write's time counts fully, and the
   * figure decays by 5 % per write. A hint of how long the database takes to answer now (see TimerRunner's lead).
   */
  get slowestRecentMs(): number {
    return this.#slowestRecentMs;
  }

  /**
   * Inserts a job document unless a job with its `data.key` exists. Resolves `true` when inserted, `false` when the
   * key was scheduled before (that job is the job).
   */
  async insert(doc: { readonly _id: ObjectId } & Record<string, unknown>, options: WriteOptions = {}): Promise<boolean> {
    const { _id, ...fields } = doc;
    try {
      return await this.#enqueue({ updateOne: { filter: { _id }, update: { $setOnInsert: fields }, upsert: true } }, options);
    } catch (error) {
      if (error instanceof JobWriteError && error.serverCode === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /** Updates the job document `filter` matches, if any; resolves once the statement was applied. */
  async update(filter: JobFilter, update: JobUpdate, options: WriteOptions = {}): Promise<void> {
    await this.#enqueue({ updateOne: { filter, update } }, options);
  }

  /**
   * Sends the queued writes, deferred ones included, at the end of this turn: the process is writing to the database
   * now (an episode's history commit), and writes that arrive together share the server's durable flush.
   */
  flushSoon(): void {
    if (this.#queue.length > 0) this.#flushing ??= setImmediate(() => this.#flush());
  }

  /** Resolves once every write queued so far has been answered (used by stop() before the client closes). */
  async flushed(): Promise<void> {
    while (this.#queue.length > 0 || this.#inFlight.size > 0) {
      if (this.#queue.length > 0) this.#flush();
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  #enqueue(statement: Statement, options: WriteOptions): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#queue.push({ statement, resolve, reject });
      if (options.deferred !== true) this.#flushing ??= setImmediate(() => this.#flush());
      else if (this.#flushing === undefined) this.#deferredFlush ??= setTimeout(() => this.#flush(), DEFER_MAX_MS);
    });
  }

  #flush(): void {
    if (this.#flushing !== undefined) clearImmediate(this.#flushing);
    if (this.#deferredFlush !== undefined) clearTimeout(this.#deferredFlush);
    this.#flushing = undefined;
    this.#deferredFlush = undefined;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_STATEMENTS);
      const sending = this.#send(batch);
      this.#inFlight.add(sending);
      void sending.finally(() => this.#inFlight.delete(sending));
    }
  }

  async #send(batch: readonly Queued[]): Promise<void> {
    let outcome: BulkOutcome;
    const sentAt = performance.now();
    try {
      const result = await this.#jobs.bulkWrite(batch.map((q) => q.statement), { ordered: false });
      outcome = { failed: new Map(), upserted: upsertedIndexes(result) };
    } catch (error) {
      const perStatement = perStatementOutcome(error);
      if (perStatement === undefined) {
        for (const q of batch) q.reject(error);
        return;
      }
      outcome = perStatement;
    } finally {
      this.#slowestRecentMs = Math.max(performance.now() - sentAt, this.#slowestRecentMs * 0.95);
    }
    batch.forEach((q, i) => {
      const failure = outcome.failed.get(i);
      if (failure === undefined) q.resolve(outcome.upserted.has(i));
      else q.reject(new JobWriteError(typeof failure.errmsg === 'string' ? failure.errmsg : `job write failed with code ${String(failure.code)}`, failure.code));
    });
  }
}

function upsertedIndexes(result: unknown): Set<number> {
  const ids = typeof result === 'object' && result !== null ? (result as { upsertedIds?: unknown }).upsertedIds : undefined;
  return new Set(typeof ids === 'object' && ids !== null ? Object.keys(ids).map(Number) : []);
}

/**
 * The per-statement outcome of a bulk write that the server answered with write errors, or undefined when the
 * command as a whole failed. The driver throws a `MongoBulkWriteError` in both cases; only an answered command carries
 * `writeErrors` (each with its statement's `index`) and no write-concern error.
 */
function perStatementOutcome(error: unknown): BulkOutcome | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { writeErrors, result } = error as { writeErrors?: unknown; result?: unknown };
  const list = Array.isArray(writeErrors) ? (writeErrors as unknown[]) : writeErrors === undefined ? [] : [writeErrors];
  if (list.length === 0) return undefined;
  const concern = (result as { getWriteConcernError?: () => unknown } | undefined)?.getWriteConcernError?.();
  if (concern !== undefined && concern !== null) return undefined;
  const failed = new Map<number, { code: unknown; errmsg?: unknown }>();
  for (const e of list) {
    const { index, code, errmsg } = e as { index?: unknown; code?: unknown; errmsg?: unknown };
    if (typeof index !== 'number') return undefined;
    failed.set(index, { code, errmsg });
  }
  return { failed, upserted: upsertedIndexes(result) };
}
