/**
 * Chooses how to find the candidate documents of a filter: `_id` lookups, one secondary index range
 * scan, or a collection scan. Candidates are a superset of the matches: the store re-applies the whole
 * filter, so bounds may be wider than the filter but never narrower.
 *
 * @module
 */
import { BracketEdge, typeBracketOf } from '../bson/type-rank.js';
import { collectConjuncts, isOperatorObject, isPointValue, isRangeValue, pointsOf, type Conjunct } from './collect-conjuncts.js';
import {
  distinctPoints,
  intersectBounds,
  intersectPoints,
  isPointBounds,
  type FieldBounds,
  type IndexBounds,
  type RangeBounds,
  type RangeEnd,
} from './index-bounds.js';
import { partialFilterImplied } from './partial-filter-implied.js';
import type { SecondaryIndex } from './secondary-index.js';

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
  const points = bounds.filter(isPointBounds).length;
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
        if (pinned === undefined || !isPointBounds(pinned) || pinned.points.length !== 1) break;
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

/** `_id` values to look up, intersected over every `_id` conjunct that pins it down. */
function idPoints(conjuncts: readonly Conjunct[]): unknown[] | undefined {
  let ids: unknown[] | undefined;
  for (const [field, condition] of conjuncts) {
    if (field !== '_id') continue;
    const points = pointsOf(condition);
    if (points === undefined) continue;
    ids = ids === undefined ? distinctPoints(points) : intersectPoints(ids, points);
  }
  return ids;
}

/** Bounds atoms one condition implies for its field: one per usable operator. */
function conditionAtoms(condition: unknown): FieldBounds[] {
  if (isPointValue(condition)) return [{ points: [condition] }];
  if (!isOperatorObject(condition)) return [];
  const atoms: FieldBounds[] = [];
  for (const [op, value] of Object.entries(condition)) {
    if (op === '$eq' && isPointValue(value)) atoms.push({ points: [value] });
    else if (op === '$in' && Array.isArray(value) && value.every(isPointValue)) atoms.push({ points: distinctPoints(value) });
    else if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') {
      const range = rangeAtom(op, value);
      if (range !== undefined) atoms.push(range);
    }
  }
  return atoms;
}

/** Comparison operators only match values of the operand's type bracket: clamp the open side to it. */
function rangeAtom(op: '$gt' | '$gte' | '$lt' | '$lte', value: unknown): RangeBounds | undefined {
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
    if (!isPointBounds(combined)) break;
  }
  return bounds;
}

/**
 * With arrays, each operator may be satisfied by a different element ({a: [1, 10]} matches
 * {$gt: 5, $lt: 3}), so intersecting would lose matches: use the most selective-looking atom alone.
 */
function pickOne(atoms: readonly FieldBounds[]): FieldBounds {
  const points = atoms.filter(isPointBounds).sort((a, b) => a.points.length - b.points.length);
  return points[0] ?? (atoms[0] as FieldBounds);
}

function intersectAll(atoms: readonly FieldBounds[]): FieldBounds {
  return atoms.slice(1).reduce<FieldBounds>(intersectBounds, atoms[0] as FieldBounds);
}
