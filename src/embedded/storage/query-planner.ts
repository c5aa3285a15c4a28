/**
 * Chooses how to find the candidate documents of a filter: `_id` lookups, one secondary index range
 * scan, or a collection scan. Candidates are a superset of the matches: the store re-applies the whole
 * filter, so bounds may be wider than the filter but never narrower.
 *
 * @module
 */
import { compileFilter } from '../query/compile-filter.js';
import { canonicalKey } from '../bson/canonical-key.js';
import { compareBson } from '../bson/compare-bson.js';
import { BracketEdge, typeBracketOf } from '../bson/type-rank.js';
import type { FieldBounds, IndexBounds, RangeEnd, SecondaryIndex } from './secondary-index.js';

/**
 * How to find a filter's candidate documents. An `index` plan with `ordered` yields its candidates already in the
 * requested sort order (the index scanned forward, or backward for `direction: -1`): the caller must not sort them
 * again and may stop once it has enough matches.
 */
export type QueryPlan =
  | { readonly kind: 'idPoints'; readonly ids: unknown[] }
  | {
      readonly kind: 'index';
      readonly index: SecondaryIndex;
      readonly bounds: IndexBounds;
      readonly ordered?: true;
      readonly direction?: 1 | -1;
    }
  | { readonly kind: 'scan' };

/** What the caller will do with the candidates: an ordered plan is only considered for a sort with a limit. */
export interface PlanOptions {
  readonly sort?: ReadonlyArray<readonly [path: string, direction: 1 | -1]>;
  /** 0 or undefined: no limit. */
  readonly limit?: number;
}

type Conjunct = readonly [field: string, condition: unknown];
type Range = { readonly min?: RangeEnd; readonly max?: RangeEnd };
type Points = { readonly points: readonly unknown[] };

/**
 * Plans a query over a collection whose `_id` map supports point lookups and which has `indexes`.
 *
 * Uses, from the top level and top-level `$and` members: `_id` equality / `$in` (→ `idPoints`), and per
 * field plain or `$eq` equality, `$in`, `$gt`, `$gte`, `$lt`, `$lte` on numbers, strings, dates,
 * ObjectIds and booleans (→ index bounds). Everything else (`$or`, `$nor`, `$expr`, `$ne`, `$regex`,
 * `null`, arrays, documents...) contributes no bounds.
 */
export function planQuery(
  filter: Record<string, unknown>,
  indexes: readonly SecondaryIndex[],
  options: PlanOptions = {},
): QueryPlan {
  const conjuncts: Conjunct[] = [];
  collectConjuncts(filter, conjuncts);

  const ids = idPoints(conjuncts);
  if (ids !== undefined) return { kind: 'idPoints', ids };

  const atomsByField = new Map<string, FieldBounds[]>();
  for (const [field, condition] of conjuncts) {
    if (field.startsWith('$')) continue;
    const atoms = conditionAtoms(condition);
    if (atoms.length > 0) atomsByField.set(field, [...(atomsByField.get(field) ?? []), ...atoms]);
  }

  let best: { index: SecondaryIndex; bounds: FieldBounds[]; score: readonly number[] } | undefined;
  if (atomsByField.size > 0) {
    for (const index of indexes) {
      if (!partialFilterImplied(index, conjuncts)) continue;
      const bounds = indexBounds(index, atomsByField);
      if (bounds.length === 0) continue;
      const score = boundsScore(index, bounds);
      if (best === undefined || compareScores(score, best.score) > 0) best = { index, bounds, score };
    }
  }

  const { sort = [], limit = 0 } = options;
  // Positional paths (`a.0`) index and sort arrays differently: left to the in-memory sort.
  if (sort.length > 0 && limit > 0 && !sort.some(([path]) => path.split('.').some((part) => /^\d+$/.test(part)))) {
    const ordered = orderedPlan(indexes, conjuncts, atomsByField, sort, best?.score[0] ?? 0);
    if (ordered !== undefined) return ordered;
  }
  return best === undefined ? { kind: 'scan' } : { kind: 'index', index: best.index, bounds: best.bounds };
}

