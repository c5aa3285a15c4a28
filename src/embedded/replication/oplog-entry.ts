import type { Document } from '../bson/document.js';
import { documentSizeBound } from '../bson/document-size.js';
import type { StoreChange } from '../storage/store-change.js';
import { isTimestamp, positionOf, timestampOf, type OplogPosition } from './oplog-position.js';
import { describeUpdate, type UpdateDescription } from './update-description.js';

/** The operation types of oplog entries, named as change events name them. */
export type OplogOperation = 'insert' | 'update' | 'replace' | 'delete' | 'drop' | 'rename' | 'dropDatabase';

// Bookkeeping bytes counted for each entry besides the documents it holds, towards the oplog's size bound.
const ENTRY_OVERHEAD_BYTES = 128;

/**
 * One change in the oplog. An update keeps the document before and after it and works out its `updateDescription`
 * only when a change stream (or the journal) first needs it.
 */
export class OplogEntry {
  #before: Document | undefined;
  #after: Document | undefined;
  #description: UpdateDescription | undefined;

  private constructor(
    readonly position: OplogPosition,
    readonly wallTime: Date,
    readonly operation: OplogOperation,
    readonly db: string,
    readonly coll: string | undefined,
    /** `{ _id }` of the document of a document change. */
    readonly documentKey: Document | undefined,
    /** The inserted or replacing document. */
    readonly fullDocument: Document | undefined,
    /** The new namespace of a rename. */
    readonly to: { readonly db: string; readonly coll: string } | undefined,
    /** What the entry counts towards the oplog's size bound. */
    readonly bytes: number,
  ) {}

  /** The entry of a change made now. */
  static fromChange(position: OplogPosition, change: StoreChange, wallTime = new Date()): OplogEntry {
    switch (change.kind) {
      case 'insert':
        return new OplogEntry(position, wallTime, 'insert', change.db, change.coll, { _id: change.doc._id }, change.doc, undefined, ENTRY_OVERHEAD_BYTES + documentSizeBound(change.doc));
      case 'replace':
        return new OplogEntry(position, wallTime, 'replace', change.db, change.coll, { _id: change.after._id }, change.after, undefined, ENTRY_OVERHEAD_BYTES + documentSizeBound(change.after));
      case 'update': {
        const entry = new OplogEntry(position, wallTime, 'update', change.db, change.coll, { _id: change.after._id }, undefined, undefined, ENTRY_OVERHEAD_BYTES + documentSizeBound(change.after));
        entry.#before = change.before;
        entry.#after = change.after;
        return entry;
      }
      case 'delete':
        return new OplogEntry(position, wallTime, 'delete', change.db, change.coll, { _id: change.before._id }, undefined, undefined, ENTRY_OVERHEAD_BYTES);
      case 'drop':
        return new OplogEntry(position, wallTime, 'drop', change.db, change.coll, undefined, undefined, undefined, ENTRY_OVERHEAD_BYTES);
      case 'rename':
        return new OplogEntry(position, wallTime, 'rename', change.db, change.coll, undefined, undefined, { db: change.toDb, coll: change.toColl }, ENTRY_OVERHEAD_BYTES);
      case 'dropDatabase':
        return new OplogEntry(position, wallTime, 'dropDatabase', change.db, undefined, undefined, undefined, undefined, ENTRY_OVERHEAD_BYTES);
    }
  }

  /**
   * An entry read back from the journal or a snapshot; undefined when the record is not one.
   *
   * @param current - the stored document with this `_id` at this point of the replay, standing in for an insert's or
   *   replacement's document that the journal did not repeat (the `put` just before it holds it).
   */
  static fromDocument(record: Document, current: (db: string, coll: string, id: unknown) => Document | undefined): OplogEntry | undefined {
    const { ts, wall, op, db, coll, key, doc, ud, to } = record;
    if (!isTimestamp(ts) || !(wall instanceof Date) || typeof op !== 'string' || typeof db !== 'string') return undefined;
    const collection = typeof coll === 'string' ? coll : undefined;
    const documentKey = key as Document | undefined;
    let fullDocument = doc as Document | undefined;
    if ((op === 'insert' || op === 'replace') && fullDocument === undefined && collection !== undefined && documentKey !== undefined) {
      fullDocument = current(db, collection, documentKey._id);
    }
    const target = to as { db: string; coll: string } | undefined;
    const bytes = ENTRY_OVERHEAD_BYTES + (fullDocument === undefined ? 0 : documentSizeBound(fullDocument));
    const entry = new OplogEntry(positionOf(ts), wall, op as OplogOperation, db, collection, documentKey, fullDocument, target, bytes);
    if (op === 'update') entry.#description = ud as UpdateDescription | undefined ?? { updatedFields: {}, removedFields: [], truncatedArrays: [] };
    return entry;
  }

  /** An update's description (worked out once, then the documents it came from are released). */
  get updateDescription(): UpdateDescription | undefined {
    if (this.#description === undefined && this.#before !== undefined && this.#after !== undefined) {
      this.#description = describeUpdate(this.#before, this.#after);
      this.#before = undefined;
      this.#after = undefined;
    }
    return this.#description;
  }

  /**
   * The entry as a journal or snapshot record.
   *
   * @param withDocument - include an insert's or replacement's document (a snapshot must; the journal need not, as
   *   the `put` written with it holds the same document).
   */
  toDocument(withDocument: boolean): Document {
    const record: Document = { ts: timestampOf(this.position), wall: this.wallTime, op: this.operation, db: this.db };
    if (this.coll !== undefined) record.coll = this.coll;
    if (this.documentKey !== undefined) record.key = this.documentKey;
    if (withDocument && this.fullDocument !== undefined) record.doc = this.fullDocument;
    const description = this.updateDescription;
    if (description !== undefined) record.ud = description;
    if (this.to !== undefined) record.to = this.to;
    return record;
  }
}
