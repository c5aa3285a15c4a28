import { Long, Timestamp, calculateObjectSize } from 'bson';
import { update as mingoUpdate } from 'mingo';
import { CommandError } from '../../core/errors/command-error.js';
import { compareBson } from '../bson/compare-bson.js';
import { documentSizeBound, exactDocumentSize, MAX_BSON_OBJECT_SIZE, recordDocumentSizeBound } from '../bson/document-size.js';
import type { Document } from '../bson/document.js';
import { cloneDocument } from './clone-document.js';
import { mingoOptions, mingoPipeline, withMingo } from './mingo-options.js';
import { applyPushesOntoMissing, pushesOntoMissing } from './push-onto-missing.js';

/** What an update command's `u` (or findAndModify's `update`) is. */
export type UpdateKind = 'replacement' | 'operators' | 'pipeline';

const OPERATORS = new Set([
  '$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$addToSet', '$pop', '$pull', '$pullAll',
  '$currentDate', '$bit', '$setOnInsert',
]);
const NUMERIC_OPERATORS = new Set(['$inc', '$mul']);
const ARRAY_OPERATORS = new Set(['$push', '$addToSet', '$pop', '$pull', '$pullAll']);
const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** Classifies and validates an update document, answering as mongod does for malformed ones. */
export function classifyUpdate(update: unknown): UpdateKind {
  if (Array.isArray(update)) {
    for (const stage of update as unknown[]) {
      const name = stage !== null && typeof stage === 'object' ? Object.keys(stage)[0] : undefined;
      if (name === undefined || !PIPELINE_STAGES.has(name)) {
        throw new CommandError('InvalidPipelineOperator', `Invalid update pipeline stage: ${name ?? String(stage)}; allowed: ${[...PIPELINE_STAGES].join(', ')}`);
      }
    }
    return 'pipeline';
  }
  if (update === null || typeof update !== 'object') {
    throw new CommandError('FailedToParse', 'Update argument must be either an object or an array');
  }
  const keys = Object.keys(update);
  const operators = keys.filter((key) => key.startsWith('$'));
  if (operators.length === 0) return 'replacement';
  for (const key of keys) {
    if (!OPERATORS.has(key)) {
      throw new CommandError('FailedToParse', `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    const operand = (update as Document)[key];
    if (operand === null || typeof operand !== 'object' || Array.isArray(operand)) {
      throw new CommandError('FailedToParse', `Modifiers operate on fields but we found type ${Array.isArray(operand) ? 'array' : typeof operand} instead. For example: {$mod: {<field>: ...}} not {${key}: ${JSON.stringify(operand)}}`);
    }
  }
  checkConflicts(update as Document);
  return 'operators';
}

function targetPaths(update: Document): string[] {
  const paths: string[] = [];
  for (const [operator, operand] of Object.entries(update)) {
    for (const [path, value] of Object.entries(operand as Document)) {
      paths.push(path);
      if (operator === '$rename' && typeof value === 'string') paths.push(value);
    }
  }
  return paths;
}

// mongod refuses an update that touches one path twice, or a path and its parent (error 40).
function checkConflicts(update: Document): void {
  const paths = targetPaths(update).sort();
  for (let i = 1; i < paths.length; i++) {
    const prev = paths[i - 1] as string;
    const cur = paths[i] as string;
    if (cur === prev || cur.startsWith(`${prev}.`)) {
      throw new CommandError('ConflictingUpdateOperators', `Updating the path '${cur}' would create a conflict at '${prev}'`);
    }
  }
}

/** Inputs to {@link applyUpdate}. */
export interface UpdateInput {
  readonly update: Document | Document[];
  readonly kind: UpdateKind;
  /** The query that matched, for the positional `$` operator. */
  readonly filter?: Document;
  readonly arrayFilters?: Document[];
  /** The document is being inserted by an upsert: `$setOnInsert` applies. */
  readonly inserting?: boolean;
}

/**
 * Computes the post-image of an update without touching `current` (stored documents are immutable). Enforces
 * `_id` immutability and the 16 MiB document limit.
 */
export function applyUpdate(current: Document, input: UpdateInput): Document {
  let next: Document;
  let sizeBound: number | undefined;
  if (input.kind === 'replacement') {
    next = replacement(current, input.update as Document);
  } else if (input.kind === 'pipeline') {
    next = pipelineUpdate(current, input.update as Document[]);
  } else {
    const updated = operatorUpdate(current, input);
    next = updated.doc;
    if (updated.growthBound !== undefined) sizeBound = documentSizeBound(current) + updated.growthBound;
  }
  if (current._id !== undefined && compareBson(current._id, next._id) !== 0) {
    throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  assertDocumentSize(next, 'Location17419', sizeBound);
  return next;
}

/**
 * Throws when a document is over MongoDB's 16 MiB limit.
 *
 * @param sizeBound - an upper bound of the document's size known without measuring it; the document is measured only
 *   when there is none or it exceeds the limit.
 */
export function assertDocumentSize(doc: Document, code: 'Location17419' | 'BSONObjectTooLarge' = 'BSONObjectTooLarge', sizeBound?: number): void {
  if (sizeBound !== undefined && sizeBound <= MAX_BSON_OBJECT_SIZE) {
    recordDocumentSizeBound(doc, sizeBound);
    return;
  }
  const size = exactDocumentSize(doc);
  if (size > MAX_BSON_OBJECT_SIZE) {
    throw new CommandError(code, code === 'Location17419'
      ? `Resulting document after update is larger than ${MAX_BSON_OBJECT_SIZE}`
      : `BSONObj size: ${size} (0x${size.toString(16)}) is invalid. Size must be between 0 and ${MAX_BSON_OBJECT_SIZE}(16MB)`);
  }
}

function replacement(current: Document, update: Document): Document {
  for (const key of Object.keys(update)) {
    if (key.startsWith('$')) throw new CommandError('BadValue', `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document.`);
  }
  const next: Document = current._id === undefined ? {} : { _id: current._id };
  for (const [key, value] of Object.entries(update)) if (key !== '_id' || next._id === undefined) next[key] = value;
  if (update._id !== undefined && current._id !== undefined && compareBson(update._id, current._id) !== 0) {
    next._id = update._id;
  }
  return withIdFirst(next);
}

function pipelineUpdate(current: Document, pipeline: Document[]): Document {
  const [result] = withMingo('invalid update pipeline', () =>
    mingoPipeline(pipeline).run([cloneDocument(current)]),
  );
  return withIdFirst((result ?? {}));
}

/** An operator update's result; `growthBound` (fast path only) bounds the bytes it can have added to the document. */
interface OperatorUpdateResult {
  readonly doc: Document;
  readonly growthBound?: number;
}

function operatorUpdate(current: Document, input: UpdateInput): OperatorUpdateResult {
  const update = input.update as Document;
  const modifier: Document = {};
  const merge = (operator: string, operand: Document): void => {
    modifier[operator] = { ...(modifier[operator] as Document | undefined), ...operand };
  };
  for (const [operator, operand] of Object.entries(update)) {
    if (operator === '$setOnInsert') {
      if (input.inserting) merge('$set', operand as Document);
    } else if (operator === '$currentDate') {
      merge('$set', currentDates(operand as Document));
    } else {
      merge(operator, operand as Document);
    }
  }
  // mongod 5.0+ applies each operator's fields in lexicographic order (numeric names numerically), which decides
  // where new fields land in the document.
  for (const [operator, operand] of Object.entries(modifier)) modifier[operator] = sortFields(operand as Document);
  validateTargets(current, modifier);
  const fast = fastPath(current, modifier);
  if (fast !== undefined) return fast;
  const next = cloneDocument(current);
  const pushes = pushesOntoMissing(current, modifier.$push);
  withMingo('update failed', () => {
    mingoUpdate(next, modifier, input.arrayFilters, input.filter, { queryOptions: mingoOptions() });
    applyPushesOntoMissing(next, pushes);
  });
  return { doc: next };
}

function compareFieldNames(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortFields(operand: Document): Document {
  const sorted: Document = {};
  for (const key of Object.keys(operand).sort(compareFieldNames)) sorted[key] = operand[key];
  return sorted;
}

let timestampIncrement = 0;

function currentDates(operand: Document): Document {
  const now = new Date();
  const values: Document = {};
  for (const [path, spec] of Object.entries(operand)) {
    if (spec === true) values[path] = now;
    else if (spec !== null && typeof spec === 'object' && (spec as Document).$type === 'timestamp') {
      values[path] = new Timestamp({ t: Math.floor(now.getTime() / 1000), i: ++timestampIncrement });
    } else if (spec !== null && typeof spec === 'object' && (spec as Document).$type === 'date') {
      values[path] = now;
    } else {
      throw new CommandError('BadValue', `${JSON.stringify(spec)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`);
    }
  }
  return values;
}

/** Checks that every `$[id]` in the update has an array filter and every array filter is used, as mongod does. */
export function validateArrayFilters(update: Document | Document[], arrayFilters: readonly Document[] | undefined): void {
  const used = new Set<string>();
  if (!Array.isArray(update)) {
    for (const operand of Object.values(update)) {
      if (operand === null || typeof operand !== 'object') continue;
      for (const path of Object.keys(operand)) {
        for (const match of path.matchAll(/\$\[([^\]]+)\]/g)) used.add(match[1] as string);
      }
    }
  }
  const provided = new Set<string>();
  for (const filter of arrayFilters ?? []) {
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
      throw new CommandError('TypeMismatch', 'Each array filter must be an object');
    }
    const ids = new Set(Object.keys(filter).map((key) => key.split('.')[0] as string));
    if (ids.size !== 1) throw new CommandError('FailedToParse', 'Each array filter must use a single top-level field name');
    const id = [...ids][0];
    if (id === undefined || !/^[a-z][a-zA-Z0-9]*$/.test(id)) {
      throw new CommandError('BadValue', `The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${String(id)}'`);
    }
    if (provided.has(id)) throw new CommandError('FailedToParse', `Found multiple array filters with the same top-level field name ${id}`);
    provided.add(id);
  }
  for (const id of used) {
    if (!provided.has(id)) throw new CommandError('BadValue', `No array filter found for identifier '${id}' in path`);
  }
  for (const id of provided) {
    if (!used.has(id)) throw new CommandError('FailedToParse', `The array filter for identifier '${id}' was not used in the update ${JSON.stringify(update)}`);
  }
}

const SIMPLE_PATH = /^[^.$\d][^.$]*(\.[^.$\d][^.$]*)*$/;

// $set/$unset/$inc on plain object paths, copying only the objects along each path (structural sharing is safe
// because stored documents are never mutated). mingo's updater costs ~70 µs a call; this path costs ~2 µs.
function fastPath(current: Document, modifier: Document): OperatorUpdateResult | undefined {
  const changes: Array<[operator: string, path: string, value: unknown]> = [];
  let segmentCount = 0;
  for (const [operator, operand] of Object.entries(modifier)) {
    if (operator !== '$set' && operator !== '$unset' && operator !== '$inc' && operator !== '$addToSet' && operator !== '$max' && operator !== '$min') return undefined;
    for (const [path, value] of Object.entries(operand as Document)) {
      if (!SIMPLE_PATH.test(path)) return undefined;
      if (operator === '$addToSet' && isEmbeddedModifier(value) && Object.keys(value as Document).some((k) => k !== '$each')) return undefined;
      changes.push([operator, path, value]);
    }
  }
  changes.sort((a, b) => compareFieldNames(a[1], b[1]));
  const next: Document = { ...current };
  const copied = new Set<object>([next]);
  for (const [operator, path, value] of changes) {
    const segments = path.split('.');
    segmentCount += segments.length;
    let parent: Document = next;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i] as string;
      const child = parent[segment];
      if (child === undefined || child === null) {
        if (operator === '$unset') break;
        const created: Document = {};
        copied.add(created);
        parent[segment] = created;
        parent = created;
      } else if (typeof child === 'object' && !Array.isArray(child) && !(child instanceof Date) && (child as { _bsontype?: unknown })._bsontype === undefined) {
        const copy = copied.has(child) ? (child as Document) : { ...(child as Document) };
        copied.add(copy);
        parent[segment] = copy;
        parent = copy;
      } else {
        return undefined; // arrays and scalars along the path: leave the subtle cases to mingo
      }
    }
    const leaf = segments[segments.length - 1] as string;
    if (operator === '$set') parent[leaf] = cloneDocument(value);
    else if (operator === '$unset') delete parent[leaf];
    // $max/$min: a missing field takes the value; else the greater (smaller) in BSON order stays.
    else if (operator === '$max' || operator === '$min') {
      if (parent[leaf] === undefined || compareBson(value, parent[leaf]) * (operator === '$max' ? 1 : -1) > 0) parent[leaf] = cloneDocument(value);
    }
    else if (operator === '$addToSet') {
      const existing = parent[leaf];
      if (existing !== undefined && !Array.isArray(existing)) return undefined;
      // Set membership is exact BSON equality: { a: 1, b: 2 } and { b: 2, a: 1 } are different elements.
      const items: unknown[] = existing === undefined ? [] : [...(existing as unknown[])];
      const additions = isEmbeddedModifier(value) ? ((value as Document).$each) : [value];
      if (!Array.isArray(additions)) return undefined;
      for (const item of additions as unknown[]) {
        if (!items.some((present) => compareBson(present, item) === 0)) items.push(cloneDocument(item));
      }
      // An appended element's index key can be longer than its key in the modifier's $each.
      segmentCount += (additions as unknown[]).length;
      parent[leaf] = items;
    }
    else {
      parent[leaf] = increment(parent[leaf], value);
      if (parent[leaf] === undefined) return undefined;
    }
  }
  // Each change adds at most its path and value as the modifier spells them, plus a number widened to 8 bytes, an
  // element header and an empty document per path segment created on the way, and 7 more digits of array index per
  // element $addToSet appends.
  return { doc: next, growthBound: calculateObjectSize(modifier) + 16 * changes.length + 7 * segmentCount };
}

