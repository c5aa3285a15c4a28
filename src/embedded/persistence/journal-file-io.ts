/**
 * File reads, writes and syncs of the journal and snapshot files.
 *
 * @module
 */
import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PersistenceError } from '../../core/errors/persistence-error.js';

const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;

/** Fills `buffer` from `from` on, reading the file at `position`; returns the bytes read (short at end of file). */
export async function readInto(handle: FileHandle, buffer: Buffer, from: number, position: number): Promise<number> {
  let filled = from;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled - from);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled - from;
}

/**
 * The bytes of the file from `start` to `end`.
 *
 * @throws PersistenceError when the file is shorter.
 */
export async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(end - start);
  const read = await readInto(handle, buffer, 0, start);
  if (read !== buffer.length) throw new PersistenceError(`journal shorter than expected (${start + read} < ${end})`);
  return buffer;
}

/** Writes all of `buffer` at `position`, synchronously (see the journal's group commit for why). */
export function writeFullySync(handle: FileHandle, buffer: Buffer, position: number): void {
  let written = 0;
  while (written < buffer.length) {
    written += writeSync(handle.fd, buffer, written, buffer.length - written, position + written);
  }
}

/** Writes all of `buffer` at `position`. */
export async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
}

/** Writes `chunks` back to back from offset 0, coalescing small records into large writes. */
export async function writeBuffers(handle: FileHandle, chunks: readonly Buffer[]): Promise<void> {
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
export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Opens `file`, or returns undefined when it does not exist. */
export async function openIfExists(file: string, flags: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, flags);
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The temporary file `file` is written as before it is renamed into place. */
export function tmpPath(file: string): string {
  return `${file}.tmp`;
}

/** An error's message, or the thrown value as text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
