/**
 * When a partial index may serve a query: the query must imply the index's partial filter.
 *
 * @module
 */
import { compareBson } from '../bson/compare-bson.js';
import { compileFilter } from '../query/compile-filter.js';
import { collectConjuncts, isOperatorObject, isPlainObject, isRangeValue, pointsOf, type Conjunct } from './collect-conjuncts.js';
import type { SecondaryIndex } from './secondary-index.js';

/**
 * A partial index only holds documents matching its filter, so it may serve a query only when the query implies that
 * filter: every conjunct of the partial filter must be implied by a conjunct of the query on the same field. A query
 * conjunct implies a partial one when it is identical, or (as mongod decides for the common cases) when it pins the
 * field to non-null values that each satisfy the partial condition — `{ 'data.key': 'k' }` implies
 * `{ 'data.key': { $exists: true } }` and `{ dedupeKey: { $type: 'string' } }` — or is a range on a type, which
 * implies `$exists: true`. A document whose field holds (or, as an array, contains) such a value then matches the
 * partial condition too, since the positive operators accepted here match an array through any element.
 */
export function partialFilterImplied(index: SecondaryIndex, conjuncts: readonly Conjunct[]): boolean {
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
