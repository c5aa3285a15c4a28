/**
 * Index key generation with MongoDB's multikey semantics: which keys a document contributes to an
 * index with a given key pattern.
 *
 * @module
 */
import { canonicalKey } from './bson-order.js';

/** An index key pattern in field order, e.g. `[['a', 1], ['b.c', -1]]` for `{ a: 1, 'b.c': -1 }`. */
export type KeyPattern = ReadonlyArray<readonly [field: string, direction: 1 | -1]>;

/**
 * Parses an index specification's `key` document. Positive numbers mean ascending and negative numbers
 * descending (MongoDB accepts any non-zero number); special index types are rejected.
 *
 * @throws TypeError for an empty pattern, a `$`-prefixed or empty field name, or a value that is not a
 *   non-zero number (e.g. `'text'`, `'2dsphere'`, `'hashed'`).
 */
export function parseKeyPattern(key: Record<string, unknown>): KeyPattern {
  const fields = Object.keys(key);
  if (fields.length === 0) throw new TypeError('Index key pattern must contain at least one field');
  return fields.map((field) => {
    const direction = key[field];
    if (field === '' || field.startsWith('$') || field.split('.').includes('')) {
      throw new TypeError(`Index key pattern has an invalid field name: '${field}'`);
    }
    if (typeof direction !== 'number' || direction === 0 || !Number.isFinite(direction)) {
      throw new TypeError(
        `Unsupported index key ${JSON.stringify({ [field]: direction })}: only ascending (1) and descending (-1) ` +
          `fields are supported (no text, 2d, 2dsphere, hashed or wildcard indexes)`,
      );
    }
    return [field, direction > 0 ? 1 : -1] as const;
  });
}

/** MongoDB's CannotIndexParallelArrays (code 171): two fields of a compound key hold different arrays. */
export class ParallelArraysError extends Error {
  /** MongoDB error code. */
  readonly code = 171;
  /** MongoDB error code name. */
  readonly codeName = 'CannotIndexParallelArrays';

  /** @param later - field name of the array found second; @param earlier - of the one found first. */
  constructor(later: string, earlier: string) {
    super(`cannot index parallel arrays [${later}] [${earlier}]`);
    this.name = 'ParallelArraysError';
  }
}

/** The keys of one document plus, per pattern field, the path prefixes at which arrays were expanded. */
export interface IndexKeyAnalysis {
  /** De-duplicated key tuples, one value per pattern field; missing values are `null`. */
  readonly keys: unknown[][];
  /** Per pattern field: dotted prefixes of that field's path that held an array (MongoDB multikeyPaths). */
  readonly multikeyPaths: ReadonlyArray<ReadonlySet<string>>;
}

interface CompiledField {
  readonly parts: readonly string[];
  readonly positional: readonly boolean[];
  /** Extra array levels to flatten at the leaf (see `leafValues`). */
  readonly extraLeafDepth: number;
}

const compiledPatterns = new WeakMap<KeyPattern, readonly CompiledField[]>();

function compile(pattern: KeyPattern): readonly CompiledField[] {
  let compiled = compiledPatterns.get(pattern);
  if (compiled === undefined) {
    compiled = pattern.map(([field]) => {
      const parts = field.split('.');
      return { parts, positional: parts.map((p) => /^\d+$/.test(p)), extraLeafDepth: parts.length - 1 };
    });
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** True for values whose fields a dotted path can descend into (documents, not BSON scalars). */
function isDocument(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof RegExp) &&
    !(value instanceof Uint8Array) &&
    (value as { _bsontype?: unknown })._bsontype === undefined
  );
}

function field(doc: Record<string, unknown>, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(doc, name) ? doc[name] : undefined;
}

interface Walk {
  /** Value reached (the array, when `arrayHit`). */
  readonly value: unknown;
  /** Index of the first path component not consumed. */
  readonly next: number;
  readonly arrayHit: boolean;
}

/** Follows `parts[from..]` from `base` through documents (and positional array indexes) to an array or the end. */
function walk(base: unknown, f: CompiledField, from: number): Walk {
  let cur = base;
  for (let k = from; k < f.parts.length; k++) {
    const part = f.parts[k] as string;
    if (Array.isArray(cur)) {
      if (f.positional[k]) {
        cur = cur[Number(part)];
        continue;
      }
      // An array nested directly in an array has no named fields (MongoDB does not descend into it).
      if (k === from && from > 0) return { value: undefined, next: f.parts.length, arrayHit: false };
      return { value: cur, next: k, arrayHit: true };
    }
    if (!isDocument(cur)) return { value: undefined, next: f.parts.length, arrayHit: false };
    cur = field(cur, part);
  }
  return { value: cur, next: f.parts.length, arrayHit: Array.isArray(cur) };
}

/**
 * Values a trailing array element contributes. MongoDB indexes the element itself; mingo's equality on
 * a dotted path also looks into nested arrays up to one level per dot, so those values are indexed too
 * (extra keys only widen candidate sets, which the store re-filters).
 */
