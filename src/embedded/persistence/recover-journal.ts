/**
 * Opening the journal file at start-up: its records after the snapshot, a torn tail cut off.
 *
 * @module
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { PersistenceError } from '../../core/errors/persistence-error.js';
import { fsyncDir, openIfExists, readRange, tmpPath, writeFully } from './journal-file-io.js';
import type { JournalOp } from './journal-op.js';
import { decodePayload, encodeRecord, fromRecordDocument, isLsn, JOURNAL_FORMAT } from './journal-record.js';
import { scanRecords } from './scan-records.js';

/** An open journal file and its size. */
export interface JournalFileState {
  readonly handle: FileHandle;
  readonly size: number;
}

/** The journal file after recovery, with the ops to replay after the snapshot's. */
export interface RecoveredJournal extends JournalFileState {
  readonly ops: JournalOp[];
}

/**
 * Opens (or creates) the journal at `file` for appending and reads the ops after `snapshotLsn`. A torn or corrupt
 * tail is cut off (with a line to `log`); a journal that starts before the snapshot is restarted at it.
 *
 * @throws PersistenceError when a whole record cannot be decoded, the header is invalid, or records are missing
 *   between the snapshot and the journal.
 */
export async function recoverJournal(
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
export async function createJournalFile(file: string, baseLsn: number, tail: Buffer): Promise<JournalFileState> {
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