/** Ranks bounds: more leading points, then a range, then a unique index. */
function boundsScore(index: SecondaryIndex, bounds: readonly FieldBounds[]): number[] {
  const points = bounds.filter(isPoints).length;
  return [points, bounds.length - points, index.unique ? 1 : 0];
}

/**
 * An index scan that yields the matches already in `sort` order, so that the caller can stop at skip + limit:
 * the index key pattern must start with fields pinned to a single value each (equality bounds), followed by exactly
 * the sort fields, with every direction as in the sort (forward scan) or every one reversed (backward scan).
 *
 * Index order equals MongoDB's sort order only for single values (missing and null are both the null key, first
 * ascending), so none of those fields may ever have held an array. A sparse index leaves out documents lacking
 * every indexed field, so it needs bounds that exclude null. The plan is only used when it pins at least as many
 * leading fields as the best unordered plan (`pointsToBeat`), which could otherwise read far fewer entries.
 */
function orderedPlan(
  indexes: readonly SecondaryIndex[],
  conjuncts: readonly Conjunct[],
  atomsByField: ReadonlyMap<string, FieldBounds[]>,
  sort: ReadonlyArray<readonly [string, 1 | -1]>,
  pointsToBeat: number,
): QueryPlan | undefined {
  let best: { index: SecondaryIndex; bounds: FieldBounds[]; direction: 1 | -1; score: readonly number[] } | undefined;
  for (const index of indexes) {
    if (!partialFilterImplied(index, conjuncts)) continue;
    const pattern = index.keyPattern;
    const multikey = index.multikeyPaths;
    const bounds = atomsByField.size > 0 ? indexBounds(index, atomsByField) : [];
    if (index.sparse && bounds.length === 0) continue;
    // Leading fields pinned to one value, then the sort fields.
    for (let equal = 0; equal + sort.length <= pattern.length; equal++) {
      if (equal > 0) {
        const pinned = bounds[equal - 1];
        if (pinned === undefined || !isPoints(pinned) || pinned.points.length !== 1) break;
      }
      const direction = sortDirection(pattern.slice(equal, equal + sort.length), sort);
      if (direction === undefined) continue;
      if (pattern.slice(0, equal + sort.length).some((_, i) => (multikey[i]?.size ?? 0) > 0)) break;
      const score = boundsScore(index, bounds);
      if (score[0] === undefined || score[0] < pointsToBeat) break;
      if (best === undefined || compareScores(score, best.score) > 0) best = { index, bounds, direction, score };
      break;
    }
  }
  if (best === undefined) return undefined;
  return { kind: 'index', index: best.index, bounds: best.bounds, ordered: true, direction: best.direction };
}

