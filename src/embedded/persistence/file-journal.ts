import { writeSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { deserialize, serialize } from 'bson';
import type { Document } from '../bson/document.js';
import { DbPathLock } from './db-path-lock.js';
import type { JournalOp } from './journal-op.js';
import { PersistenceError } from '../../core/errors/persistence-error.js';

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

/** Counters of one open journal since it was opened (what `serverStatus` reports as `wiredTiger.log`). */
export interface JournalStatistics {
  /** Records appended. */
  readonly records: number;
  /** Group-commit writes to the journal file (one per batch of records). */
  readonly writes: number;
  /** Bytes written to the journal file by group commits. */
  readonly bytesWritten: number;
  /** fdatasync / fsync calls on the journal file: one per group commit, plus one per compaction. */
  readonly syncs: number;
  /** Time spent in those syncs, in microseconds. */
  readonly syncMicros: number;
}

/** What {@link FileJournal.open} hands back. */
export interface OpenedJournal {
  readonly journal: FileJournal;
  /** The snapshot's ops followed by the journal's, in the order they must be replayed. */
  readonly recovered: JournalOp[];
}

// Record framing: [uint32 LE payload length][uint32 LE crc32(payload)][payload = one BSON document].
const FRAME_BYTES = 8;
const MIN_PAYLOAD_BYTES = 5;
// A group-commit batch up to this size is written synchronously: a write into the page cache takes microseconds, and
// doing it on the event loop saves a round trip through libuv's thread pool before the fdatasync (write + fdatasync of
// a small record: ~0.26 -> ~0.20 ms here). Bigger batches are written asynchronously, never blocking the loop long.
const SYNC_WRITE_MAX_BYTES = 256 * 1024;
// Far above a 16 MiB document plus its envelope: a bigger length can only come from a torn or garbage frame.
const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;
const DEFAULT_COMPACTION_MIN_BYTES = 64 * 1024 * 1024;
const DEFAULT_COMPACTION_SNAPSHOT_FACTOR = 2;

// The first record of each file is a header rather than an op; the snapshot also ends with a trailer so that a
// snapshot cut short exactly at a record boundary is detected instead of silently losing its last documents.
const JOURNAL_FORMAT = 'durably-journal-v1';
const SNAPSHOT_FORMAT = 'durably-snapshot-v1';
const SNAPSHOT_END_FORMAT = 'durably-snapshot-end-v1';

// promoteLongs stays false (unlike the wire default) so an Int64 comes back as a Long, not as a number that would
// be re-typed int32/double on the next write. JS numbers are never written as Int64, so they still come back as
// numbers. Binary stays Binary (promoteBuffers false).
const DESERIALIZE_OPTIONS = { promoteValues: true, promoteLongs: false, promoteBuffers: false, bsonRegExp: false };

interface Waiter {
  readonly lsn: number;
  readonly resolve: () => void;
  readonly reject: (error: PersistenceError) => void;
}

interface JournalFileState {
  readonly handle: FileHandle;
  readonly size: number;
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
      throw new PersistenceError(`cannot create dbPath ${dir}: ${describe(cause)}`, { cause });
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
      `journal ${this.#journalPath} could not be written (${describe(cause)}); writes can no longer be made durable`,
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
    const snapshotTmp = tmpPath(this.#snapshotPath);
    try {
      const file = await open(snapshotTmp, 'w');
      try {
        await writeBuffers(file, image);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(snapshotTmp, this.#snapshotPath);
      await fsyncDir(this.#dir);
    } catch (cause) {
      await rm(snapshotTmp, { force: true }).catch(() => undefined);
      throw new PersistenceError(`cannot write the snapshot ${this.#snapshotPath}: ${describe(cause)}`, { cause });
    }
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
        throw new PersistenceError(`cannot replace the journal ${this.#journalPath}: ${describe(cause)}`, { cause });
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

interface Snapshot {
  readonly lsn: number;
  readonly ops: JournalOp[];
  readonly bytes: number;
}

async function readSnapshot(file: string): Promise<Snapshot> {
  const handle = await openIfExists(file, 'r');
  if (handle === undefined) return { lsn: 0, ops: [], bytes: 0 };
  const corrupt = (reason: string, cause?: unknown): PersistenceError =>
    new PersistenceError(
      `snapshot ${file} is corrupt (${reason}); refusing to start: restore the dbPath from a backup or delete it`,
      { cause },
    );
  try {
    let lsn: number | undefined;
    let ended = false;
    const ops: JournalOp[] = [];
    const scan = await scanRecords(handle, (payload, offset) => {
      let record: Record<string, unknown>;
      try {
        record = decodePayload(payload);
      } catch (cause) {
        throw corrupt(`undecodable record at byte ${offset}`, cause);
      }
      if (ended) throw corrupt(`data after the end marker at byte ${offset}`);
      if (lsn === undefined) {
        if (record.format !== SNAPSHOT_FORMAT || !isLsn(record.lsn)) throw corrupt('missing header');
        lsn = record.lsn;
      } else if (record.format === SNAPSHOT_END_FORMAT) {
        if (record.count !== ops.length) throw corrupt(`end marker counts ${String(record.count)}, read ${ops.length}`);
        ended = true;
      } else {
        const op = fromRecordDocument(record);
        if (op === undefined) throw corrupt(`unknown record at byte ${offset}`);
        ops.push(op);
      }
    });
    if (scan.problem !== undefined) throw corrupt(`${scan.problem} at byte ${scan.validEnd}`);
    if (lsn === undefined || !ended) throw corrupt('truncated: no end marker');
    return { lsn, ops, bytes: scan.size };
  } finally {
    await handle.close();
  }
}

interface RecoveredJournal extends JournalFileState {
  readonly ops: JournalOp[];
}

async function recoverJournal(
  file: string,
  snapshotLsn: number,
  log: (message: string) => void,
): Promise<RecoveredJournal> {
  const handle = await openIfExists(file, 'r+');
  if (handle === undefined) {
    return { ...(await replaceJournalFile(file, snapshotLsn, Buffer.alloc(0))), ops: [] };
  }
  let keepHandle = false;
  try {
    let baseLsn: number | undefined;
    let count = 0;
    let firstKeptOffset: number | undefined;
    const ops: JournalOp[] = [];
    const scan = await scanRecords(handle, (payload, offset) => {
      // A record whose CRC matches was written whole by us: failing to decode it is a format problem, not a torn
      // write, so it must stop start-up rather than silently drop data.
      let record: Record<string, unknown>;
      try {
        record = decodePayload(payload);
      } catch (cause) {
        throw new PersistenceError(`journal ${file}: undecodable record at byte ${offset}`, { cause });
      }
      if (baseLsn === undefined) {
        if (record.format !== JOURNAL_FORMAT || !isLsn(record.baseLsn)) {
          throw new PersistenceError(`journal ${file} has no valid header: it is not a durably journal`);
        }
        baseLsn = record.baseLsn;
        return;
      }
      const op = fromRecordDocument(record);
      if (op === undefined) throw new PersistenceError(`journal ${file}: unknown record at byte ${offset}`);
      count++;
      // Covered by the snapshot: a compaction was interrupted between its two renames.
      if (baseLsn + count <= snapshotLsn) return;
      firstKeptOffset ??= offset;
      ops.push(op);
    });
    if (scan.problem !== undefined) {
      log(
        `durably: journal ${file}: ${scan.problem} at byte ${scan.validEnd}; ` +
          `discarding the last ${scan.size - scan.validEnd} bytes (writes interrupted by a crash)`,
      );
      await handle.truncate(scan.validEnd);
      await handle.datasync();
    }
    if (baseLsn !== undefined && baseLsn > snapshotLsn) {
      throw new PersistenceError(
        `journal ${file} starts after LSN ${baseLsn} but the snapshot ends at LSN ${snapshotLsn}: records are missing`,
      );
    }
    if (baseLsn === snapshotLsn) {
      keepHandle = true;
      return { handle, size: scan.validEnd, ops };
    }
    // No header (a crash while creating the file) or records the snapshot covers: restart the journal at the
    // snapshot, with only the records after it, so LSNs stay contiguous for the next append.
    const tail =
      firstKeptOffset === undefined ? Buffer.alloc(0) : await readRange(handle, firstKeptOffset, scan.validEnd);
    return { ...(await replaceJournalFile(file, snapshotLsn, tail)), ops };
  } finally {
    if (!keepHandle) await handle.close();
  }
}

/** Atomically replaces (or creates) the journal file with a header at `baseLsn` followed by `tail`. */
async function replaceJournalFile(file: string, baseLsn: number, tail: Buffer): Promise<JournalFileState> {
  const tmp = tmpPath(file);
  const fresh = await createJournalFile(tmp, baseLsn, tail);
  try {
    await rename(tmp, file);
    await fsyncDir(path.dirname(file));
    return fresh;
  } catch (error) {
    await fresh.handle.close();
    throw error;
  }
}

/** Writes and fsyncs a journal file at `file`; the handle stays open (read/write) and follows a later rename. */
async function createJournalFile(file: string, baseLsn: number, tail: Buffer): Promise<JournalFileState> {
  const handle = await open(file, 'w+');
  try {
    const content = Buffer.concat([encodeRecord({ format: JOURNAL_FORMAT, baseLsn }), tail]);
    await writeFully(handle, content, 0);
    await handle.sync();
    return { handle, size: content.length };
  } catch (error) {
    await handle.close();
    await rm(file, { force: true });
    throw error;
  }
}

function encodeSnapshot(state: Iterable<JournalOp>, lsn: number): Buffer[] {
  const chunks = [encodeRecord({ format: SNAPSHOT_FORMAT, lsn })];
  let count = 0;
  for (const op of state) {
    chunks.push(encodeRecord(toRecordDocument(op)));
    count++;
  }
  chunks.push(encodeRecord({ format: SNAPSHOT_END_FORMAT, count }));
  return chunks;
}

// Every op is stored as a document with a fixed shape, so `del.id` may be any BSON value (it is a field).
function toRecordDocument(op: JournalOp): Document {
  switch (op.op) {
    case 'put':
      return { op: op.op, db: op.db, coll: op.coll, doc: op.doc };
    case 'del':
      return { op: op.op, db: op.db, coll: op.coll, id: op.id };
    case 'createCollection':
      return { op: op.op, db: op.db, coll: op.coll, options: op.options };
    case 'dropCollection':
      return { op: op.op, db: op.db, coll: op.coll };
    case 'createIndex':
      return { op: op.op, db: op.db, coll: op.coll, spec: op.spec };
    case 'dropIndex':
      return { op: op.op, db: op.db, coll: op.coll, name: op.name };
    case 'dropDatabase':
      return { op: op.op, db: op.db };
  }
}

function fromRecordDocument(record: Record<string, unknown>): JournalOp | undefined {
  const { op, db, coll } = record;
  if (typeof db !== 'string') return undefined;
  if (op === 'dropDatabase') return { op, db };
  if (typeof coll !== 'string') return undefined;
  switch (op) {
    case 'put':
      return isDocument(record.doc) ? { op, db, coll, doc: record.doc } : undefined;
    case 'del':
      return { op, db, coll, id: record.id };
    case 'createCollection':
      return isDocument(record.options) ? { op, db, coll, options: record.options } : undefined;
    case 'dropCollection':
      return { op, db, coll };
    case 'createIndex':
      return isDocument(record.spec) ? { op, db, coll, spec: record.spec } : undefined;
    case 'dropIndex':
      return typeof record.name === 'string' ? { op, db, coll, name: record.name } : undefined;
    default:
      return undefined;
  }
}

function encodeRecord(document: Document): Buffer {
  let payload: Uint8Array;
  try {
    payload = serialize(document);
  } catch (cause) {
    throw new PersistenceError(`cannot serialise a journal record: ${describe(cause)}`, { cause });
  }
  const record = Buffer.allocUnsafe(FRAME_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  record.set(payload, FRAME_BYTES);
  return record;
}

function decodePayload(payload: Buffer): Record<string, unknown> {
  // Copied out of the read chunk: deserialised Binary values are views on their input buffer and would otherwise pin
  // a whole chunk each for the lifetime of the document.
  return deserialize(Buffer.from(payload), DESERIALIZE_OPTIONS);
}

interface Scan {
  /** File size when the scan started. */
  readonly size: number;
  /** Offset just after the last whole, CRC-valid record. */
  readonly validEnd: number;
  /** Why the scan stopped before `size`, if it did. */
  readonly problem?: string;
}

/**
 * Calls `onRecord` with each framed, CRC-valid payload in order, reading the file in chunks. Stops at the first
 * frame that is incomplete, has an impossible length, or fails its CRC.
 */
async function scanRecords(handle: FileHandle, onRecord: (payload: Buffer, offset: number) => void): Promise<Scan> {
  const { size } = await handle.stat();
  let chunk = Buffer.alloc(0);
  let chunkStart = 0;
  let offset = 0;
  // Makes `chunk` cover [offset, offset + length); false at end of file.
  const cover = async (length: number): Promise<boolean> => {
    if (offset + length <= chunkStart + chunk.length) return true;
    if (offset + length > size) return false;
    const next = Buffer.allocUnsafe(Math.min(Math.max(length, READ_CHUNK_BYTES), size - offset));
    const kept = chunk.copy(next, 0, offset - chunkStart);
    const read = await readInto(handle, next, kept, offset + kept);
    chunk = next.subarray(0, kept + read);
    chunkStart = offset;
    return offset + length <= chunkStart + chunk.length;
  };
  while (offset < size) {
    if (!(await cover(FRAME_BYTES))) return { size, validEnd: offset, problem: 'partial record header' };
    const length = chunk.readUInt32LE(offset - chunkStart);
    const checksum = chunk.readUInt32LE(offset - chunkStart + 4);
    if (length < MIN_PAYLOAD_BYTES || length > MAX_PAYLOAD_BYTES) {
      return { size, validEnd: offset, problem: `impossible record length ${length}` };
    }
    if (!(await cover(FRAME_BYTES + length))) return { size, validEnd: offset, problem: 'partial record' };
    const start = offset - chunkStart + FRAME_BYTES;
    const payload = chunk.subarray(start, start + length);
    if (crc32(payload) !== checksum) return { size, validEnd: offset, problem: 'CRC mismatch' };
    onRecord(payload, offset);
    offset += FRAME_BYTES + length;
  }
  return { size, validEnd: offset };
}

/** Fills `buffer` from `from` on, reading the file at `position`; returns the bytes read (short at end of file). */
async function readInto(handle: FileHandle, buffer: Buffer, from: number, position: number): Promise<number> {
  let filled = from;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled - from);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled - from;
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(end - start);
  const read = await readInto(handle, buffer, 0, start);
  if (read !== buffer.length) throw new PersistenceError(`journal shorter than expected (${start + read} < ${end})`);
  return buffer;
}

function writeFullySync(handle: FileHandle, buffer: Buffer, position: number): void {
  let written = 0;
  while (written < buffer.length) {
    written += writeSync(handle.fd, buffer, written, buffer.length - written, position + written);
  }
}

async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
}

/** Writes `chunks` back to back from offset 0, coalescing small records into large writes. */
async function writeBuffers(handle: FileHandle, chunks: readonly Buffer[]): Promise<void> {
  let position = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batchBytes === 0) return;
    await writeFully(handle, batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes), position);
    position += batchBytes;
    batch = [];
    batchBytes = 0;
  };
  for (const chunk of chunks) {
    batch.push(chunk);
    batchBytes += chunk.length;
    if (batchBytes >= WRITE_CHUNK_BYTES) await flush();
  }
  await flush();
}

/** Makes a rename or file creation in `dir` durable. */
async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function openIfExists(file: string, flags: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, flags);
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

function tmpPath(file: string): string {
  return `${file}.tmp`;
}

function isLsn(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wrap(error: unknown, context: string): PersistenceError {
  if (error instanceof PersistenceError) return error;
  return new PersistenceError(`${context}: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
