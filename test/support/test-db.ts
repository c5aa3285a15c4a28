import { MongoClient, type Binary, type Db, type Decimal128, type Document, type Long, type MongoClientOptions, type MongoServerError, type ObjectId } from 'mongodb';
import { startTestMongo, type TestMongo } from '../../src/testing/index.js';

/** A document of any shape whose `_id` may be of any type (the driver's default `Document` types `_id` as ObjectId). */
export interface Doc extends Document {
  _id?: DocId;
}

/** The `_id` values the suites use. */
export type DocId = ObjectId | string | number | boolean | Date | Long | Binary | Decimal128 | { [key: string]: unknown } | null;

/** A connected client on a private test database. */
export interface TestDb {
  readonly client: MongoClient;
  readonly db: Db;
  readonly mongo: TestMongo;
  /** Opens one more client on the same server (closed by {@link TestDb.close}). */
  newClient(options?: MongoClientOptions): Promise<MongoClient>;
  /** Closes every client, drops the database and stops the server. */
  close(): Promise<void>;
}

/**
 * Starts a test server (see `startTestMongo`) and connects the real driver to a fresh database on it.
 */
export async function openTestDb(options: MongoClientOptions = {}): Promise<TestDb> {
  const mongo = await startTestMongo();
  const clients: MongoClient[] = [];
  const newClient = async (extra: MongoClientOptions = {}): Promise<MongoClient> => {
    const c = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 10_000, ...options, ...extra });
    clients.push(c);
    await c.connect();
    return c;
  };
  let client: MongoClient;
  try {
    client = await newClient();
  } catch (error) {
    await mongo.stop();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    client,
    db: client.db(mongo.dbName),
    mongo,
    newClient,
    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.allSettled(clients.map((c) => c.close()));
        await mongo.stop();
      })();
      return closing;
    },
  };
}

/**
 * Awaits a promise that must reject, and returns the rejection (fails the test otherwise).
 * Typed as `MongoServerError` for convenient property access: assert the class before relying on it.
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<MongoServerError> {
  try {
    await promise;
  } catch (error) {
    return error as MongoServerError;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** Polls `check` every 10 ms until it returns true; throws, naming `what`, if it has not after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  if (!(await waitFor(check, timeoutMs, 10))) throw new Error(`timed out waiting until ${what}`);
}

/** Polls `check` until it returns true or `timeoutMs` elapses; returns whether it became true. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