function isEmbeddedModifier(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && '$each' in value;
}

// JS numbers add as doubles; a Long on either side adds exactly as int64 (kept a Long only beyond ±2^53, where
// a JS number could not hold it). Decimal128 and other mixes go to mingo.
function increment(base: unknown, by: unknown): unknown {
  if (base === undefined) base = 0;
  if (typeof base === 'number' && typeof by === 'number') return base + by;
  const isLongish = (v: unknown): boolean => v instanceof Long || (typeof v === 'number' && Number.isInteger(v));
  if (!isLongish(base) || !isLongish(by)) return undefined;
  const sum = Long.fromValue(base as Long | number).add(Long.fromValue(by as Long | number));
  const asNumber = sum.toNumber();
  return Number.isSafeInteger(asNumber) ? asNumber : sum;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (typeof value === 'object') return ((value as { _bsontype?: string })._bsontype ?? 'object').toLowerCase();
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  return typeof value;
}

function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return true;
  const bsonType = (value as { _bsontype?: string } | null)?._bsontype;
  return bsonType === 'Long' || bsonType === 'Decimal128' || bsonType === 'Int32' || bsonType === 'Double';
}

// The type errors mongod reports and mingo silently ignores, checked on plain (non-positional) paths.
function validateTargets(current: Document, modifier: Document): void {
  for (const [operator, operand] of Object.entries(modifier)) {
    for (const [path, argument] of Object.entries(operand as Document)) {
      if (NUMERIC_OPERATORS.has(operator) && !isNumeric(argument)) {
        throw new CommandError('TypeMismatch', `Cannot ${operator === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(argument)}}`);
      }
      if (path.includes('$')) continue;
      const { value, blockedBy } = walk(current, path);
      if (blockedBy !== undefined && operator !== '$unset' && operator !== '$pull' && operator !== '$pullAll' && operator !== '$pop') {
        throw new CommandError('PathNotViable', `Cannot create field '${blockedBy.field}' in element {${blockedBy.parent}: ${JSON.stringify(blockedBy.value)}}`);
      }
      if (value === undefined) continue;
      if (NUMERIC_OPERATORS.has(operator) && !isNumeric(value)) {
        throw new CommandError('TypeMismatch', `Cannot apply ${operator} to a value of non-numeric type. {_id: ${JSON.stringify(current._id)}} has the field '${path}' of non-numeric type ${typeName(value)}`);
      }
      if (ARRAY_OPERATORS.has(operator) && !Array.isArray(value)) {
        throw new CommandError('BadValue', `The field '${path}' must be an array but is of type ${typeName(value)} in document {_id: ${JSON.stringify(current._id)}}`);
      }
    }
  }
}

function walk(doc: Document, path: string): { value: unknown; blockedBy?: { field: string; parent: string; value: unknown } } {
  let value: unknown = doc;
  const segments = path.split('.');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (value === undefined || value === null) return { value: undefined };
    if (Array.isArray(value)) {
      if (!/^\d+$/.test(segment)) {
        return { value: undefined, blockedBy: { field: segment, parent: segments[i - 1] ?? '', value } };
      }
      value = value[Number(segment)];
      continue;
    }
    if (typeof value !== 'object' || value instanceof Date || (value as { _bsontype?: unknown })._bsontype !== undefined) {
      return { value: undefined, blockedBy: { field: segment, parent: segments[i - 1] ?? '', value } };
    }
    value = (value as Document)[segment];
  }
  return { value };
}

/** Returns the document with `_id` as its first field, as mongod stores it. */
export function withIdFirst(doc: Document): Document {
  if (doc._id === undefined || Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}
