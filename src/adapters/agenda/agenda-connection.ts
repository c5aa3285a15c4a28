import { Agenda } from 'agenda';
// The driver's client comes through the Agenda backend's re-exports (the same `mongodb` package): `mongodb` itself is
// imported only under src/adapters/mongodb.
import { MongoClient, type Db } from '@agendajs/mongo-backend';
import { JobWriteCombiner, type JobCollection } from './job-write-combiner.js';
import { JobsOnlyMongoBackend } from './jobs-only-mongo-backend.js';

/**
 * Name of the unique index on `data.key` in `<taskHub>.jobs` that makes scheduling idempotent. Persisted: renaming
 * it leaves the old index behind.
 */
export const JOB_KEY_INDEX_NAME = 'durably_job_key';
/** Name of the index `cancelInstanceJobs` uses. Persisted. */
export const JOB_INSTANCE_INDEX_NAME = 'durably_job_instance';

/**
 * The indexes Durably creates on `<taskHub>.jobs`, besides Agenda's own `findAndLockNextJobIndex` (see docs/storage.md;
 * docs/scaling.md checks them against the shard keys it proposes).
 */
export const JOB_INDEXES: Parameters<JobCollection['createIndexes']>[0] = [
  { key: { 'data.key': 1 }, name: JOB_KEY_INDEX_NAME, unique: true, partialFilterExpression: { 'data.key': { $exists: true } } },
  { key: { 'data.instanceId': 1 }, name: JOB_INSTANCE_INDEX_NAME, partialFilterExpression: { 'data.instanceId': { $exists: true } } },
];

/** One connection's worth of scheduler state: opened on first use, discarded by stop(). */
export interface AgendaConnection {
  readonly jobs: JobCollection;
  /**
   * Agenda, never started: it shapes new job documents (`create(...).schedule(...)`) and created its lookup index
   * (`findAndLockNextJobIndex`, on name, nextRunAt, priority, lockedAt, disabled), which the scheduler's lock queries
   * use. Jobs are run by the scheduler's own runners.
   */
  readonly agenda: Agenda;
  /** Every job write of this process goes through it (see {@link JobWriteCombiner}). */
  readonly writes: JobWriteCombiner;
  /** Set when the connection opened the client itself (and so closes it). */
  readonly client: MongoClient | undefined;
}

/** What {@link openAgendaConnection} needs. */
export interface AgendaConnectionOptions {
  readonly mongoUri: string;
  readonly dbName: string;
  /** An open database to share (never closed here); else a client is opened on `mongoUri`. */
  readonly db: Db | undefined;
  readonly jobsCollection: string;
  /** Agenda's name of this process. */
  readonly name: string;
  readonly lockLifetimeMs: number;
  /** Receives warnings, with the error behind the line. */
  readonly log: (line: string, error?: unknown) => void;
}

/** Connects, creates the scheduler's indexes (before the first insert: idempotent scheduling rests on them), and builds Agenda. */
export async function openAgendaConnection(options: AgendaConnectionOptions): Promise<AgendaConnection> {
  let client: MongoClient | undefined;
  let db = options.db;
  if (db === undefined) {
    client = new MongoClient(options.mongoUri, { serverSelectionTimeoutMS: 10_000 });
    db = client.db(options.dbName);
  }
  try {
    await client?.connect();
    const jobs = db.collection(options.jobsCollection);
    await jobs.createIndexes(JOB_INDEXES);
    const backend = new JobsOnlyMongoBackend({ mongo: db, collection: options.jobsCollection });
    // Connected here so a failure surfaces as this call's error (see JobsOnlyMongoBackend).
    await backend.connect();
    const agenda = new Agenda({ backend, name: options.name, defaultLockLifetime: options.lockLifetimeMs });
    agenda.on('error', (error: Error) => options.log(`agenda: ${error.message}`, error));
    await agenda.ready;
    return { jobs, agenda, writes: new JobWriteCombiner(jobs), client };
  } catch (error) {
    await client?.close().catch(() => undefined);
    throw error;
  }
}
