import type { Document } from '../bson/document.js';

/** One durable change, replayed in order at start-up. `put` stores a whole post-image keyed by `doc._id`. */
export type JournalOp =
  | { readonly op: 'put'; readonly db: string; readonly coll: string; readonly doc: Document }
  | { readonly op: 'del'; readonly db: string; readonly coll: string; readonly id: unknown }
  | { readonly op: 'createCollection'; readonly db: string; readonly coll: string; readonly options: Document }
  | { readonly op: 'dropCollection'; readonly db: string; readonly coll: string }
  | { readonly op: 'createIndex'; readonly db: string; readonly coll: string; readonly spec: Document }
  | { readonly op: 'dropIndex'; readonly db: string; readonly coll: string; readonly name: string }
  | { readonly op: 'dropDatabase'; readonly db: string }
  | { readonly op: 'renameCollection'; readonly db: string; readonly coll: string; readonly toDb: string; readonly toColl: string }
  /** An entry of the replica-set oplog (change streams); the catalog ignores it. `db` is the entry's database. */
  | { readonly op: 'oplog'; readonly db: string; readonly entry: Document };
