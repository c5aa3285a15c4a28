import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { MongoMemoryServer } from 'mongodb-memory-server';
import { dropDatabase } from '../adapters/mongodb/drop-database.js';

/**
 * Where the server behind a {@link TestMongo} comes from.
 *
 * - `'external'`: the server named by `MONGODB_URI` (nothing is started or stopped).
 * - `'memory-server'`: a real `mongod` started by mongodb-memory-server from a binary already on disk.
 * - `'embedded'`: Durably's in-process MongoDB-wire-compatible engine.
 */
export type TestMongoKind = 'external' | 'memory-server' | 'embedded';

/**
 * A MongoDB server and a private database for one test suite, from {@link startTestMongo}.
 */
export interface TestMongo {
  /** Connection string of the server, e.g. `mongodb://127.0.0.1:41234/`. Select the database with {@link TestMongo.dbName}. */
  readonly uri: string;
  /** A database name unique to this call; {@link TestMongo.stop} drops it. */
  readonly dbName: string;
  /** Which kind of server was picked. */
  readonly kind: TestMongoKind;
  /**
   * Drops {@link TestMongo.dbName} and stops the server if this call started it. Calling it again does nothing.
   */
  stop(): Promise<void>;
}

/**
 * Options of {@link startTestMongo}.
 */
export interface StartTestMongoOptions {
  /** The database to use (and drop on stop). Default: `test_<12 random hex digits>`. */
  readonly dbName?: string;
  /**
   * Receives one line saying which server was picked (and why a preferred one was skipped).
   * Default: `console.info`, silenced when the environment variable `DURABLY_TEST_LOG=silent`.
   */
  readonly log?: (line: string) => void;
}

const LOG_PREFIX = '[durably:test-mongo]';

/**
 * Starts (or connects to) a MongoDB server for tests and reserves a unique database on it.
 *
 * Picks, in order:
 * 1. `process.env.MONGODB_URI` when set (`kind: 'external'`); the server is left running on stop.
 * 2. mongodb-memory-server, only when it can run a `mongod` without downloading one: `MONGOMS_SYSTEM_BINARY`
 *    is set, or a binary already sits in one of its cache directories (`MONGOMS_DOWNLOAD_DIR`,
 *    `node_modules/.cache/mongodb-memory-server`, `~/.cache/mongodb-binaries`). The package is imported lazily.
 * 3. Durably's embedded engine, started in-process on a free port.
 *
 * Every call starts its own server (except with `MONGODB_URI`) and gets its own database.
 *
 * @param options - Database name and logger.
 * @returns The server's URI, the database name, the kind picked and a `stop()` to clean up.
 *
 * @example
 * ```ts
 * const mongo = await startTestMongo();
 * const client = await MongoClient.connect(mongo.uri);
 * const db = client.db(mongo.dbName);
 * // ... test ...
 * await client.close();
 * await mongo.stop();
 * ```
 */
export async function startTestMongo(options: StartTestMongoOptions = {}): Promise<TestMongo> {
  const log = options.log ?? defaultLog();
  const dbName = options.dbName ?? `test_${randomBytes(6).toString('hex')}`;

  const externalUri = process.env['MONGODB_URI'];
  if (externalUri !== undefined && externalUri !== '') {
    log(`${LOG_PREFIX} using external server ${redactUri(externalUri)} (MONGODB_URI), database ${dbName}`);
    // A shared server outlives the test run: leftover databases would pile up, so a failed drop is reported.
    return createHandle(externalUri, dbName, 'external', () => dropDatabase(externalUri, dbName));
  }

  const binary = await findLocalMongodBinary();
  if (binary !== undefined) {
    try {
      const server = await startMemoryServer(binary);
      const uri = server.getUri();
      log(`${LOG_PREFIX} using mongodb-memory-server (mongod ${binary.path}, ${binary.source}) at ${uri}, database ${dbName}`);
      return createHandle(uri, dbName, 'memory-server', async () => {
        await dropQuietly(uri, dbName, log);
        await server.stop();
      });
    } catch (error) {
      log(`${LOG_PREFIX} mongodb-memory-server could not start ${binary.path} (${errorMessage(error)}); falling back to the embedded engine`);
    }
  }

  const { startEmbeddedMongo } = await import('../embedded/index.js');
  const engine = await startEmbeddedMongo();
  log(`${LOG_PREFIX} using the embedded engine at ${engine.uri}, database ${dbName}`);
  return createHandle(engine.uri, dbName, 'embedded', async () => {
    await dropQuietly(engine.uri, dbName, log);
    await engine.stop();
  });
}

