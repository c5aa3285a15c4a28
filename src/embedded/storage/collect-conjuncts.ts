/**
 * The top-level conjuncts of a filter, and the values they pin a field to: what the query planner reads from a filter.
 *
 * @module
 */

/** One top-level `field: condition` pair of a filter (after flattening `$and`). */
export type Conjunct = readonly [field: string, condition: unknown];

/** True for a plain JS object (a document or an operator object), not an array, a Date or a BSON value. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Top-level `field: condition` pairs, with `$and` members (and a one-branch `$or`) flattened in. */
export function collectConjuncts(filter: Record<string, unknown>, out: Conjunct[]): void {
  for (const [field, condition] of Object.entries(filter)) {
    const flatten = field === '$and' || (field === '$or' && Array.isArray(condition) && condition.length === 1);
    if (flatten && Array.isArray(condition) && condition.every(isPlainObject)) {
      for (const member of condition) collectConjuncts(member, out);
    } else {
      out.push([field, condition]);
    }
  }
}

/** True for `{ $op: ... }` objects: non-empty, every key an operator. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/** Values that equality and `$in` bounds may use: no null, arrays, documents or regexes (multikey/missing subtleties). */
export function isPointValue(value: unknown): boolean {
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
export function isRangeValue(value: unknown): boolean {
  if (!isPointValue(value)) return false;
  const tag = typeof value === 'object' ? (value as { _bsontype?: unknown })._bsontype : undefined;
  return tag !== 'Long' && tag !== 'Decimal128';
}

/** The values an equality or `$in` condition pins its field to (the shorter list when it has both). */
export function pointsOf(condition: unknown): unknown[] | undefined {
  if (isPointValue(condition)) return [condition];
  if (!isOperatorObject(condition)) return undefined;
  const candidates: unknown[][] = [];
  if ('$eq' in condition && isPointValue(condition.$eq)) candidates.push([condition.$eq]);
  const list = condition.$in;
  if (Array.isArray(list) && list.every(isPointValue)) candidates.push(list);
  return candidates.sort((a, b) => a.length - b.length)[0];
}
