/**
 * The records of the journal and snapshot files: framing, the BSON payload of each op, and the header formats.
 *
 * @module
 */
import { crc32 } from 'node:zlib';
import { deserialize, serialize } from 'bson';
import { PersistenceError } from '../../core/errors/persistence-error.js';
import type { Document } from '../bson/document.js';
import { describeError } from './journal-file-io.js';
import type { JournalOp } from './journal-op.js';

/** Record framing: [uint32 LE payload length][uint32 LE crc32(payload)][payload = one BSON document]. */
export const FRAME_BYTES = 8;
/** The smallest payload: an empty BSON document. */
export const MIN_PAYLOAD_BYTES = 5;
/** Far above a 16 MiB document plus its envelope: a bigger length can only come from a torn or garbage frame. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

// The first record of each file is a header rather than an op; the snapshot also ends with a trailer so that a
// snapshot cut short exactly at a record boundary is detected instead of silently losing its last documents.
/** The `format` of a journal file's header record. */
export const JOURNAL_FORMAT = 'durably-journal-v1';
/** The `format` of a snapshot file's header record. */
export const SNAPSHOT_FORMAT = 'durably-snapshot-v1';
/** The `format` of a snapshot file's trailer record. */
export const SNAPSHOT_END_FORMAT = 'durably-snapshot-end-v1';

// promoteLongs stays false (unlike the wire default) so an Int64 comes back as a Long, not as a number that would
// be re-typed int32/double on the next write. JS numbers are never written as Int64, so they still come back as
// numbers. Binary stays Binary (promoteBuffers false).
const DESERIALIZE_OPTIONS = { promoteValues: true, promoteLongs: false, promoteBuffers: false, bsonRegExp: false };

/** The record document of an op. Every op is stored with a fixed shape, so `del.id` may be any BSON value (it is a field). */
export function toRecordDocument(op: JournalOp): Document {
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
    case 'renameCollection':
      return { op: op.op, db: op.db, coll: op.coll, toDb: op.toDb, toColl: op.toColl };
    case 'oplog':
      return { op: op.op, db: op.db, entry: op.entry };
  }
}

/** The op a record document holds; undefined when it is not one (an unknown `op`, a missing field). */
export function fromRecordDocument(record: Record<string, unknown>): JournalOp | undefined {
  const { op, db, coll } = record;
  if (typeof db !== 'string') return undefined;
  if (op === 'dropDatabase') return { op, db };
  if (op === 'oplog') return isDocument(record.entry) ? { op, db, entry: record.entry } : undefined;
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
    case 'renameCollection':
      return typeof record.toDb === 'string' && typeof record.toColl === 'string'
        ? { op, db, coll, toDb: record.toDb, toColl: record.toColl }
        : undefined;
    default:
      return undefined;
  }
}

/**
 * A framed record of `document`.
 *
 * @throws PersistenceError when the document cannot be serialised.
 */
export function encodeRecord(document: Document): Buffer {
  let payload: Uint8Array;
  try {
    payload = serialize(document);
  } catch (cause) {
    throw new PersistenceError(`cannot serialise a journal record: ${describeError(cause)}`, { cause });
  }
  const record = Buffer.allocUnsafe(FRAME_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  record.set(payload, FRAME_BYTES);
  return record;
}

/** The document of a CRC-valid record payload. */
export function decodePayload(payload: Buffer): Record<string, unknown> {
  // Copied out of the read chunk: deserialised Binary values are views on their input buffer and would otherwise pin
  // a whole chunk each for the lifetime of the document.
  return deserialize(Buffer.from(payload), DESERIALIZE_OPTIONS);
}

/** True for a valid LSN: a safe non-negative integer. */
export function isLsn(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