function createHandle(uri: string, dbName: string, kind: TestMongoKind, cleanUp: () => Promise<void>): TestMongo {
  let stopping: Promise<void> | undefined;
  return {
    uri,
    dbName,
    kind,
    stop(): Promise<void> {
      stopping ??= cleanUp();
      return stopping;
    },
  };
}

function defaultLog(): (line: string) => void {
  if (process.env['DURABLY_TEST_LOG'] === 'silent') {
    return () => undefined;
  }
  return (line) => console.info(line);
}

// The server is about to be stopped, which discards its data anyway: a failed drop must not fail the suite.
async function dropQuietly(uri: string, dbName: string, log: (line: string) => void): Promise<void> {
  try {
    await dropDatabase(uri, dbName, { serverSelectionTimeoutMS: 2_000 });
  } catch (error) {
    log(`${LOG_PREFIX} could not drop ${dbName} before stopping the server: ${errorMessage(error)}`);
  }
}

interface LocalBinary {
  readonly path: string;
  readonly source: string;
}

/** Finds a mongod that mongodb-memory-server can run without downloading anything. */
async function findLocalMongodBinary(): Promise<LocalBinary | undefined> {
  const systemBinary = process.env['MONGOMS_SYSTEM_BINARY'];
  if (systemBinary !== undefined && systemBinary !== '') {
    return { path: systemBinary, source: 'MONGOMS_SYSTEM_BINARY' };
  }
  for (const dir of cacheDirectories()) {
    const found = await findBinaryIn(dir);
    if (found !== undefined) {
      return { path: found, source: `cached in ${dir}` };
    }
  }
  return undefined;
}

/** The directories mongodb-memory-server downloads into, in the order it probes them. */
function cacheDirectories(): string[] {
  const dirs: string[] = [];
  const downloadDir = process.env['MONGOMS_DOWNLOAD_DIR'];
  if (downloadDir !== undefined && downloadDir !== '') {
    dirs.push(resolve(downloadDir));
  }
  dirs.push(join(homedir(), '.cache', 'mongodb-binaries'));
  // find-cache-dir resolves node_modules/.cache next to the nearest package.json: probe cwd and its parents.
  let dir = process.cwd();
  for (;;) {
    dirs.push(join(dir, 'node_modules', '.cache', 'mongodb-memory-server'));
    const parent = dirname(dir);
    if (parent === dir) {
      break;
    }
    dir = parent;
  }
  return dirs;
}

async function findBinaryIn(dir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  // Newest version first when several are cached (names are `mongod-<arch>-<dist>-<version>`).
  const candidates = names
    .filter((name) => name.startsWith('mongod') && !name.endsWith('.md5') && !name.endsWith('.lock'))
    .sort()
    .reverse();
  for (const name of candidates) {
    const path = join(dir, name);
    try {
      const info = await stat(path);
      // A half-extracted download is small; a real mongod is tens of megabytes.
      if (!info.isFile() || info.size < 1_000_000) {
        continue;
      }
      await access(path, fsConstants.X_OK);
      return path;
    } catch {
      continue;
    }
  }
  return undefined;
}

async function startMemoryServer(binary: LocalBinary): Promise<MongoMemoryServer> {
  // Guards against any code path inside mongodb-memory-server that would fetch a binary after all.
  process.env['MONGOMS_RUNTIME_DOWNLOAD'] ??= 'false';
  process.env['MONGOMS_DISABLE_POSTINSTALL'] ??= '1';
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  return MongoMemoryServer.create({ binary: { systemBinary: binary.path } });
}

function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
