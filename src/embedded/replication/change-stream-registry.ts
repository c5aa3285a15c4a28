import { ChangeStreamCursor, type ChangeStreamSpec } from './change-stream-cursor.js';

// Change stream cursor ids come from their own range, far from the ordinary cursors' (which start below 2^31).
const FIRST_ID = 2 ** 40;
/** Idle change stream cursors are closed after this long, as other cursors (mongod's cursorTimeoutMillis). */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** The open change stream cursors of an engine. */
export class ChangeStreamRegistry {
  #cursors = new Map<number, ChangeStreamCursor>();
  #nextId = FIRST_ID + Math.floor(Math.random() * 2 ** 30);

  /** Number of open change streams. */
  get size(): number {
    return this.#cursors.size;
  }

  /** Opens a change stream cursor. */
  open(spec: ChangeStreamSpec): ChangeStreamCursor {
    const cursor = new ChangeStreamCursor(this.#nextId++, spec);
    this.#cursors.set(cursor.id, cursor);
    return cursor;
  }

  /** The open cursor with this id (as sent in getMore / killCursors: a number or a Long). */
  get(id: unknown): ChangeStreamCursor | undefined {
    const key = Number(String(id));
    return Number.isSafeInteger(key) ? this.#cursors.get(key) : undefined;
  }

  /** Closes a cursor; returns whether it was open. */
  close(id: unknown): boolean {
    const cursor = this.get(id);
    return cursor !== undefined && this.#cursors.delete(cursor.id);
  }

  /** Closes cursors idle for too long. */
  reap(now = Date.now()): void {
    for (const [id, cursor] of this.#cursors) if (now - cursor.lastUsed > IDLE_TIMEOUT_MS) this.#cursors.delete(id);
  }

  /** Closes every cursor. */
  clear(): void {
    this.#cursors.clear();
  }
}
