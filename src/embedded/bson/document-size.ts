import { calculateObjectSize } from 'bson';
import type { Document } from './document.js';

/** Largest document, as advertised in `hello.maxBsonObjectSize`. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

// Stored documents are immutable, so a size computed (or bounded) once holds for as long as the object lives.
const sizes = new WeakMap<object, number>();

/**
 * The BSON size of `doc`, or an upper bound of it: what the 16 MiB checks and cursor batch limits need. Computed once
 * per document object and cached (a stored document is measured when written, then never again when it is read).
 */
export function documentSizeBound(doc: Document): number {
  let size = sizes.get(doc);
  if (size === undefined) {
    size = calculateObjectSize(doc);
    sizes.set(doc, size);
  }
  return size;
}

/** The exact BSON size of `doc` (cached like {@link documentSizeBound}). */
export function exactDocumentSize(doc: Document): number {
  const size = calculateObjectSize(doc);
  sizes.set(doc, size);
  return size;
}

/**
 * Records an upper bound of `doc`'s BSON size, known without measuring it: the length of the wire bytes it was decoded
 * from (re-encoding never grows a decoded document: numbers come back as int32 or double, at most as long as they
 * were sent), or an update's bound from the document it changed.
 */
export function recordDocumentSizeBound(doc: Document, bound: number): void {
  sizes.set(doc, bound);
}

/** The size bound recorded or computed for `doc`, if any, without measuring it. */
export function knownDocumentSizeBound(doc: Document): number | undefined {
  return sizes.get(doc);
}
