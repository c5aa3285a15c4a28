/**
 * Index key generation with MongoDB's multikey semantics: which keys a document contributes to an
 * index with a given key pattern.
 *
 * @module
 */
import { CommandError } from '../../core/errors/command-error.js';
import { ParallelArraysError } from '../../core/errors/parallel-arrays-error.js';
import { canonicalKey } from '../bson/canonical-key.js';

/** An index key pattern in field order, e.g. `[['a', 1], ['b.c', -1]]` for `{ a: 1, 'b.c': -1 }`. */
export type KeyPattern = ReadonlyArray<readonly [field: string, direction: 1 | -1]>;

/**
 * Parses an index specification's `key` document. Positive numbers mean ascending and negative numbers
 * descending (MongoDB accepts any non-zero number); special index types are rejected.
 *
 * @throws CommandError `CannotCreateIndex` for an empty pattern, a `$`-prefixed or empty field name, or a value
 *   that is not a non-zero number (e.g. `'text'`, `'2dsphere'`, `'hashed'`).
 */
export function parseKeyPattern(key: Record<string, unknown>): KeyPattern {
  const fields = Object.keys(key);
  if (fields.length === 0) throw new CommandError('CannotCreateIndex', 'Index key pattern must contain at least one field');
  return fields.map((field) => {
    const direction = key[field];
    if (field === '' || field.startsWith('$') || field.split('.').includes('')) {
      throw new CommandError('CannotCreateIndex', `Index key pattern has an invalid field name: '${field}'`);
    }
    if (typeof direction !== 'number' || direction === 0 || !Number.isFinite(direction)) {
      throw new CommandError(
        'CannotCreateIndex',
        `Unsupported index key ${JSON.stringify({ [field]: direction })}: only ascending (1) and descending (-1) ` +
          `fields are supported (no text, 2d, 2dsphere, hashed or wildcard indexes)`,
      );
    }
    return [field, direction > 0 ? 1 : -1] as const;
  });
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
  /** Whether the walk stopped at an array to expand; `parts[0..at)` is that array's path. */
  readonly arrayHit: boolean;
  readonly at: number;
  /** The array is an element of the array being expanded (see `walk`). */
  readonly nested: boolean;
}

/** Follows `parts[from..]` from `base` through documents (and positional array indexes) to an array or the end. */
function walk(base: unknown, f: CompiledField, from: number): Walk {
  const end = f.parts.length;
  let cur = base;
  for (let k = from; k < end; k++) {
    const part = f.parts[k] as string;
    if (Array.isArray(cur)) {
      if (f.positional[k]) {
        cur = cur[Number(part)];
        continue;
      }
      // An array directly inside the array being expanded: MongoDB finds no field in it (null), while
      // mingo takes that array as the field's value, ignoring the rest of the path. Index both readings.
      if (k === from && from > 0) return { value: cur, next: end, arrayHit: true, at: k, nested: true };
      return { value: cur, next: k, arrayHit: true, at: k, nested: false };
    }
    if (!isDocument(cur)) return { value: undefined, next: end, arrayHit: false, at: end, nested: false };
    cur = field(cur, part);
  }
  return { value: cur, next: end, arrayHit: Array.isArray(cur), at: end, nested: false };
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
  readonly keys: unknown[][] = [];
  // Built on the second key only: most documents have a single key and need no de-duplication.
  #seen: Set<string> | undefined;
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
    let nested = false;
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
      const path = f.parts.slice(0, w.at).join('.');
      if (hitPath === undefined) hitPath = path;
      else if (path !== hitPath) throw new ParallelArraysError(lastPart(path), lastPart(hitPath));
      hits.push({ i, next: w.next });
      // Same path from the same base: this is the array every hit refers to.
      array = w.value as readonly unknown[];
      nested ||= w.nested;
    }
    if (hitPath === undefined) {
      this.#emit(fixed);
      return;
    }
    for (const { i } of hits) this.multikeyPaths[i]?.add(hitPath);
    // `undefined` stands for "no element": null keys (an empty array; MongoDB's reading of a nested array).
    const elements: readonly unknown[] = array.length === 0 ? [undefined] : nested ? [...array, undefined] : array;
    for (const element of elements) this.#expand(element, hits, pos, fixed);
  }

  #expand(element: unknown, hits: readonly { i: number; next: number }[], pos: number[], fixed: unknown[]): void {
    const nextPos = pos.slice();
    const trailing: { i: number; values: unknown[] }[] = [];
    for (const { i, next } of hits) {
      const f = this.fields[i] as CompiledField;
      if (next < f.parts.length) {
        nextPos[i] = next;
      } else {
        nextPos[i] = -1;
        trailing.push({ i, values: element === undefined ? [null] : leafValues(element, f.extraLeafDepth) });
      }
    }
    const assign = (t: number, values: unknown[]): void => {
      const current = trailing[t];
      if (current === undefined) {
        // Fresh arrays: generate() fills in the fields it resolves, and siblings must not share them.
        this.generate(element, nextPos.slice(), values.slice());
        return;
      }
      for (const value of current.values) {
        const next = values.slice();
        next[current.i] = value;
        assign(t + 1, next);
      }
    };
    assign(0, fixed);
  }

  #emit(fixed: readonly unknown[]): void {
    const key = fixed.map((v) => (v === undefined ? null : v));
    const first = this.keys[0];
    if (first !== undefined) {
      this.#seen ??= new Set([keyId(first)]);
      const id = keyId(key);
      if (this.#seen.has(id)) return;
      this.#seen.add(id);
    }
    this.keys.push(key);
  }
}

function keyId(key: readonly unknown[]): string {
  return key.length === 1 ? canonicalKey(key[0]) : canonicalKey(key);
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
  return { keys: collector.keys, multikeyPaths: collector.multikeyPaths };
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
