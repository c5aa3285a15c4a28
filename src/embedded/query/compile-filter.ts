import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { mingoQuery, withMingo } from './mingo-options.js';
import { compileNativeFilter, Verdict } from './native-filter.js';
import { validateFilter } from './validate-filter.js';

/** A compiled query predicate. */
export type DocumentPredicate = (doc: Document) => boolean;

const matchAll: DocumentPredicate = () => true;

/**
 * Compiles a MongoDB query filter, rejecting invalid operators with MongoDB's BadValue error.
 *
 * Simple filters (scalar equalities, ranges, `$in`, `$exists`... see native-filter.ts) are matched natively; mingo,
 * the reference implementation, decides the documents the native matcher leaves undecided (arrays along a path,
 * non-scalar values) and every other filter. It is compiled only when first needed.
 */
export function compileFilter(filter: unknown): DocumentPredicate {
  if (filter === undefined || filter === null) return matchAll;
  if (typeof filter !== 'object' || Array.isArray(filter)) {
    // The error mingo's wrapper (withMingo) would give for it.
    throw new CommandError('BadValue', 'invalid filter: filter must be an object');
  }
  if (Object.keys(filter).length === 0) return matchAll;
  validateFilter(filter as Document);
  const native = compileNativeFilter(filter as Document);
  if (native === undefined) return compileMingoFilter(filter as Document);
  let mingo: DocumentPredicate | undefined;
  return (doc) => {
    const verdict = native(doc);
    if (verdict !== Verdict.Undecided) return verdict === Verdict.Yes;
    mingo ??= compileMingoFilter(filter as Document);
    return mingo(doc);
  };
}

/** Compiles a filter with mingo alone (the reference the native matcher must agree with). */
export function compileMingoFilter(filter: Document): DocumentPredicate {
  const query = withMingo('invalid query', () => mingoQuery(filter));
  return (doc) => withMingo('query failed', () => query.test(doc));
}

/** True when the filter is exactly `{ _id: <plain value> }`: the `_id` lookup alone decides the match. */
export function isExactIdFilter(filter: Document): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1 || keys[0] !== '_id') return false;
  const id = filter._id;
  if (id === null || typeof id !== 'object') return id !== null && id !== undefined;
  if (id instanceof Date) return true;
  return typeof (id as { _bsontype?: unknown })._bsontype === 'string' && (id as { _bsontype: string })._bsontype !== 'BSONRegExp';
}
