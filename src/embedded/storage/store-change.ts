import type { UUID } from 'bson';
import type { Document } from '../bson/document.js';

/**
 * A change as a change stream sees it: what kind of write, on which collection, with the documents involved. The
 * catalog and its collections report one with every journal op that changes data or the namespace (never with
 * index changes or collection creation, which change streams do not report by default).
 */
export type StoreChange =
  | { readonly kind: 'insert'; readonly db: string; readonly coll: string; readonly uuid: UUID; readonly doc: Document }
  | {
    readonly kind: 'update' | 'replace';
    readonly db: string;
    readonly coll: string;
    readonly uuid: UUID;
    readonly before: Document;
    readonly after: Document;
  }
  | { readonly kind: 'delete'; readonly db: string; readonly coll: string; readonly uuid: UUID; readonly before: Document }
  | { readonly kind: 'drop'; readonly db: string; readonly coll: string; readonly uuid: UUID }
  | {
    readonly kind: 'rename';
    readonly db: string;
    readonly coll: string;
    readonly uuid: UUID;
    readonly toDb: string;
    readonly toColl: string;
  }
  | { readonly kind: 'dropDatabase'; readonly db: string };

/** How a replacement of a stored document came about: an update with operators, or a whole-document replacement. */
export type ReplaceKind = 'update' | 'replace';
