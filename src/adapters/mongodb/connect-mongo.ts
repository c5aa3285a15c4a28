import { MongoClient, type Db } from 'mongodb';

/** An open driver connection and the database Durably uses. */
export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  close(): Promise<void>;
}

/**
 * Connects the official driver. The database is `dbName`, else the one named in the URI, else `durably`.
 */
export async function connectMongo(uri: string, dbName?: string): Promise<MongoConnection> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const fromUri = client.options.dbName;
  const db = client.db(dbName ?? (fromUri !== undefined && fromUri !== 'test' ? fromUri : 'durably'));
  return { client, db, close: () => client.close() };
}
