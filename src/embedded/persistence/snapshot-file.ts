/**
 * The snapshot file: the full state as of one LSN, framed like the journal and closed by a trailer.
 *
 * @module
 */
import { open, rename, rm } from 'node:fs/promises';
import { PersistenceError } from '../../core/errors/persistence-error.js';
import { describeError, fsyncDir, openIfExists, tmpPath, writeBuffers } from './journal-file-io.js';
import type { JournalOp } from './journal-op.js';
import { decodePayload, encodeRecord, fromRecordDocument, isLsn, SNAPSHOT_END_FORMAT, SNAPSHOT_FORMAT, toRecordDocument } from './journal-record.js';
import { scanRecords } from './scan-records.js';

/** A snapshot as read back. */
export interface Snapshot {
  readonly lsn: number;
  readonly ops: JournalOp[];
  readonly bytes: number;
}

/**
 * Reads the snapshot at `file` (an empty one at LSN 0 when there is none).
 *
 * @throws PersistenceError when it is corrupt or truncated.
 */
export async function readSnapshot(file: string): Promise<Snapshot> {
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

/** The records of a snapshot of `state` at `lsn`, header and trailer included. */
export function encodeSnapshot(state: Iterable<JournalOp>, lsn: number): Buffer[] {
  const chunks = [encodeRecord({ format: SNAPSHOT_FORMAT, lsn })];
  let count = 0;
  for (const op of state) {
    chunks.push(encodeRecord(toRecordDocument(op)));
    count++;
  }
  chunks.push(encodeRecord({ format: SNAPSHOT_END_FORMAT, count }));
  return chunks;
}

/**
 * Writes `image` as the snapshot at `file` in the folder `dir`: to a temporary file, synced, then renamed into place,
 * and the rename made durable. A crash before the rename leaves the old snapshot (the temporary file is deleted at the
 * next open).
 *
 * @throws PersistenceError when it cannot be written (the temporary file is removed; the old snapshot stays).
 */
export async function writeSnapshotFile(dir: string, file: string, image: readonly Buffer[]): Promise<void> {
  const snapshotTmp = tmpPath(file);
  try {
    const handle = await open(snapshotTmp, 'w');
    try {
      await writeBuffers(handle, image);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(snapshotTmp, file);
    await fsyncDir(dir);
  } catch (cause) {
    await rm(snapshotTmp, { force: true }).catch(() => undefined);
    throw new PersistenceError(`cannot write the snapshot ${file}: ${describeError(cause)}`, { cause });
  }
}
