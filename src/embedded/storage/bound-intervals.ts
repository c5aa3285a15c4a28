/**
 * How a secondary index turns {@link FieldBounds} into ranges of its tree: per field, an ordered list of intervals;
 * over several fields, their combinations, each bracketed by a pair of search keys.
 *
 * @module
 */
import { canonicalKey } from '../bson/canonical-key.js';
import { compareBson } from '../bson/compare-bson.js';
import { HIGH_KEY, LOW_KEY, type EntryKey } from './entry-comparator.js';
import { inRange, isPointBounds, type FieldBounds, type RangeEnd } from './index-bounds.js';

/** One interval of a field's bounds, in tree order (per the field's direction). */
export interface BoundInterval {
  readonly start?: RangeEnd;
  readonly end?: RangeEnd;
}

/** Tree-ordered intervals of one field's bounds; empty when nothing can match. */
export function fieldIntervals(bounds: FieldBounds, direction: 1 | -1): BoundInterval[] {
  if (isPointBounds(bounds)) {
    const sorted = [...bounds.points].sort((a, b) => direction * compareBson(a, b));
    const distinct = sorted.filter((p, i) => i === 0 || compareBson(p, sorted[i - 1]) !== 0);
    return distinct.map((value) => {
      const point = { value, inclusive: true };
      return { start: point, end: point };
    });
  }
  const { min, max } = bounds;
  if (min !== undefined && max !== undefined) {
    const c = compareBson(min.value, max.value);
    if (c > 0 || (c === 0 && !(min.inclusive && max.inclusive))) return [];
  }
  return [direction === 1 ? { start: min, end: max } : { start: max, end: min }];
}

/** True for the interval of a single point (built by {@link fieldIntervals} with one shared end). */
export function isPointInterval(interval: BoundInterval): boolean {
  return interval.start !== undefined && interval.start === interval.end;
}

/** Every combination of one interval per list, in order (the last list varies fastest). */
export function* intervalProduct(lists: readonly (readonly BoundInterval[])[]): Generator<BoundInterval[], void, undefined> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = lists;
  for (const head of first ?? []) {
    for (const tail of intervalProduct(rest)) yield [head, ...tail];
  }
}

/**
 * Start and end search keys bracketing exactly the entries inside one combination of intervals, for a tree whose
 * keys are `width` long (the pattern fields and the `_id` key).
 */
export function searchKeys(combination: readonly BoundInterval[], width: number): [EntryKey, EntryKey] {
  const start: unknown[] = [];
  const end: unknown[] = [];
  let startFill = LOW_KEY;
  let endFill = HIGH_KEY;
  for (const interval of combination) {
    if (interval.start === undefined) {
      start.push(LOW_KEY);
    } else {
      start.push(interval.start.value);
      startFill = interval.start.inclusive ? LOW_KEY : HIGH_KEY;
    }
    if (interval.end === undefined) {
      end.push(HIGH_KEY);
    } else {
      end.push(interval.end.value);
      endFill = interval.end.inclusive ? HIGH_KEY : LOW_KEY;
    }
    // Only the last interval can be a range: earlier ones are points (inclusive on both ends).
  }
  while (start.length < width) start.push(startFill);
  while (end.length < width) end.push(endFill);
  return [start, end];
}

/** A predicate for one field's bounds, used on fields that are not expanded into tree ranges. */
export function boundsAcceptor(bounds: FieldBounds): (value: unknown) => boolean {
  if (isPointBounds(bounds)) {
    const keys = new Set(bounds.points.map(canonicalKey));
    return (value) => keys.has(canonicalKey(value));
  }
  return (value) => inRange(value, bounds);
}
