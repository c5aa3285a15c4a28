import type { Document } from '../bson/document.js';
import { dispatchCommand } from '../commands/command-dispatcher.js';
import type { ReplicationContext } from '../commands/command-context.js';
import type { ConnectionAuth } from '../commands/connection-auth.js';
import { CursorRegistry } from '../commands/cursor-registry.js';
import { OpCounters, type ConnectionStatistics, type ServerState } from '../commands/server-status.js';
import { FileJournal } from '../persistence/file-journal.js';
import type { JournalOp } from '../persistence/journal-op.js';
import { ChangeStreamRegistry } from '../replication/change-stream-registry.js';
import type { ChangeStreamCursor } from '../replication/change-stream-cursor.js';
import { DEFAULT_OPLOG_SIZE_MB, Oplog } from '../replication/oplog.js';
import { ReplicaSetState } from '../replication/replica-set-state.js';
import { RetryableWrites } from '../replication/retryable-writes.js';
import { Catalog } from '../storage/catalog.js';
import type { ChangeRecorder } from '../storage/collection-store.js';
import { expireDocuments } from '../storage/ttl-monitor.js';

/** How long a change stream's getMore waits for events when it names no `maxTimeMS` (mongod: 1 s). */
const AWAIT_DATA_DEFAULT_MS = 1000;

/**
 * The catalog's change recorder: each change goes to the oplog (replica set), and the journal op — with the oplog
 * entry beside it — to the journal (dbPath). `onAppend` receives the journal position of the last append.
 */
function recorder(journal: FileJournal | undefined, oplog: Oplog | undefined, onAppend: (lsn: number) => void): ChangeRecorder | undefined {
  if (journal === undefined && oplog === undefined) return undefined;
  return (op, change) => {
    const entry = change === undefined ? undefined : oplog?.append(change);
    if (journal === undefined) return;
    // The journal need not repeat an inserted or replacing document: the `put` beside the entry holds it.
    onAppend(journal.append(entry === undefined ? [op] : [op, { op: 'oplog', db: entry.db, entry: entry.toDocument(false) }]));
  };
}

/** Options of {@link EmbeddedEngine}. */
export interface EmbeddedEngineOptions {
  /** Folder for the journal and snapshots; absent = memory only. */
  readonly dbPath?: string;
  /** How often the TTL monitor runs (mongod: 60 s). Default 1,000 ms. */
  readonly ttlIntervalMs?: number;
  /** Where unexpected internal errors are reported. Default: stderr. */
  readonly log?: (line: string) => void;
  /**
   * Run as a single-node replica set of this name: `hello` reports a primary, writes are logged to an oplog that
   * change streams read, retryable writes are honoured. Absent: a standalone server.
   */
  readonly replicaSet?: string;
  /** The oplog's size bound in MiB (replica set only). Default {@link DEFAULT_OPLOG_SIZE_MB}. */
  readonly oplogSizeMB?: number;
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
  /** The replica-set side (oplog, change streams, sessions, step-down), when started with a replica set name. */
  readonly replication: ReplicationContext | undefined;
  readonly #journal: FileJournal | undefined;
  readonly #log: (line: string) => void;
  #lsn = 0;
  #timers: NodeJS.Timeout[] = [];
  #compacting: Promise<void> | undefined;
  #closed = false;

  private constructor(journal: FileJournal | undefined, options: EmbeddedEngineOptions) {
    this.#journal = journal;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.replication = options.replicaSet === undefined ? undefined : this.#replicationContext(options.replicaSet, options.oplogSizeMB);
    const oplog = this.replication?.oplog;
    this.catalog = new Catalog(recorder(journal, oplog, (lsn) => {
      this.#lsn = lsn;
    }));
    const ttl = setInterval(() => this.#expire(), options.ttlIntervalMs ?? 1000);
    const reaper = setInterval(() => {
      this.cursors.reap();
      this.replication?.changeStreams.reap();
    }, 60_000);
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
    const oplog = engine.replication?.oplog;
    const current = (db: string, coll: string, id: unknown): Document | undefined => engine.catalog.collection(db, coll)?.getById(id);
    for (const op of recovered) {
      if (op.op === 'oplog') oplog?.restore(op.entry, current);
      else engine.catalog.restore(op);
    }
    return engine;
  }

  #replicationContext(setName: string, oplogSizeMB = DEFAULT_OPLOG_SIZE_MB): ReplicationContext {
    const state = new ReplicaSetState(setName);
    return {
      state,
      oplog: new Oplog({ maxBytes: Math.max(1024, Math.floor(oplogSizeMB * 1024 * 1024)) }),
      changeStreams: new ChangeStreamRegistry(),
      retryableWrites: new RetryableWrites(),
      stepDown: (ms) => state.stepDown(ms),
    };
  }

