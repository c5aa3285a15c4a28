import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (value !== null && typeof value === 'object') {
    const bsonType = (value as { _bsontype?: string })._bsontype;
    // BSON value classes (ObjectId, Long, ...) all implement a meaningful toString().
    const text = (value as { toString(): string }).toString();
    if (bsonType === 'ObjectId') return `ObjectId('${text}')`;
    if (bsonType !== undefined) return `${bsonType}(${text})`;
    if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')} }`;
  }
  return String(value);
}

/** MongoDB's E11000 error, with the `keyPattern` and `keyValue` fields drivers expose on `MongoServerError`. */
export function duplicateKeyError(
  namespace: string,
  indexName: string,
  keyPattern: Document,
  keyValue: Document,
): CommandError {
  return new CommandError(
    'DuplicateKey',
    `E11000 duplicate key error collection: ${namespace} index: ${indexName} dup key: ${formatValue(keyValue)}`,
    { keyPattern, keyValue },
  );
}