/** 1 when `fields` is exactly `sort`, -1 when it is `sort` with every direction reversed, else undefined. */
function sortDirection(
  fields: ReadonlyArray<readonly [string, 1 | -1]>,
  sort: ReadonlyArray<readonly [string, 1 | -1]>,
): 1 | -1 | undefined {
  if (fields.length !== sort.length) return undefined;
  const same = fields.every(([field, dir], i) => field === sort[i]?.[0] && dir === sort[i]?.[1]);
  if (same) return 1;
  const reversed = fields.every(([field, dir], i) => field === sort[i]?.[0] && dir === -(sort[i]?.[1] ?? 0));
  return reversed ? -1 : undefined;
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function isPoints(bounds: FieldBounds): bounds is Points {
  return 'points' in bounds;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Top-level `field: condition` pairs, with `$and` members (and a one-branch `$or`) flattened in. */
function collectConjuncts(filter: Record<string, unknown>, out: Conjunct[]): void {
  for (const [field, condition] of Object.entries(filter)) {
    const flatten = field === '$and' || (field === '$or' && Array.isArray(condition) && condition.length === 1);
    if (flatten && Array.isArray(condition) && condition.every(isPlainObject)) {
      for (const member of condition) collectConjuncts(member, out);
    } else {
      out.push([field, condition]);
    }
  }
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/** Values that equality and `$in` bounds may use: no null, arrays, documents or regexes (multikey/missing subtleties). */
function isPointValue(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
      return true;
    case 'object': {
      if (value instanceof Date) return !Number.isNaN(value.getTime());
      const tag = (value as { _bsontype?: unknown } | null)?._bsontype;
      return tag === 'ObjectId' || tag === 'Long' || tag === 'Decimal128';
    }
    default:
      return false;
  }
}

/** Values that range bounds may use (Long/Decimal128 excluded: the matcher compares those as strings). */
function isRangeValue(value: unknown): boolean {
  if (!isPointValue(value)) return false;
  const tag = typeof value === 'object' ? (value as { _bsontype?: unknown })._bsontype : undefined;
  return tag !== 'Long' && tag !== 'Decimal128';
}

function pointsOf(condition: unknown): unknown[] | undefined {
  if (isPointValue(condition)) return [condition];
  if (!isOperatorObject(condition)) return undefined;
  const candidates: unknown[][] = [];
  if ('$eq' in condition && isPointValue(condition.$eq)) candidates.push([condition.$eq]);
  const list = condition.$in;
  if (Array.isArray(list) && list.every(isPointValue)) candidates.push(list);
  return candidates.sort((a, b) => a.length - b.length)[0];
}

/** `_id` values to look up, intersected over every `_id` conjunct that pins it down. */
function idPoints(conjuncts: readonly Conjunct[]): unknown[] | undefined {
  let ids: unknown[] | undefined;
  for (const [field, condition] of conjuncts) {
    if (field !== '_id') continue;
    const points = pointsOf(condition);
    if (points === undefined) continue;
    ids = ids === undefined ? distinct(points) : intersectPoints(ids, points);
  }
  return ids;
}

function distinct(values: readonly unknown[]): unknown[] {
  const byKey = new Map<string, unknown>();
  for (const value of values) {
    const key = canonicalKey(value);
    if (!byKey.has(key)) byKey.set(key, value);
  }
  return [...byKey.values()];
}

function intersectPoints(a: readonly unknown[], b: readonly unknown[]): unknown[] {
  const keys = new Set(b.map(canonicalKey));
  return a.filter((value) => keys.has(canonicalKey(value)));
}

/** Bounds atoms one condition implies for its field: one per usable operator. */
function conditionAtoms(condition: unknown): FieldBounds[] {
  if (isPointValue(condition)) return [{ points: [condition] }];
  if (!isOperatorObject(condition)) return [];
  const atoms: FieldBounds[] = [];
  for (const [op, value] of Object.entries(condition)) {
    if (op === '$eq' && isPointValue(value)) atoms.push({ points: [value] });
    else if (op === '$in' && Array.isArray(value) && value.every(isPointValue)) atoms.push({ points: distinct(value) });
    else if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') {
      const range = rangeAtom(op, value);
      if (range !== undefined) atoms.push(range);
    }
  }
  return atoms;
}

/** Comparison operators only match values of the operand's type bracket: clamp the open side to it. */
function rangeAtom(op: '$gt' | '$gte' | '$lt' | '$lte', value: unknown): Range | undefined {
  if (!isRangeValue(value)) return undefined;
  const bracket = typeBracketOf(value);
  if (bracket === undefined) return undefined;
  const low: RangeEnd = { value: new BracketEdge(bracket, -1), inclusive: true };
  const high: RangeEnd = { value: new BracketEdge(bracket, 1), inclusive: true };
  // The matcher orders strings by UTF-16 code units, MongoDB by code points; they only disagree past
  // U+D7FF, so such an operand leaves its side open to cover both orders.
  const exact = !(typeof value === 'string' && /[\uD800-\uFFFF]/.test(value));
  const inclusive = op === '$gte' || op === '$lte';
  if (op === '$gt' || op === '$gte') return { min: exact ? { value, inclusive } : low, max: high };
  return { min: low, max: exact ? { value, inclusive } : high };
}

/**
 * Bounds `index` can use: points on leading fields, optionally a range on the next one. Empty when the
 * first field has no bounds.
 */
function indexBounds(index: SecondaryIndex, atomsByField: ReadonlyMap<string, FieldBounds[]>): FieldBounds[] {
  const bounds: FieldBounds[] = [];
  const multikey = index.multikeyPaths;
  const pattern = index.keyPattern;
  for (let i = 0; i < pattern.length; i++) {
    const field = (pattern[i] as readonly [string, 1 | -1])[0];
    const atoms = atomsByField.get(field);
    if (atoms === undefined) break;
    const paths = multikey[i] ?? new Set<string>();
    // Fields sharing an array are indexed element by element: a document can satisfy each field's
    // condition through a different element, so their bounds must not be combined (MongoDB's rule).
    const sharesArray = multikey.slice(0, i).some((earlier) => [...paths].some((p) => earlier.has(p)));
    if (sharesArray) break;
    const combined = paths.size > 0 ? pickOne(atoms) : intersectAll(atoms);
    bounds.push(combined);
    if (!isPoints(combined)) break;
  }
  return bounds;
}

/**
 * With arrays, each operator may be satisfied by a different element ({a: [1, 10]} matches
 * {$gt: 5, $lt: 3}), so intersecting would lose matches: use the most selective-looking atom alone.
 */
function pickOne(atoms: readonly FieldBounds[]): FieldBounds {
  const points = atoms.filter(isPoints).sort((a, b) => a.points.length - b.points.length);
  return points[0] ?? (atoms[0] as FieldBounds);
}

function intersectAll(atoms: readonly FieldBounds[]): FieldBounds {
  return atoms.slice(1).reduce<FieldBounds>(intersect, atoms[0] as FieldBounds);
}

function intersect(a: FieldBounds, b: FieldBounds): FieldBounds {
  if (isPoints(a) && isPoints(b)) return { points: intersectPoints(a.points, b.points) };
  if (isPoints(a)) return { points: a.points.filter((p) => inRange(p, b as Range)) };
  if (isPoints(b)) return { points: b.points.filter((p) => inRange(p, a)) };
  const min = tighter(a.min, b.min, 1);
  const max = tighter(a.max, b.max, -1);
  return { ...(min && { min }), ...(max && { max }) };
}

/** The tighter of two range ends: the larger minimum (`side = 1`) or the smaller maximum (`side = -1`). */
function tighter(x: RangeEnd | undefined, y: RangeEnd | undefined, side: 1 | -1): RangeEnd | undefined {
  if (x === undefined) return y;
  if (y === undefined) return x;
  const c = compareBson(x.value, y.value) * side;
  if (c !== 0) return c > 0 ? x : y;
  return x.inclusive ? y : x;
}

function inRange(value: unknown, range: Range): boolean {
  if (range.min !== undefined) {
    const c = compareBson(value, range.min.value);
    if (c < 0 || (c === 0 && !range.min.inclusive)) return false;
  }
  if (range.max !== undefined) {
    const c = compareBson(value, range.max.value);
    if (c > 0 || (c === 0 && !range.max.inclusive)) return false;
  }
  return true;
}

/**
 * A partial index only holds documents matching its filter, so it may serve a query only when the query implies that
 * filter: every conjunct of the partial filter must be implied by a conjunct of the query on the same field. A query
 * conjunct implies a partial one when it is identical, or (as mongod decides for the common cases) when it pins the
 * field to non-null values that each satisfy the partial condition — `{ 'data.key': 'k' }` implies
 * `{ 'data.key': { $exists: true } }` and `{ dedupeKey: { $type: 'string' } }` — or is a range on a type, which
 * implies `$exists: true`. A document whose field holds (or, as an array, contains) such a value then matches the
 * partial condition too, since the positive operators accepted here match an array through any element.
 */
function partialFilterImplied(index: SecondaryIndex, conjuncts: readonly Conjunct[]): boolean {
  const required = partialConjuncts(index);
  if (required === undefined) return true;
  return required.every((condition) => conjuncts.some(([field, value]) => field === condition.field && implies(value, condition)));
}

/** One top-level conjunct of a partial filter, with what is needed to test whether a query conjunct implies it. */
interface PartialConjunct {
  readonly field: string;
  readonly value: unknown;
  /** `$exists: true` alone: any non-null equality or typed range implies it. */
  readonly existsOnly: boolean;
  /** The condition as a predicate on a single value; undefined when it uses an operator not safe to test per value. */
  readonly test: ((value: unknown) => boolean) | undefined;
}

// Built once per index: the planner runs for every query, and compiling a filter costs tens of microseconds.
const partialConjunctCache = new WeakMap<SecondaryIndex, readonly PartialConjunct[]>();

function partialConjuncts(index: SecondaryIndex): readonly PartialConjunct[] | undefined {
  const partial = index.partialFilterExpression;
  if (partial === undefined) return undefined;
  let cached = partialConjunctCache.get(index);
  if (cached === undefined) {
    const required: Conjunct[] = [];
    collectConjuncts(partial, required);
    cached = required.map(([field, value]) => ({
      field,
      value,
      existsOnly: isOperatorObject(value) && Object.keys(value).length === 1 && value.$exists === true,
      test: valueTest(field, value),
    }));
    partialConjunctCache.set(index, cached);
  }
  return cached;
}

// Operators that match a field when the field's value — or, for an array, one of its elements — matches: a document
// holding a value that passes them as a scalar passes them as a document.
const POSITIVE_OPERATORS = new Set(['$eq', '$gt', '$gte', '$lt', '$lte', '$in', '$type', '$exists']);

function valueTest(field: string, condition: unknown): ((value: unknown) => boolean) | undefined {
  if (field.startsWith('$') || !isOperatorObject(condition)) return undefined;
  for (const [op, operand] of Object.entries(condition)) {
    if (!POSITIVE_OPERATORS.has(op) || (op === '$exists' && operand !== true)) return undefined;
  }
  try {
    const predicate = compileFilter({ v: condition });
    return (value) => predicate({ v: value });
  } catch {
    return undefined;
  }
}

function implies(queryCondition: unknown, required: PartialConjunct): boolean {
  if (identical(queryCondition, required.value)) return true;
  const points = pointsOf(queryCondition);
  if (points !== undefined && points.length > 0) {
    if (required.existsOnly) return true; // point values are never null or missing
    const test = required.test;
    return test !== undefined && points.every((point) => test(point));
  }
  // A comparison with a typed operand only matches values of that type: the field exists.
  return required.existsOnly && isOperatorObject(queryCondition) &&
    Object.entries(queryCondition).some(([op, value]) => (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') && isRangeValue(value));
}

/** Structural identity: same types all the way down (stricter than compareBson, which equates 1 and Long(1)). */
function identical(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null || b === null) return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => identical(x, b[i]));
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (isPlainObject(a)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && identical(a[k], (b as Record<string, unknown>)[k]));
  }
  // Dates, regexes and BSON values of the same class: equal in order, and Decimal128 '1.0' is not '1'.
  return compareBson(a, b) === 0 && decimalText(a) === decimalText(b as object);
}

function decimalText(value: object): string {
  return (value as { _bsontype?: unknown })._bsontype === 'Decimal128' ? (value as { toString(): string }).toString() : '';
}
