import { mkdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { PersistenceError } from '../../core/errors/persistence-error.js';
import { DbPathLock } from './db-path-lock.js';
import { describeError, fsyncDir, readRange, tmpPath, writeFully, writeFullySync } from './journal-file-io.js';
import type { JournalOp } from './journal-op.js';
import { encodeRecord, toRecordDocument } from './journal-record.js';
import type { JournalStatistics } from './journal-statistics.js';
import { createJournalFile, recoverJournal } from './recover-journal.js';
import { encodeSnapshot, readSnapshot, writeSnapshotFile } from './snapshot-file.js';

/** The journal file inside a `dbPath`: every op since the snapshot, appended in LSN order. */
export const JOURNAL_FILE_NAME = 'durably-mongo.journal';
/** The snapshot file inside a `dbPath`: the full state as of one LSN. */
export const SNAPSHOT_FILE_NAME = 'durably-mongo.snapshot';

/** Options of {@link FileJournal.open}. */
export interface FileJournalOptions {
  /** Receives one-line warnings (e.g. a torn journal tail was discarded). Defaults to `console.warn`. */
  readonly log?: (message: string) => void;
  /** {@link FileJournal.needsCompaction} stays false while the journal is at most this big. Default 64 MiB. */
  readonly compactionMinBytes?: number;
  /** {@link FileJournal.needsCompaction} stays false while the journal is at most this many snapshots big. Default 2. */
  readonly compactionSnapshotFactor?: number;
}

/** What {@link FileJournal.open} hands back. */
export interface OpenedJournal {
  readonly journal: FileJournal;
  /** The snapshot's ops followed by the journal's, in the order they must be replayed. */
  readonly recovered: JournalOp[];
}

// A group-commit batch up to this size is written synchronously: a write into the page cache takes microseconds, and
// doing it on the event loop saves a round trip through libuv's thread pool before the fdatasync (write + fdatasync of
// a small record: ~0.26 -> ~0.20 ms here). Bigger batches are written asynchronously, never blocking the loop long.
const SYNC_WRITE_MAX_BYTES = 256 * 1024;
const DEFAULT_COMPACTION_MIN_BYTES = 64 * 1024 * 1024;
const DEFAULT_COMPACTION_SNAPSHOT_FACTOR = 2;

interface Waiter {
  readonly lsn: number;
  readonly resolve: () => void;
  readonly reject: (error: PersistenceError) => void;
}

interface FileJournalInit {
  readonly dir: string;
  readonly lock: DbPathLock;
  readonly compactionMinBytes: number;
  readonly compactionSnapshotFactor: number;
  readonly handle: FileHandle;
  readonly journalBytes: number;
  readonly snapshotBytes: number;
  readonly lsn: number;
}

/**
 * The durable log of the embedded engine: an append-only journal with group commit, compacted into a snapshot.
 *
 * Every record carries an implicit LSN (log sequence number): the journal header names the LSN just before its first
 * record, and the snapshot names the LSN it includes. LSNs keep increasing across restarts and compactions.
 *
 * @example
 * ```ts
 * const { journal, recovered } = await FileJournal.open('/data/db');
 * for (const op of recovered) storage.apply(op);
 * // per write command: mutate memory, then
 * await journal.waitDurable(journal.append([{ op: 'put', db: 'app', coll: 'users', doc }]));
 * if (journal.needsCompaction) await journal.compact(storage.dumpAsOps());
 * await journal.close();
 * ```
 */
export class FileJournal {
  readonly #dir: string;
  readonly #journalPath: string;
  readonly #snapshotPath: string;
  readonly #lock: DbPathLock;
  readonly #compactionMinBytes: number;
  readonly #compactionSnapshotFactor: number;
  #handle: FileHandle;
  /** Bytes of the journal file written so far (fsynced or in flight). New records go at this offset. */
  #journalBytes: number;
  #snapshotBytes: number;
  /** Encoded records appended but not yet handed to the file. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** LSN of the last appended record. */
  #lsn: number;
  /** Every record up to this LSN is written and fdatasynced. */
  #durableLsn: number;
  #waiters: Waiter[] = [];
  #flushing: Promise<void> | undefined;
  /** Set while compaction swaps the journal file: appends keep buffering but nothing is written. */
  #paused = false;
  #failure: PersistenceError | undefined;
  #compaction: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stats = { records: 0, writes: 0, bytesWritten: 0, syncs: 0, syncMicros: 0 };

  private constructor(init: FileJournalInit) {
    this.#dir = init.dir;
    this.#journalPath = path.join(init.dir, JOURNAL_FILE_NAME);
    this.#snapshotPath = path.join(init.dir, SNAPSHOT_FILE_NAME);
    this.#lock = init.lock;
    this.#compactionMinBytes = init.compactionMinBytes;
    this.#compactionSnapshotFactor = init.compactionSnapshotFactor;
    this.#handle = init.handle;
    this.#journalBytes = init.journalBytes;
    this.#snapshotBytes = init.snapshotBytes;
    this.#lsn = init.lsn;
    this.#durableLsn = init.lsn;
  }

  /**
   * Locks `dbPath` (creating it if missing), reads the snapshot then the journal, and returns every op to replay.
   *
   * A torn or corrupt journal tail (partial record, CRC mismatch) is cut off with a warning: every record before it
   * is kept. A leftover from a compaction interrupted by a crash is finished.
   *
   * @throws PersistenceError when the folder is locked by a live process, the snapshot is corrupt, or the journal
   * does not continue the snapshot.
   */
  static async open(dbPath: string, options: FileJournalOptions = {}): Promise<OpenedJournal> {
    const dir = path.resolve(dbPath);
    try {
      await mkdir(dir, { recursive: true });
    } catch (cause) {
      throw new PersistenceError(`cannot create dbPath ${dir}: ${describeError(cause)}`, { cause });
    }
    const lock = await DbPathLock.acquire(dir);
    try {
      const log = options.log ?? ((message: string) => console.warn(message));
      const journalPath = path.join(dir, JOURNAL_FILE_NAME);
      const snapshotPath = path.join(dir, SNAPSHOT_FILE_NAME);
      // A crash during compaction can leave these; they were never renamed into place, so they hold nothing needed.
      await rm(tmpPath(journalPath), { force: true });
      await rm(tmpPath(snapshotPath), { force: true });

      const snapshot = await readSnapshot(snapshotPath);
      const journal = await recoverJournal(journalPath, snapshot.lsn, log);
      const recovered = snapshot.ops;
      for (const op of journal.ops) recovered.push(op);
      const instance = new FileJournal({
        dir,
        lock,
        compactionMinBytes: options.compactionMinBytes ?? DEFAULT_COMPACTION_MIN_BYTES,
        compactionSnapshotFactor: options.compactionSnapshotFactor ?? DEFAULT_COMPACTION_SNAPSHOT_FACTOR,
        handle: journal.handle,
        journalBytes: journal.size,
        snapshotBytes: snapshot.bytes,
        lsn: snapshot.lsn + journal.ops.length,
      });
      return { journal: instance, recovered };
    } catch (error) {
      await lock.release();
      throw wrap(error, `cannot open the journal in ${dir}`);
    }
  }

  /** LSN of the last appended record (0 for a brand-new dbPath). */
  get lastLsn(): number {
    return this.#lsn;
  }

  /** Every record up to this LSN is on disk and fdatasynced. */
  get durableLsn(): number {
    return this.#durableLsn;
  }

  /** Counters since the journal was opened. */
  get statistics(): JournalStatistics {
    return { ...this.#stats };
  }

  /** True once the journal outgrew max(`compactionMinBytes`, `compactionSnapshotFactor` × snapshot size). */
  get needsCompaction(): boolean {
    if (this.#compaction !== undefined || this.#failure !== undefined || this.#closing !== undefined) return false;
    const threshold = Math.max(this.#compactionMinBytes, this.#compactionSnapshotFactor * this.#snapshotBytes);
    return this.#journalBytes + this.#pendingBytes > threshold;
  }

  /**
   * Buffers `ops` (one record each, in order) and returns the LSN of the last one; a write to disk is scheduled.
   * Nothing is durable until {@link FileJournal.waitDurable} resolves for that LSN.
   *
   * All or nothing: if one op cannot be serialised, none is appended.
   *
   * @throws PersistenceError when an op cannot be serialised, or the journal is closed or failed.
   */
  append(ops: readonly JournalOp[]): number {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closing !== undefined) throw new PersistenceError(`journal ${this.#journalPath} is closed`);
    const records = ops.map((op) => encodeRecord(toRecordDocument(op)));
    for (const record of records) {
      this.#pending.push(record);
      this.#pendingBytes += record.length;
    }
    this.#lsn += records.length;
    this.#stats.records += records.length;
    this.#kick();
    return this.#lsn;
  }

  /**
   * Resolves once every record up to `lsn` is written and fdatasynced. Appends made while a sync is in flight share
   * the next single write + fdatasync (group commit).
   *
   * @throws PersistenceError (as a rejection) when a write or sync failed: the journal is then failed for good.
   */
  waitDurable(lsn: number): Promise<void> {
    if (lsn <= this.#durableLsn) return Promise.resolve();
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (lsn > this.#lsn) {
      return Promise.reject(new PersistenceError(`LSN ${lsn} was never appended (last is ${this.#lsn})`));
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ lsn, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Replaces the snapshot with `state` and drops the journal records it covers.
   *
   * Contract: `state` must express the complete state produced by every op appended before this call (as
   * `createCollection` / `createIndex` / `put` ops). It is iterated and serialised synchronously, before this
   * method first yields, so the caller may keep appending (and mutating its documents) as soon as `compact` has
   * returned its promise: records appended from then on survive the compaction. One compaction at a time.
   *
   * @throws PersistenceError when a compaction is already running, the journal is closed or failed, or the snapshot
   * cannot be written (the previous snapshot and journal then stay in use, untouched).
   */
  async compact(state: Iterable<JournalOp>): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closing !== undefined) throw new PersistenceError(`journal ${this.#journalPath} is closed`);
    if (this.#compaction !== undefined) throw new PersistenceError('a compaction is already running');
    const cutLsn = this.#lsn;
    // Records after cutLsn start at this journal offset: pending records are written in order at the end.
    const cutOffset = this.#journalBytes + this.#pendingBytes;
    const image = encodeSnapshot(state, cutLsn);
    const run = this.#compact(image, cutLsn, cutOffset);
    this.#compaction = run;
    try {
      await run;
    } catch (error) {
      throw wrap(error, `compaction of ${this.#dir} failed`);
    } finally {
      this.#compaction = undefined;
    }
  }

  /**
   * Writes out and fsyncs everything appended, closes the files and releases the `dbPath` lock. Safe to call twice.
   *
   * @throws PersistenceError when the journal failed (the files are closed and the lock released anyway).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      await this.#compaction?.catch(() => undefined);
      if (this.#failure === undefined) await this.waitDurable(this.#lsn);
      await this.#flushing;
      if (this.#failure !== undefined) throw this.#failure;
    } finally {
      await this.#handle.close().catch(() => undefined);
      await this.#lock.release();
    }
  }

  /** Starts the flush loop unless it runs already (it then picks up the new records itself). */
  #kick(): void {
    if (this.#flushing !== undefined || this.#paused || this.#failure !== undefined) return;
    if (this.#pendingBytes === 0) return;
    this.#flushing = this.#flushLoop();
  }

  async #flushLoop(): Promise<void> {
    try {
      // Group commit. The sync starts at the end of the event-loop turn, not at the first append: every command run
      // in this turn (e.g. writes that arrived on several sockets read in the same poll phase) joins the same write
      // and fdatasync instead of the first one syncing alone and the others waiting for a second sync. A lone write
      // pays one setImmediate (microseconds) for it. Records appended while a sync is in flight form the next batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#pendingBytes > 0 && !this.#paused && this.#failure === undefined) {
        const batch = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
        // Every appended record is either durable already or in `pending`, so the batch ends exactly at #lsn.
        const batchLsn = this.#lsn;
        this.#pending = [];
        this.#pendingBytes = 0;
        if (batch.length <= SYNC_WRITE_MAX_BYTES) writeFullySync(this.#handle, batch, this.#journalBytes);
        else await writeFully(this.#handle, batch, this.#journalBytes);
        this.#journalBytes += batch.length;
        this.#stats.writes++;
        this.#stats.bytesWritten += batch.length;
        const syncStart = process.hrtime.bigint();
        await this.#handle.datasync();
        this.#countSync(syncStart);
        this.#durableLsn = batchLsn;
        this.#settleWaiters();
      }
    } catch (cause) {
      this.#fail(cause);
    } finally {
      this.#flushing = undefined;
    }
  }

  #countSync(start: bigint): void {
    this.#stats.syncs++;
    this.#stats.syncMicros += Number(process.hrtime.bigint() - start) / 1000;
  }

  #settleWaiters(): void {
    const durable = this.#durableLsn;
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.lsn <= durable) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }

  #fail(cause: unknown): void {
    if (this.#failure !== undefined) return;
    // The file may now hold a partial batch, or data the kernel failed to persist: no later write may be
    // acknowledged on top of it. The next open truncates any torn tail.
    this.#failure = new PersistenceError(
      `journal ${this.#journalPath} could not be written (${describeError(cause)}); writes can no longer be made durable`,
      { cause },
    );
    this.#pending = [];
    this.#pendingBytes = 0;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(this.#failure);
  }

  async #compact(image: Buffer[], cutLsn: number, cutOffset: number): Promise<void> {
    // The journal must hold every record the snapshot covers before the snapshot replaces the old one: then at any
    // crash point the journal's last LSN is >= the snapshot's, and recovery never sees a gap.
    await this.waitDurable(cutLsn);

    // Phase 1: new snapshot. A crash before the rename leaves the old snapshot + the full journal (the temp file is
    // deleted at open). Directory fsync makes the rename durable before phase 2 can make the journal depend on it.
    await writeSnapshotFile(this.#dir, this.#snapshotPath, image);
    this.#snapshotBytes = image.reduce((sum, chunk) => sum + chunk.length, 0);

    // Phase 2: restart the journal at cutLsn, keeping the records appended since the cut. A crash before the rename
    // leaves the new snapshot (LSN cutLsn) + the old journal: recovery numbers the journal's records from its header
    // and skips those <= cutLsn, so each op is applied exactly once. (Re-applying them would converge anyway, since
    // put/del are idempotent post-images, but the intermediate states could violate unique indexes during replay.)
    this.#paused = true;
    try {
      await this.#flushing;
      if (this.#failure !== undefined) throw this.#failure;
      const tail = await readRange(this.#handle, cutOffset, this.#journalBytes);
      const journalTmp = tmpPath(this.#journalPath);
      const syncStart = process.hrtime.bigint();
      const fresh = await createJournalFile(journalTmp, cutLsn, tail);
      this.#countSync(syncStart);
      try {
        await rename(journalTmp, this.#journalPath);
      } catch (cause) {
        // The old journal is still in place and complete: keep using it.
        await fresh.handle.close().catch(() => undefined);
        await rm(journalTmp, { force: true }).catch(() => undefined);
        throw new PersistenceError(`cannot replace the journal ${this.#journalPath}: ${describeError(cause)}`, { cause });
      }
      const old = this.#handle;
      this.#handle = fresh.handle;
      this.#journalBytes = fresh.size;
      await old.close().catch(() => undefined);
      try {
        await fsyncDir(this.#dir);
      } catch (cause) {
        // Until the rename is durable, records written to the new file could vanish with it after a power loss.
        this.#fail(cause);
        throw this.#failure ?? cause;
      }
    } finally {
      this.#paused = false;
      this.#kick();
    }
  }
}

function wrap(error: unknown, context: string): PersistenceError {
  if (error instanceof PersistenceError) return error;
  return new PersistenceError(`${context}: ${describeError(error)}`, { cause: error });
}
