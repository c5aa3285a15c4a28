import { EmbeddedEngine } from './embedded-engine.js';
import { EmbeddedEngineError } from './embedded-engine-error.js';
import { EmbeddedServer } from './server/embedded-server.js';

/** Options of {@link startEmbeddedMongo}. */
export interface EmbeddedMongoOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on. Default `127.0.0.1`: the engine has no authentication, keep it off the network. */
  readonly host?: string;
  /** Folder to persist to (journal + snapshots); every acknowledged write survives a crash. Absent: memory only. */
  readonly dbPath?: string;
  /** How often expired TTL documents are removed. Default 1,000 ms (mongod: 60 s). */
  readonly ttlIntervalMs?: number;
  /** Receives the engine's rare diagnostic lines (internal errors, dropped connections). Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A running embedded engine. */
export interface EmbeddedMongo {
  /** Connection string for the `mongodb` driver, e.g. `mongodb://127.0.0.1:53211/`. */
  readonly uri: string;
  /** The bound port. */
  readonly port: number;
  /** Closes connections, flushes the journal and releases the dbPath. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Durably's embedded MongoDB-compatible engine: it speaks the MongoDB wire protocol, so the official driver and
 * Agenda run against it unchanged. Meant for development, tests and examples — not a production database.
 *
 * @example
 * ```ts
 * import { startEmbeddedMongo } from 'durably/embedded';
 * import { MongoClient } from 'mongodb';
 *
 * const mongo = await startEmbeddedMongo({ dbPath: './data' });
 * const client = await MongoClient.connect(mongo.uri);
 * await client.db('app').collection('things').insertOne({ hello: 'world' });
 * await client.close();
 * await mongo.stop();
 * ```
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';
  let engine: EmbeddedEngine;
  try {
    engine = await EmbeddedEngine.open({ dbPath: options.dbPath, ttlIntervalMs: options.ttlIntervalMs, log });
  } catch (error) {
    throw new EmbeddedEngineError(`cannot open the embedded engine${options.dbPath === undefined ? '' : ` at dbPath '${options.dbPath}'`}: ${(error as Error).message}`, { cause: error });
  }
  const server = new EmbeddedServer(engine, log);
  let port: number;
  try {
    port = await server.listen(options.port ?? 0, host);
  } catch (error) {
    await engine.close();
    throw new EmbeddedEngineError(`cannot listen on ${host}:${options.port ?? 0}: ${(error as Error).message}`, { cause: error });
  }
  let stopping: Promise<void> | undefined;
  return {
    uri: `mongodb://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    stop: () => {
      stopping ??= server.close().then(() => engine.close());
      return stopping;
    },
  };
}
