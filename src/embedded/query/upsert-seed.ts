import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';

function isOperatorObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return false;
  if ((value as { _bsontype?: unknown })._bsontype !== undefined) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

function setPath(doc: Document, path: string, value: unknown): void {
  const segments = path.split('.');
  let parent = doc;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i] as string;
    let child = parent[segment];
    if (child === undefined) {
      child = {};
      parent[segment] = child;
    }
    if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      throw new CommandError('NotSingleValueField', `cannot infer query fields to set, path '${path}' is matched twice`);
    }
    parent = child as Document;
  }
  const leaf = segments[segments.length - 1] as string;
  if (leaf in parent) {
    throw new CommandError('NotSingleValueField', `cannot infer query fields to set, path '${path}' is matched twice`);
  }
  parent[leaf] = value;
}

/**
 * The document an upsert starts from: the equality conditions of its filter (`{ a: 1 }`, `{ a: { $eq: 1 } }`, and
 * those inside a top-level `$and`), as mongod builds it. Operators other than `$eq` contribute nothing.
 */
export function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  collectEqualities(filter, seed);
  return seed;
}

function collectEqualities(filter: Document, seed: Document): void {
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const clause of condition as unknown[]) {
        if (clause !== null && typeof clause === 'object') collectEqualities(clause as Document, seed);
      }
      continue;
    }
    if (field.startsWith('$')) continue;
    if (isOperatorObject(condition)) {
      if ('$eq' in condition) setPath(seed, field, condition.$eq);
      continue;
    }
    if (condition instanceof RegExp || (condition as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp') continue;
    setPath(seed, field, condition);
  }
}
