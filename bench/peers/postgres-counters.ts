/**
 * What DBOS wrote, counted in PostgreSQL: statements by kind in one database (`pg_stat_statements`, with the rows
 * they changed) and the WAL's commit records (`pg_waldump` between two WAL positions — each commit of a transaction
 * that wrote is flushed to disk before it is acknowledged, `synchronous_commit = on`). The WAL is server-wide, so
 * PostgreSQL's own background writes in the window are included.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';

export interface PostgresSnapshot {
  readonly lsn: string;
  /** Calls and rows per normalised statement. */
  readonly statements: ReadonlyMap<string, { calls: number; rows: number }>;
}

export interface PostgresWrites {
  readonly writeStatements: number;
  readonly rowsChanged: number;
  /** WAL commit records; NaN when pg_waldump cannot read the WAL. */
  readonly commits: number;
  readonly byKind: Readonly<Record<string, number>>;
}

function kindOf(query: string): string {
  const q = query.trim().toUpperCase();
  if (q.startsWith('BEGIN') || q.startsWith('START TRANSACTION')) return 'begin';
  if (q.startsWith('COMMIT')) return 'commit';
  if (q.startsWith('ROLLBACK')) return 'rollback';
  if (q.startsWith('NOTIFY') || q.includes('PG_NOTIFY')) return 'notify';
  if (q.startsWith('INSERT') || (q.startsWith('WITH') && q.includes('INSERT'))) return 'insert';
  if (q.startsWith('UPDATE') || (q.startsWith('WITH') && q.includes('UPDATE'))) return 'update';
  if (q.startsWith('DELETE') || (q.startsWith('WITH') && q.includes('DELETE'))) return 'delete';
  if (q.startsWith('SELECT') || q.startsWith('WITH')) return 'select';
  return 'other';
}

const WRITE_KINDS = new Set(['insert', 'update', 'delete']);

export class PostgresCounters {
  readonly #client: pg.Client;
  readonly #database: string;
  readonly #dataDir: string;
  readonly #binDir: string;

  private constructor(client: pg.Client, database: string, dataDir: string, binDir: string) {
    this.#client = client;
    this.#database = database;
    this.#dataDir = dataDir;
    this.#binDir = binDir;
  }

  static async open(adminUrl: string, database: string, dataDir: string, binDir: string): Promise<PostgresCounters> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return new PostgresCounters(client, database, dataDir, binDir);
  }

  async snapshot(): Promise<PostgresSnapshot> {
    const { rows } = await this.#client.query<{ query: string; calls: string; rows: string }>(
      `SELECT s.query, s.calls, s.rows FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`,
      [this.#database],
    );
    const statements = new Map<string, { calls: number; rows: number }>();
    for (const row of rows) {
      const key = row.query.replace(/\s+/g, ' ').slice(0, 200);
      const previous = statements.get(key) ?? { calls: 0, rows: 0 };
      statements.set(key, { calls: previous.calls + Number(row.calls), rows: previous.rows + Number(row.rows) });
    }
    const lsn = (await this.#client.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn')).rows[0]?.lsn ?? '0/0';
    return { lsn, statements };
  }

  /** What happened between two snapshots. */
  diff(before: PostgresSnapshot, after: PostgresSnapshot): PostgresWrites {
    const byKind: Record<string, number> = {};
    let writeStatements = 0;
    let rowsChanged = 0;
    for (const [query, now] of after.statements) {
      const then = before.statements.get(query) ?? { calls: 0, rows: 0 };
      const calls = now.calls - then.calls;
      if (calls === 0) continue;
      const kind = kindOf(query);
      byKind[kind] = (byKind[kind] ?? 0) + calls;
      if (WRITE_KINDS.has(kind)) {
        writeStatements += calls;
        rowsChanged += now.rows - then.rows;
      }
    }
    return { writeStatements, rowsChanged, commits: this.#commitRecords(before.lsn, after.lsn), byKind };
  }

  async close(): Promise<void> {
    await this.#client.end();
  }

  #commitRecords(from: string, to: string): number {
    if (from === to) return 0;
    try {
      const text = execFileSync(path.join(this.#binDir, 'pg_waldump'), ['--stats=record', '-p', path.join(this.#dataDir, 'pg_wal'), '-s', from, '-e', to], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const match = /^Transaction\/COMMIT\s+(\d+)/m.exec(text);
      return match === null ? 0 : Number(match[1]);
    } catch {
      return Number.NaN;
    }
  }
}
