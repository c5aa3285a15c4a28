import type { Document } from '../bson/document.js';
import type { StoreChange } from '../storage/store-change.js';
import { OplogEntry } from './oplog-entry.js';
import { makePosition, secondsOf, type OplogPosition } from './oplog-position.js';

/** Default size bound of the oplog. */
export const DEFAULT_OPLOG_SIZE_MB = 64;

/** Options of {@link Oplog}. */
export interface OplogOptions {
  /** The oplog keeps at most about this many bytes of entries (documents counted at their BSON size). */
  readonly maxBytes: number;
}

/**
 * The replica set's log of changes, in memory and bounded: every write appends an entry at a new, ever-growing
 * position (a BSON Timestamp); the oldest entries are dropped once the entries add up to more than the bound. Change
 * streams read it; a persistent engine also journals it so that it survives a restart.
 */
export class Oplog {
  readonly #maxBytes: number;
  #entries: OplogEntry[] = [];
  #head = 0;
  #bytes = 0;
  /** The position of the newest entry (0 before any). */
  #last: OplogPosition = 0n;
  readonly #startedAt = makePosition(Math.floor(Date.now() / 1000), 0);
  /** From this position on, the oplog holds every change: set by the first recovered entry, then by trimming. */
  #completeFrom: OplogPosition | undefined;
  #waiters = new Set<() => void>();

  constructor(options: OplogOptions) {
    this.#maxBytes = options.maxBytes;
  }

  /** The newest position: of the last entry, or the clock at start-up before any. */
  get lastPosition(): OplogPosition {
    return this.#last === 0n ? this.#startedAt : this.#last;
  }

  /**
   * The oldest point a change stream may resume from: every change after it is still in the oplog. Before it,
   * changes were dropped to honour the size bound (or happened before the engine kept an oplog).
   */
  get completeFrom(): OplogPosition {
    return this.#completeFrom ?? this.#startedAt;
  }

  /** Number of entries retained. */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Appends the entry of a change made now, and wakes change streams waiting for one. */
  append(change: StoreChange): OplogEntry {
    const entry = OplogEntry.fromChange(this.#next(), change);
    this.#push(entry);
    this.#wake();
    return entry;
  }

  /** Appends an entry recovered from the journal or a snapshot (positions only grow: older ones are ignored). */
  restore(record: Document, current: (db: string, coll: string, id: unknown) => Document | undefined): void {
    const entry = OplogEntry.fromDocument(record, current);
    if (entry === undefined || entry.position <= this.#last) return;
    this.#completeFrom ??= entry.position;
    this.#push(entry);
  }

  /** The entries after `position`, oldest first. */
  *entriesAfter(position: OplogPosition): Iterable<OplogEntry> {
    for (let index = this.#firstAfter(position); index < this.#entries.length; index++) yield this.#entries[index] as OplogEntry;
  }

  /** The entry at exactly `position`, if retained. */
  entryAt(position: OplogPosition): OplogEntry | undefined {
    const index = this.#firstAfter(position - 1n);
    const entry = this.#entries[index];
    return entry !== undefined && entry.position === position ? entry : undefined;
  }

  /** Every retained entry, oldest first (snapshots). */
  entries(): Iterable<OplogEntry> {
    return this.#entries.slice(this.#head);
  }

  /**
   * Resolves at the next append, or after `timeoutMs`, or when `signal` aborts — whichever comes first. Never rejects.
   */
  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiter (engine shutdown). */
  close(): void {
    this.#wake();
  }

  #next(): OplogPosition {
    // #push records it as the newest; the clock may stand still or go back, positions never do.
    const seconds = Math.floor(Date.now() / 1000);
    return seconds > secondsOf(this.#last) ? makePosition(seconds, 1) : this.#last + 1n;
  }

  #push(entry: OplogEntry): void {
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    this.#last = entry.position;
    while (this.#bytes > this.#maxBytes && this.size > 1) {
      const dropped = this.#entries[this.#head] as OplogEntry;
      this.#head++;
      this.#bytes -= dropped.bytes;
      this.#completeFrom = dropped.position;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Index of the first retained entry after `position` (binary search). */
  #firstAfter(position: OplogPosition): number {
    let low = this.#head;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#entries[middle] as OplogEntry).position <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #wake(): void {
    if (this.#waiters.size === 0) return;
    for (const waiter of [...this.#waiters]) waiter();
  }
}
