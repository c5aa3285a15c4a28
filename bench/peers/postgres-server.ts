/**
 * A private PostgreSQL server for the peer benchmark: installed from Debian's packages when its binaries are missing,
 * initialised in a fresh data directory under the OS temp dir, listening on 127.0.0.1 on a free port, with `fsync`
 * and `synchronous_commit` left on (PostgreSQL's defaults: every commit is durable, as Durably's dbPath journal is),
 * and `pg_stat_statements` preloaded to count statements. Stopped and deleted by {@link PostgresServer.stop}, which the
 * runner also calls on SIGINT, SIGTERM and errors. When running as root the server runs as the `postgres` OS user
 * (PostgreSQL refuses root).
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const USER = 'postgres';

/** Finds the newest installed PostgreSQL's bin folder (Debian layout), or undefined. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs the `postgresql` package with apt-get (needs root). */
function installPostgres(log: (line: string) => void): void {
  if (!isRoot()) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `apt-get install -y postgresql` as root');
  log('PostgreSQL not found: installing it from Debian\'s packages (apt-get install -y postgresql) …');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'inherit', env });
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'inherit', env });
  }
  // Debian's package creates and starts a default cluster on 5432; the bench does not use it.
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class PostgresServer {
  readonly binDir: string;
  readonly dataDir: string;
  readonly port: number;
  #running = false;

  private constructor(binDir: string, dataDir: string, port: number) {
    this.binDir = binDir;
    this.dataDir = dataDir;
    this.port = port;
  }

  /** Installs PostgreSQL if needed, then initialises and starts a private server. */
  static async start(log: (line: string) => void): Promise<PostgresServer> {
    let binDir = findBinDir();
    if (binDir === undefined) {
      installPostgres(log);
      binDir = findBinDir();
      if (binDir === undefined) throw new Error('apt-get installed postgresql, but no /usr/lib/postgresql/*/bin/initdb was found');
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'durably-peers-pg-'));
    const server = new PostgresServer(binDir, dataDir, await freePort());
    try {
      server.#init();
      server.#ctl(['-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', 'start']);
      server.#running = true;
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** A connection string for `database` (trust authentication on 127.0.0.1: the server is private). */
  url(database: string): string {
    return `postgresql://${USER}@127.0.0.1:${this.port}/${database}`;
  }

  /** Drops (if present) and creates `database`. */
  async recreateDatabase(database: string): Promise<void> {
    await this.#admin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${database}"`);
    });
  }

  async dropDatabase(database: string): Promise<void> {
    await this.#admin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  }

  /** The server's version and durability settings, for the report. */
  async settings(): Promise<Record<string, string>> {
    return this.#admin(async (client) => {
      const out: Record<string, string> = {};
      for (const name of ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers']) {
        const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
        out[name] = rows[0]?.[name] ?? '?';
      }
      return out;
    });
  }

  /** Stops the server and deletes its data directory. Synchronous, so that it can run from an exit handler. */
  stopSync(): void {
    if (this.#running) {
      this.#running = false;
      try {
        this.#ctl(['-m', 'fast', '-w', 'stop']);
      } catch {
        // Already gone: nothing to stop.
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async #admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  #init(): void {
    if (isRoot()) chownSync(this.dataDir, ...postgresIds());
    this.#as(path.join(this.binDir, 'initdb'), ['-D', this.dataDir, '-U', USER, '-A', 'trust', '--encoding=UTF8', '--no-instructions']);
    writeFileSync(path.join(this.dataDir, 'postgresql.auto.conf'), [
      `port = ${this.port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${this.dataDir}'`,
      'max_connections = 200',
      'shared_buffers = 256MB',
      // Statement counts for `writes`; harmless otherwise.
      "shared_preload_libraries = 'pg_stat_statements'",
      'pg_stat_statements.track_utility = on',
      '',
    ].join('\n'));
    if (isRoot()) chownSync(path.join(this.dataDir, 'postgresql.auto.conf'), ...postgresIds());
  }

  #ctl(args: string[]): void {
    this.#as(path.join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, ...args]);
  }

  #as(command: string, args: string[]): void {
    const [file, argv] = isRoot() ? ['runuser', ['-u', USER, '--', command, ...args]] : [command, args];
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

function postgresIds(): [number, number] {
  const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
  return [uid, gid];
}
