/**
 * Reads the framed records of a journal or snapshot file.
 *
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { readInto } from './journal-file-io.js';
import { FRAME_BYTES, MAX_PAYLOAD_BYTES, MIN_PAYLOAD_BYTES } from './journal-record.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/** How far {@link scanRecords} got. */
export interface RecordScan {
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
export async function scanRecords(handle: FileHandle, onRecord: (payload: Buffer, offset: number) => void): Promise<RecordScan> {
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
