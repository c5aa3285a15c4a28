import { MongoClient } from 'mongodb';

/**
 * Options of {@link dropDatabase}.
 */
export interface DropDatabaseOptions {
  /** How long to wait for a server before giving up, in milliseconds (default 5,000). */
  readonly serverSelectionTimeoutMS?: number;
}

/**
 * Drops one database through a short-lived driver connection, then closes that connection.
 *
 * Exists so that code outside `src/adapters/mongodb/` (such as `durably/testing`) can clean up
 * without importing the driver itself.
 *
 * @param uri - A MongoDB connection string (`mongodb://host:port/...`).
 * @param dbName - The database to drop. Dropping a database that does not exist succeeds.
 * @param options - Connection tuning.
 * @returns Resolves once the server has acknowledged the drop.
 *
 * @example
 * ```ts
 * await dropDatabase('mongodb://127.0.0.1:27017/', 'test_1a2b3c');
 * ```
 */
export async function dropDatabase(uri: string, dbName: string, options: DropDatabaseOptions = {}): Promise<void> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    maxPoolSize: 1,
  });
  try {
    await client.connect();
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}
