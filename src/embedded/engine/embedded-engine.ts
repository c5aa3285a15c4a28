import type { Document } from '../bson/document.js';
import { dispatchCommand } from '../commands/command-dispatcher.js';
import type { ConnectionAuth } from '../commands/connection-auth.js';
import { CursorRegistry } from '../commands/cursor-registry.js';
import { OpCounters, type ConnectionStatistics, type ServerState } from '../commands/server-status.js';
import { FileJournal } from '../persistence/file-journal.js';
import type { JournalOp } from '../persistence/journal-op.js';
import { Catalog } from '../storage/catalog.js';
import { expireDocuments } from '../storage/ttl-monitor.js';

/** Options of {@link EmbeddedEngine}. */
export interface EmbeddedEngineOptions {
  /** Folder for the journal and snapshots; absent = memory only. */
  readonly dbPath?: string;
  /** How often the TTL monitor runs (mongod: 60 s). Default 1,000 ms. */
  readonly ttlIntervalMs?: number;
  /** Where unexpected internal errors are reported. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** The connection a command came on. */
export interface ClientConnection {
  readonly id: number;
  readonly auth: ConnectionAuth;
}

/**
 * The engine without its network: catalog, cursors, TTL monitor and (with a dbPath) the journal. Commands run
 * synchronously against it; {@link EmbeddedEngine.durable} says when their effects are on disk.
 */
export class EmbeddedEngine {
  readonly startedAt = new Date();
  readonly cursors = new CursorRegistry();
  /** serverStatus's opcounters: the commands run since the engine started. */
  readonly opCounters = new OpCounters();
  readonly catalog: Catalog;
  readonly #journal: FileJournal | undefined;
  readonly #log: (line: string) => void;
  #lsn = 0;
  #timers: NodeJS.Timeout[] = [];
  #compacting: Promise<void> | undefined;
  #closed = false;

  private constructor(journal: FileJournal | undefined, options: EmbeddedEngineOptions) {
    this.#journal = journal;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.catalog = new Catalog(journal === undefined ? undefined : (op: JournalOp) => {
      this.#lsn = journal.append([op]);
    });
    const ttl = setInterval(() => this.#expire(), options.ttlIntervalMs ?? 1000);
    const reaper = setInterval(() => this.cursors.reap(), 60_000);
    // The engine must never keep a process (or a jest run) alive on its own.
    ttl.unref();
    reaper.unref();
    this.#timers.push(ttl, reaper);
  }

  /** Opens an engine, recovering the state under `dbPath` when given. */
  static async open(options: EmbeddedEngineOptions = {}): Promise<EmbeddedEngine> {
    if (options.dbPath === undefined) return new EmbeddedEngine(undefined, options);
    const { journal, recovered } = await FileJournal.open(options.dbPath);
    const engine = new EmbeddedEngine(journal, options);
    for (const op of recovered) engine.catalog.restore(op);
    return engine;
  }

  /**
   * Runs one command (synchronously: this is what makes single-document writes atomic).
   *
   * @param client - the connection it came on: its id and authentication state.
   * @param connections - the server's connection counts, for serverStatus.
   */
  execute(command: Document, db: string, client: ClientConnection, connections: () => ConnectionStatistics): Document {
    const server: ServerState = {
      startedAt: this.startedAt,
      opCounters: this.opCounters,
      persistent: this.#journal !== undefined,
      connections,
      journal: () => this.#journal?.statistics,
    };
    return dispatchCommand(
      command,
      { catalog: this.catalog, cursors: this.cursors, db, connectionId: client.id, auth: client.auth, server },
      (error, name) => this.#log(`durably-mongo: internal error in '${name}': ${(error as Error).stack ?? String(error)}`),
    );
  }

  /**
   * Resolves once every change made so far is on disk; undefined when nothing is pending (memory-only engines,
   * read-only commands). Replies wait for this, so an acknowledged write — or a read that saw it — survives a crash.
   */
  durable(): Promise<void> | undefined {
    const journal = this.#journal;
    if (journal === undefined || this.#lsn === 0) return undefined;
    const wait = journal.waitDurable(this.#lsn);
    if (journal.needsCompaction && this.#compacting === undefined) {
      // compact() serialises the snapshot before it first yields, so state and journal position agree.
      this.#compacting = journal
        .compact(this.catalog.snapshot())
        .catch((error: unknown) => this.#log(`durably-mongo: compaction failed: ${String(error)}`))
        .finally(() => {
          this.#compacting = undefined;
        });
    }
    return wait;
  }

  /** Stops timers, flushes and closes the journal. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.cursors.clear();
    await this.#compacting;
    await this.#journal?.close();
  }

  #expire(): void {
    try {
      expireDocuments(this.catalog, new Date());
    } catch (error) {
      this.#log(`durably-mongo: TTL pass failed: ${String(error)}`);
    }
  }
}