  /**
   * Runs one command (synchronously: this is what makes single-document writes atomic).
   *
   * @param client - the connection it came on: its id and authentication state.
   * @param connections - the server's connection counts, for serverStatus.
   */
  execute(command: Document, db: string, client: ClientConnection, connections: () => ConnectionStatistics): Document | Promise<Document> {
    if (this.replication !== undefined && command.getMore !== undefined) {
      const stream = this.replication.changeStreams.get(command.getMore);
      if (stream !== undefined) return this.#awaitData(stream, command, db, client, connections);
    }
    return this.#run(command, db, client, connections);
  }

  /**
   * A change stream's getMore (a tailable, awaitData cursor): when no event is ready, waits for writes until
   * `maxTimeMS` (default 1 s, as mongod) has passed, then answers — with an empty batch if nothing came.
   */
  async #awaitData(stream: ChangeStreamCursor, command: Document, db: string, client: ClientConnection, connections: () => ConnectionStatistics): Promise<Document> {
    const replication = this.replication as ReplicationContext;
    const maxTimeMS = typeof command.maxTimeMS === 'number' && command.maxTimeMS > 0 ? command.maxTimeMS : AWAIT_DATA_DEFAULT_MS;
    const deadline = Date.now() + maxTimeMS;
    const lookup = (lookupDb: string, coll: string, id: unknown): Document | null => this.catalog.collection(lookupDb, coll)?.getById(id) ?? null;
    for (;;) {
      let ready: boolean;
      try {
        ready = stream.fill(replication.oplog, lookup);
      } catch {
        break; // the getMore itself reports the error
      }
      const left = deadline - Date.now();
      if (ready || left <= 0 || this.#closed || replication.changeStreams.get(stream.id) === undefined) break;
      await replication.oplog.waitForAppend(left);
    }
    return this.#run(command, db, client, connections);
  }

  #run(command: Document, db: string, client: ClientConnection, connections: () => ConnectionStatistics): Document {
    const server: ServerState = {
      startedAt: this.startedAt,
      opCounters: this.opCounters,
      persistent: this.#journal !== undefined,
      connections,
      journal: () => this.#journal?.statistics,
    };
    return dispatchCommand(
      command,
      { catalog: this.catalog, cursors: this.cursors, db, connectionId: client.id, auth: client.auth, server, replication: this.replication },
      (error, name) => this.#log(`durably-mongo: internal error in '${name}': ${(error as Error).stack ?? String(error)}`),
    );
  }

  /** How many changes were made since the engine opened (a command that moved it wrote something). */
  get changeCount(): number {
    return this.#lsn;
  }

  /**
   * Resolves once every change made so far is on disk; undefined when nothing is pending (memory-only engines,
   * read-only commands). Replies wait for this as the command's write or read concern asks (see
   * `replyWaitsForJournal`), so an acknowledged write survives a crash.
   */
  durable(): Promise<void> | undefined {
    const journal = this.#journal;
    if (journal === undefined || this.#lsn === 0) return undefined;
    const wait = journal.waitDurable(this.#lsn);
    this.compactIfDue();
    return wait;
  }

  /**
   * Starts compacting the journal when it outgrew its threshold (call between commands, never during one). Every
   * command that changed something calls this or {@link EmbeddedEngine.durable}.
   */
  compactIfDue(): void {
    const journal = this.#journal;
    if (journal?.needsCompaction === true && this.#compacting === undefined) {
      // compact() serialises the snapshot before it first yields, so state and journal position agree.
      this.#compacting = journal
        .compact(this.#snapshot())
        .catch((error: unknown) => this.#log(`durably-mongo: compaction failed: ${String(error)}`))
        .finally(() => {
          this.#compacting = undefined;
        });
    }
  }

  /** Stops timers, flushes and closes the journal. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.cursors.clear();
    this.replication?.changeStreams.clear();
    this.replication?.oplog.close();
    await this.#compacting;
    await this.#journal?.close();
  }

  /** The state as snapshot ops: the catalog, then the retained oplog (with its documents). */
  *#snapshot(): Iterable<JournalOp> {
    yield* this.catalog.snapshot();
    const oplog = this.replication?.oplog;
    if (oplog === undefined) return;
    for (const entry of oplog.entries()) yield { op: 'oplog', db: entry.db, entry: entry.toDocument(true) };
  }

  #expire(): void {
    try {
      expireDocuments(this.catalog, new Date());
    } catch (error) {
      this.#log(`durably-mongo: TTL pass failed: ${String(error)}`);
    }
  }
}
