import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EmbeddedEngineError } from '../core/errors/embedded-engine-error.js';
import { deriveScramCredential, type ScramCredential } from './auth/scram-credential.js';
import { EmbeddedEngine } from './engine/embedded-engine.js';
import { EmbeddedServer } from './server/embedded-server.js';
import { isLoopbackHost } from './server/is-loopback-host.js';

/** A user name and password for the engine (see {@link EmbeddedMongoOptions.auth}). */
export interface EmbeddedMongoCredentials {
  readonly username: string;
  readonly password: string;
}

/** The user name of a generated credential (`auth: 'generate'`). */
const GENERATED_USERNAME = 'durably';

/** The replica set name the engine uses unless told otherwise. */
export const DEFAULT_REPLICA_SET = 'rs0';

/** Options of {@link startEmbeddedMongo}. */
export interface EmbeddedMongoOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /**
   * Interface to listen on. Default `127.0.0.1`. Any host other than a loopback one (`0.0.0.0`, `::`, a LAN address)
   * requires `auth`: without it the start fails with an {@link EmbeddedEngineError} of code
   * `EMBEDDED_ENGINE_AUTH_REQUIRED`.
   */
  readonly host?: string;
  /**
   * Require authentication (SCRAM-SHA-256, the drivers' default mechanism): every connection must authenticate as
   * this user, defined in the `admin` database, before it may run anything but the handshake. Either a user name and
   * password, or `'generate'` for user `durably` with a random password (192 bits from `node:crypto`) that only this
   * process knows. {@link EmbeddedMongo.uri} then carries the credential. Default: no authentication.
   */
  readonly auth?: EmbeddedMongoCredentials | 'generate';
  /** Folder to persist to (journal + snapshots); every acknowledged write survives a crash. Absent: memory only. */
  readonly dbPath?: string;
  /** How often expired TTL documents are removed. Default 1,000 ms (mongod: 60 s). */
  readonly ttlIntervalMs?: number;
  /** Receives the engine's rare diagnostic lines (internal errors, dropped connections). Default: stderr. */
  readonly log?: (line: string) => void;
  /**
   * Run as a single-node replica set of this name (mongod's `--replSet`): `hello` reports a primary, change streams
   * work (an oplog records every write), retryable writes are honoured, and `replSetStepDown` simulates a step-down.
   * Default `'rs0'`; `false` runs a standalone server (no oplog, no change streams, no retryable writes). Clients
   * connect with the plain {@link EmbeddedMongo.uri}: the driver discovers the set from `hello`.
   */
  readonly replicaSet?: string | false;
  /** Size bound of the oplog in MiB (replica set only): change streams can resume from this far back. Default 64. */
  readonly oplogSizeMB?: number;
}

