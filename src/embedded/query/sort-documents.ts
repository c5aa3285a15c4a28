import { CommandError } from '../../core/errors/command-error.js';
import { compareBson } from '../bson/compare-bson.js';
import type { Document } from '../bson/document.js';
import { valuesAtPath } from './field-path.js';

/** A parsed sort specification. */
export type SortSpec = ReadonlyArray<readonly [path: string, direction: 1 | -1]>;

/** Parses `{ a: 1, b: -1 }`, answering as mongod does for invalid directions. */
export function parseSort(sort: unknown): SortSpec {
  if (sort === undefined || sort === null) return [];
  if (typeof sort !== 'object' || Array.isArray(sort)) {
    throw new CommandError('TypeMismatch', 'Expected field sort to be of type object');
  }
  const spec: Array<readonly [string, 1 | -1]> = [];
  for (const [path, direction] of Object.entries(sort as Document)) {
    if (direction === 1 || direction === -1) spec.push([path, direction]);
    else if (typeof direction === 'object' && direction !== null && '$meta' in direction) {
      throw new CommandError('BadValue', `$meta sort is not supported by the embedded engine (field '${path}')`);
    } else {
      throw new CommandError('BadValue', `$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    }
  }
  return spec;
}

// MongoDB sorts by the smallest element of an array ascending and by the largest descending; missing is null.
function sortKey(doc: Document, path: string, direction: 1 | -1): unknown {
  const values = valuesAtPath(doc, path).flatMap((v): unknown[] => (Array.isArray(v) ? (v.length === 0 ? [undefined] : (v as unknown[])) : [v]));
  if (values.length === 0) return null;
  let best: unknown = values[0];
  for (const value of values) if (compareBson(value, best) * direction < 0) best = value;
  return best;
}

/** Sorts documents by a spec with MongoDB's BSON ordering; stable, so ties keep natural order. */
export function sortDocuments(docs: Document[], spec: SortSpec): Document[] {
  if (spec.length === 0) return docs;
  if (spec.length === 1 && spec[0]?.[0] === '$natural') return spec[0][1] === 1 ? docs : docs.reverse();
  const keyed = docs.map((doc) => ({ doc, keys: spec.map(([path, direction]) => sortKey(doc, path, direction)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < spec.length; i++) {
      const cmp = compareBson(a.keys[i], b.keys[i]);
      if (cmp !== 0) return cmp * (spec[i]?.[1] ?? 1);
    }
    return 0;
  });
  return keyed.map((entry) => entry.doc);
}
