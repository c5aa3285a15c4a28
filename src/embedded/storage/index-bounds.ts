/**
 * Bounds on the fields of an index key: what the query planner derives from a filter and a secondary index scans.
 *
 * @module
 */
import { canonicalKey } from '../bson/canonical-key.js';
import { compareBson } from '../bson/compare-bson.js';

/** One end of a range: a value and whether the range includes it. */
export interface RangeEnd {
  readonly value: unknown;
  readonly inclusive: boolean;
}

/** Bounds that are a set of exact values. */
export type PointBounds = { readonly points: readonly unknown[] };

/** Bounds that are a (possibly half-open) range in BSON order. */
export type RangeBounds = { readonly min?: RangeEnd; readonly max?: RangeEnd };

/** Bounds on one index field: a set of exact values, or a (possibly half-open) range in BSON order. */
export type FieldBounds = PointBounds | RangeBounds;

/** Bounds on the leading fields of an index key pattern; the fields after them are unbounded. */
export type IndexBounds = ReadonlyArray<FieldBounds>;

/** True for bounds that are a set of exact values. */
export function isPointBounds(bounds: FieldBounds): bounds is PointBounds {
  return 'points' in bounds;
}

/** True when `value` lies inside `range` (in BSON order, each end included or not). */
export function inRange(value: unknown, range: RangeBounds): boolean {
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

/** `values` without the ones equal (in BSON order) to an earlier one. */
export function distinctPoints(values: readonly unknown[]): unknown[] {
  const byKey = new Map<string, unknown>();
  for (const value of values) {
    const key = canonicalKey(value);
    if (!byKey.has(key)) byKey.set(key, value);
  }
  return [...byKey.values()];
}

/** The values of `a` that are equal (in BSON order) to a value of `b`. */
export function intersectPoints(a: readonly unknown[], b: readonly unknown[]): unknown[] {
  const keys = new Set(b.map(canonicalKey));
  return a.filter((value) => keys.has(canonicalKey(value)));
}

/** The bounds both `a` and `b` allow. */
export function intersectBounds(a: FieldBounds, b: FieldBounds): FieldBounds {
  if (isPointBounds(a) && isPointBounds(b)) return { points: intersectPoints(a.points, b.points) };
  if (isPointBounds(a)) return { points: a.points.filter((p) => inRange(p, b as RangeBounds)) };
  if (isPointBounds(b)) return { points: b.points.filter((p) => inRange(p, a)) };
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