function leafValues(element: unknown, extraDepth: number): unknown[] {
  const values = [element];
  const visit = (arr: readonly unknown[], depth: number): void => {
    for (const inner of arr) {
      values.push(inner);
      if (Array.isArray(inner) && depth > 1) visit(inner, depth - 1);
    }
  };
  if (Array.isArray(element) && extraDepth > 0) visit(element, extraDepth);
  return values;
}

function lastPart(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

class KeyCollector {
  readonly keys = new Map<string, unknown[]>();
  readonly multikeyPaths: Set<string>[];

  constructor(readonly fields: readonly CompiledField[]) {
    this.multikeyPaths = fields.map(() => new Set<string>());
  }

  /**
   * Resolves the unresolved fields (`pos[i] >= 0`) from `base`; all of them must reach the same array,
   * which is then expanded one element at a time (MongoDB correlates fields sharing an array prefix).
   */
  generate(base: unknown, pos: number[], fixed: unknown[]): void {
    let hitPath: string | undefined;
    let array: readonly unknown[] = [];
    const hits: { i: number; next: number }[] = [];
    for (let i = 0; i < pos.length; i++) {
      const from = pos[i] as number;
      if (from < 0) continue;
      const f = this.fields[i] as CompiledField;
      const w = walk(base, f, from);
      if (!w.arrayHit) {
        fixed[i] = w.value === undefined ? null : w.value;
        pos[i] = -1;
        continue;
      }
      const path = f.parts.slice(0, w.next).join('.');
      if (hitPath === undefined) hitPath = path;
      else if (path !== hitPath) throw new ParallelArraysError(lastPart(path), lastPart(hitPath));
      hits.push({ i, next: w.next });
      // Same path from the same base: this is the array every hit refers to.
      array = w.value as readonly unknown[];
    }
    if (hitPath === undefined) {
      this.#emit(fixed);
      return;
    }
    for (const { i } of hits) this.multikeyPaths[i]?.add(hitPath);
    const elements = array.length === 0 ? [undefined] : array;
    for (const element of elements) this.#expand(element, hits, pos, fixed);
  }

  #expand(element: unknown, hits: readonly { i: number; next: number }[], pos: number[], fixed: unknown[]): void {
    const nextPos = pos.slice();
    const nextFixed = fixed.slice();
    let trailing: { i: number; values: unknown[] } | undefined;
    for (const { i, next } of hits) {
      const f = this.fields[i] as CompiledField;
      if (next < f.parts.length) {
        nextPos[i] = next;
      } else {
        nextPos[i] = -1;
        // At most one field can end at a given array: its path equals the array's path.
        trailing = { i, values: element === undefined ? [null] : leafValues(element, f.extraLeafDepth) };
      }
    }
    if (trailing === undefined) {
      this.generate(element, nextPos, nextFixed);
      return;
    }
    for (const value of trailing.values) {
      nextFixed[trailing.i] = value;
      this.generate(element, nextPos.slice(), nextFixed.slice());
    }
  }

  #emit(fixed: readonly unknown[]): void {
    const key = fixed.map((v) => (v === undefined ? null : v));
    const id = key.length === 1 ? canonicalKey(key[0]) : canonicalKey(key);
    if (!this.keys.has(id)) this.keys.set(id, key);
  }
}

/**
 * The index keys of `doc` under `pattern`, with the array paths that made it multikey.
 *
 * Dotted paths descend into documents and through arrays of documents; a numeric path component
 * selects an array element. A missing field gives `null`; an array gives one key per element, an empty
 * array `null`. Fields whose paths share an array are correlated per element, as in MongoDB.
 *
 * @throws ParallelArraysError (code 171) when two fields reach different arrays.
 */
export function analyzeIndexKeys(doc: object, pattern: KeyPattern): IndexKeyAnalysis {
  const fields = compile(pattern);
  const collector = new KeyCollector(fields);
  collector.generate(
    doc,
    fields.map(() => 0),
    fields.map(() => null),
  );
  return { keys: [...collector.keys.values()], multikeyPaths: collector.multikeyPaths };
}

/**
 * The de-duplicated index keys of `doc` under `pattern` (see {@link analyzeIndexKeys}).
 *
 * @throws ParallelArraysError (code 171) when two fields reach different arrays.
 */
export function extractIndexKeys(doc: object, pattern: KeyPattern): unknown[][] {
  return analyzeIndexKeys(doc, pattern).keys;
}

/**
 * True when none of the pattern's fields exists in `doc`: a sparse index skips such documents. As in
 * MongoDB, a field counts as existing when its path reaches a value (even `null`) or passes an array.
 */
export function isSparseMissing(doc: object, pattern: KeyPattern): boolean {
  return compile(pattern).every((f) => !passesArray(doc, f) && walk(doc, f, 0).value === undefined);
}

function passesArray(doc: object, f: CompiledField): boolean {
  let cur: unknown = doc;
  for (const part of f.parts) {
    if (Array.isArray(cur)) return true;
    if (!isDocument(cur)) return false;
    cur = field(cur, part);
  }
  return Array.isArray(cur);
}
