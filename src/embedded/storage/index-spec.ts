import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { parseKeyPattern } from './index-keys.js';

/** A validated secondary index definition, as listed by `listIndexes` (without `v`). */
export interface IndexSpec {
  readonly name: string;
  readonly key: Readonly<Record<string, 1 | -1>>;
  readonly unique?: boolean;
  readonly sparse?: boolean;
  readonly partialFilterExpression?: Document;
  readonly expireAfterSeconds?: number;
}

const ACCEPTED_OPTIONS = new Set([
  'key', 'name', 'unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'background', 'v', 'ns', 'hidden',
]);

/** Validates one entry of a `createIndexes.indexes` array, answering as mongod does for bad specifications. */
export function parseIndexSpec(raw: unknown): IndexSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CommandError('TypeMismatch', 'Each index specification must be an object');
  }
  const spec = raw as Document;
  for (const field of Object.keys(spec)) {
    if (!ACCEPTED_OPTIONS.has(field)) {
      throw new CommandError('InvalidIndexSpecificationOption', `The field '${field}' is not valid for an index specification. Specification: ${JSON.stringify(spec)}`);
    }
  }
  const key = spec.key;
  if (key === null || typeof key !== 'object' || Array.isArray(key) || Object.keys(key).length === 0) {
    throw new CommandError('CannotCreateIndex', "Index keys cannot be empty.");
  }
  let pattern;
  try {
    pattern = parseKeyPattern(key as Record<string, unknown>);
  } catch (error) {
    throw new CommandError('CannotCreateIndex', `Error in specification ${JSON.stringify(spec)} :: caused by :: ${(error as Error).message}`);
  }
  if (typeof spec.name !== 'string' || spec.name.length === 0) {
    throw new CommandError('CannotCreateIndex', 'The index name must be a non-empty string');
  }
  const normalisedKey: Record<string, 1 | -1> = {};
  for (const [field, direction] of pattern) normalisedKey[field] = direction;
  const result: { -readonly [K in keyof IndexSpec]: IndexSpec[K] } = { name: spec.name, key: normalisedKey };
  if (spec.unique === true) result.unique = true;
  if (spec.sparse === true) result.sparse = true;
  if (spec.partialFilterExpression !== undefined) {
    const filter = spec.partialFilterExpression as unknown;
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
      throw new CommandError('TypeMismatch', 'partialFilterExpression must be an object');
    }
    if (result.sparse) {
      throw new CommandError('CannotCreateIndex', 'cannot mix "partialFilterExpression" and "sparse" options');
    }
    result.partialFilterExpression = filter as Document;
  }
  if (spec.expireAfterSeconds !== undefined) {
    const seconds = spec.expireAfterSeconds as unknown;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new CommandError('CannotCreateIndex', 'TTL index \'expireAfterSeconds\' option must be a non-negative number');
    }
    if (pattern.length !== 1) {
      throw new CommandError('CannotCreateIndex', 'TTL indexes are single-field indexes, compound indexes do not support TTL');
    }
    result.expireAfterSeconds = seconds;
  }
  if (spec.name === '_id_' || (pattern.length === 1 && pattern[0]?.[0] === '_id')) {
    if (result.unique || result.sparse || result.partialFilterExpression || result.expireAfterSeconds !== undefined) {
      throw new CommandError('InvalidIndexSpecificationOption', "The _id index cannot have options such as 'unique', 'sparse', 'partialFilterExpression' or 'expireAfterSeconds'");
    }
  }
  return result;
}

/** The listIndexes form of a spec. */
export function describeIndex(spec: IndexSpec): Document {
  return { v: 2, ...spec };
}