/** A running embedded engine. */
export interface EmbeddedMongo {
  /**
   * Connection string for the `mongodb` driver, e.g. `mongodb://127.0.0.1:53211/`; with `auth`, it includes the user
   * name and password (`mongodb://durably:<password>@127.0.0.1:53211/`). Print {@link EmbeddedMongo.redactedUri}
   * instead.
   */
  readonly uri: string;
  /** {@link EmbeddedMongo.uri} with the password replaced by `****`: safe to print or log. */
  readonly redactedUri: string;
  /** The credential connections must present (the generated one with `auth: 'generate'`); undefined without `auth`. */
  readonly credentials: EmbeddedMongoCredentials | undefined;
  /** The bound port. */
  readonly port: number;
  /** The replica set's name; undefined for a standalone server. */
  readonly replicaSet: string | undefined;
  /**
   * Simulates a primary step-down (as `replSetStepDown` does): for `ms` milliseconds writes fail with
   * NotWritablePrimary and `hello` reports a secondary; then the node is primary again (a new term). Connections stay
   * open, as on MongoDB 4.2 and later; with `closeConnections`, every client connection is also dropped (as servers
   * before 4.2 did, or a network failure would). For tests of driver retries and resumable change streams.
   *
   * @throws EmbeddedEngineError when the engine is not a replica set.
   */
  stepDown(ms: number, options?: { readonly closeConnections?: boolean }): void;
  /** Ends a step-down at once (the node is primary again at the next command). */
  stepUp(): void;
  /** Closes connections, flushes the journal and releases the dbPath. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Durably's embedded MongoDB-compatible engine: it speaks the MongoDB wire protocol, so the official driver and
 * Agenda run against it unchanged. Meant for development, tests and examples — not a production database.
 *
 * @throws EmbeddedEngineError when the engine cannot start: code `EMBEDDED_ENGINE_AUTH_REQUIRED` for a non-loopback
 *   `host` without `auth`, `EMBEDDED_ENGINE_ERROR` otherwise (port in use, dbPath locked, invalid credential).
 *
 * @example
 * ```ts
 * import { startEmbeddedMongo } from 'durably/embedded';
 * import { MongoClient } from 'mongodb';
 *
 * const mongo = await startEmbeddedMongo({ dbPath: './data', auth: 'generate' });
 * const client = await MongoClient.connect(mongo.uri);   // the URI carries the generated credential
 * await client.db('app').collection('things').insertOne({ hello: 'world' });
 * console.log(`engine at ${mongo.redactedUri}`);        // never print mongo.uri
 * await client.close();
 * await mongo.stop();
 * ```
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const replicaSet = options.replicaSet === false ? undefined : (options.replicaSet ?? DEFAULT_REPLICA_SET);
  if (replicaSet !== undefined && !/^[A-Za-z0-9_-]+$/.test(replicaSet)) {
    throw new EmbeddedEngineError(`invalid replica set name '${replicaSet}': use letters, digits, '-' and '_'`);
  }
  const host = options.host ?? '127.0.0.1';
  const credentials: EmbeddedMongoCredentials | undefined = options.auth === 'generate'
    ? { username: GENERATED_USERNAME, password: randomBytes(24).toString('base64url') }
    : options.auth === undefined ? undefined : { username: options.auth.username, password: options.auth.password };
  if (credentials === undefined && !(await isLoopbackHost(host))) {
    throw new EmbeddedEngineError(
      `refusing to listen on '${host}' without authentication: anyone who can reach it could read and rewrite every document. ` +
        "Set the engine's credentials (startEmbeddedMongo's auth option; durably-mongo's --username with DURABLY_MONGO_PASSWORD or --password-file) or listen on 127.0.0.1.",
      { code: 'EMBEDDED_ENGINE_AUTH_REQUIRED' },
    );
  }
  // PBKDF2 runs once here, never per connection.
  const credential: ScramCredential | undefined = credentials === undefined
    ? undefined
    : await deriveScramCredential(credentials.username, credentials.password);
  let engine: EmbeddedEngine;
  try {
    engine = await EmbeddedEngine.open({
      dbPath: options.dbPath,
      ttlIntervalMs: options.ttlIntervalMs,
      log,
      ...(replicaSet === undefined ? {} : { replicaSet }),
      ...(options.oplogSizeMB === undefined ? {} : { oplogSizeMB: options.oplogSizeMB }),
    });
  } catch (error) {
    throw new EmbeddedEngineError(`cannot open the embedded engine${options.dbPath === undefined ? '' : ` at dbPath '${options.dbPath}'`}: ${(error as Error).message}`, { cause: error });
  }
  const server = new EmbeddedServer(engine, log, credential);
  let port: number;
  try {
    port = await server.listen(options.port ?? 0, host);
  } catch (error) {
    await engine.close();
    throw new EmbeddedEngineError(`cannot listen on ${host}:${options.port ?? 0}: ${(error as Error).message}`, { cause: error });
  }
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const replication = engine.replication;
  // The member's name must be an address clients can reach: a wildcard interface is named by the machine's name.
  if (replication !== undefined) replication.state.me = host === '0.0.0.0' || host === '::' ? `${hostname()}:${port}` : address;
  const requireReplicaSet = (): NonNullable<typeof replication> => {
    if (replication === undefined) throw new EmbeddedEngineError('the embedded engine is not a replica set: start it with the replicaSet option to step it down');
    return replication;
  };
  const userInfo = (password: string): string => (credentials === undefined ? '' : `${encodeURIComponent(credentials.username)}:${password}@`);
  let stopping: Promise<void> | undefined;
  return {
    uri: `mongodb://${userInfo(encodeURIComponent(credentials?.password ?? ''))}${address}/`,
    redactedUri: `mongodb://${userInfo('****')}${address}/`,
    credentials,
    port,
    replicaSet,
    stepDown: (ms: number, options: { readonly closeConnections?: boolean } = {}) => {
      requireReplicaSet().state.stepDown(ms);
      if (options.closeConnections === true) server.closeConnections();
    },
    stepUp: () => requireReplicaSet().state.stepUp(),
    stop: () => {
      stopping ??= server.close().then(() => engine.close());
      return stopping;
    },
  };
}
