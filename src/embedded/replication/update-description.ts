import { compareBson } from '../bson/compare-bson.js';
import type { Document } from '../bson/document.js';

/** A change event's `updateDescription`: what an update changed, as paths. */
export interface UpdateDescription {
  readonly updatedFields: Document;
  readonly removedFields: string[];
  readonly truncatedArrays: Array<{ field: string; newSize: number }>;
}

function isPlainDocument(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return false;
  return (value as { _bsontype?: string })._bsontype === undefined;
}

/**
 * What changed from `before` to `after`, in the shape mongod reports it: fields set (sub-documents compared field by
 * field, so `$set: { 'a.b': 1 }` reports `a.b`; array elements by index, so a `$push` reports `arr.<i>`), fields
 * removed, and arrays cut shorter (`$pop`, `$pull`, `$push` with `$slice`) with their new size.
 */
export function describeUpdate(before: Document, after: Document): UpdateDescription {
  const description: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
  diffDocuments(before, after, '', description);
  return description;
}

function diffDocuments(before: Document, after: Document, prefix: string, out: UpdateDescription): void {
  for (const [field, value] of Object.entries(after)) {
    const path = `${prefix}${field}`;
    if (!(field in before)) {
      out.updatedFields[path] = value;
      continue;
    }
    diffValues(before[field], value, path, out);
  }
  for (const field of Object.keys(before)) {
    if (!(field in after)) out.removedFields.push(`${prefix}${field}`);
  }
}

function diffValues(before: unknown, after: unknown, path: string, out: UpdateDescription): void {
  if (before === after) return;
  if (isPlainDocument(before) && isPlainDocument(after)) {
    // A sub-document whose fields were reordered is a new value, as mongod reports it.
    const sameOrder = Object.keys(before).filter((key) => key in after).join('\u0000') === Object.keys(after).filter((key) => key in before).join('\u0000');
    if (sameOrder) {
      diffDocuments(before, after, `${path}.`, out);
      return;
    }
  } else if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(before as unknown[], after as unknown[], path, out);
    return;
  }
  if (compareBson(before, after) !== 0 || typeOf(before) !== typeOf(after)) out.updatedFields[path] = after;
}

function diffArrays(before: unknown[], after: unknown[], path: string, out: UpdateDescription): void {
  if (after.length < before.length) out.truncatedArrays.push({ field: path, newSize: after.length });
  for (let index = 0; index < after.length; index++) {
    if (index >= before.length) out.updatedFields[`${path}.${index}`] = after[index];
    else diffValues(before[index], after[index], `${path}.${index}`, out);
  }
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? ((value as { _bsontype?: string })._bsontype ?? (value instanceof Date ? 'date' : 'object')) : typeof value;
}
