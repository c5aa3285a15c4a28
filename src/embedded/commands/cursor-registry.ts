import { Long } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import { documentSizeBound } from '../bson/document-size.js';
import type { Document } from '../bson/document.js';

/** Default first-batch size of find and aggregate, as in mongod. */
export const DEFAULT_BATCH_SIZE = 101;
// A reply carries at most this much document data, so it fits under maxMessageSizeBytes with its envelope.
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Idle cursors are reaped after this long, as mongod's cursorTimeoutMillis. */
export const CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  readonly namespace: string;
  readonly docs: Document[];
  position: number;
  lastUsed: number;
}

/** A batch of results plus the cursor id to continue from (0 when exhausted). */
export interface CursorBatch {
  readonly id: Long;
  readonly ns: string;
  readonly batch: Document[];
}

/**
 * Server-side cursors. Results are materialised when the cursor opens; since stored documents are immutable the
 * batches handed out later are consistent with the moment of the query.
 */
export class CursorRegistry {
  #cursors = new Map<string, OpenCursor>();
  #nextId = 1 + Math.floor(Math.random() * 2 ** 30);

  /** Number of open cursors. */
  get size(): number {
    return this.#cursors.size;
  }

  /** Returns the first batch and keeps the rest, if any, behind a new cursor id. */
  open(namespace: string, docs: Document[], batchSize: number | undefined, singleBatch = false): CursorBatch {
    const cursor: OpenCursor = { namespace, docs, position: 0, lastUsed: Date.now() };
    const batch = takeBatch(cursor, batchSize ?? DEFAULT_BATCH_SIZE);
    if (singleBatch || cursor.position >= docs.length) return { id: Long.ZERO, ns: namespace, batch };
    const id = this.#nextId++;
    this.#cursors.set(String(id), cursor);
    return { id: Long.fromNumber(id), ns: namespace, batch };
  }

  /** The next batch of an open cursor (getMore). */
  next(id: unknown, namespace: string, batchSize: number | undefined, now = Date.now()): CursorBatch {
    const key = String(id);
    const cursor = this.#cursors.get(key);
    if (cursor === undefined) throw new CommandError('CursorNotFound', `cursor id ${key} not found`);
    if (cursor.namespace !== namespace) {
      throw new CommandError('Unauthorized', `Requested getMore on namespace '${namespace}', but cursor belongs to a different namespace ${cursor.namespace}`);
    }
    cursor.lastUsed = now;
    const batch = takeBatch(cursor, batchSize ?? Number.MAX_SAFE_INTEGER);
    if (cursor.position >= cursor.docs.length) {
      this.#cursors.delete(key);
      return { id: Long.ZERO, ns: namespace, batch };
    }
    return { id: Long.fromString(key), ns: namespace, batch };
  }

  /** Closes cursors (killCursors); returns which ids existed. */
  kill(ids: unknown[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) {
      const long = Long.fromString(String(id));
      (this.#cursors.delete(String(id)) ? killed : notFound).push(long);
    }
    return { killed, notFound };
  }

  /** Closes cursors idle for longer than {@link CURSOR_TIMEOUT_MS}. */
  reap(now = Date.now()): void {
    for (const [key, cursor] of this.#cursors) {
      if (now - cursor.lastUsed > CURSOR_TIMEOUT_MS) this.#cursors.delete(key);
    }
  }

  /** Closes every cursor. */
  clear(): void {
    this.#cursors.clear();
  }
}

function takeBatch(cursor: OpenCursor, batchSize: number): Document[] {
  const limit = batchSize <= 0 ? Number.MAX_SAFE_INTEGER : batchSize;
  const batch: Document[] = [];
  let bytes = 0;
  while (cursor.position < cursor.docs.length && batch.length < limit) {
    const doc = cursor.docs[cursor.position] as Document;
    bytes += documentSizeBound(doc);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
    batch.push(doc);
    cursor.position++;
  }
  return batch;
}
