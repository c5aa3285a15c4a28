import { Long } from 'bson';
import { $all as mingoAll, $eq as mingoEq, $gt as mingoGt, $gte as mingoGte, $lt as mingoLt, $lte as mingoLte } from 'mingo/operators/query';
import type { Options } from 'mingo/types';
import { bsonEquals, compareBson } from '../bson/compare-bson.js';
import { valuesAtPath } from './field-path.js';

/** A mingo query operator: compiles once per query, then tests documents. */
type QueryOperator = (selector: string, value: unknown, options: Options) => (doc: Record<string, unknown>) => boolean;

const TYPE_ALIASES: Record<number, string> = {
  1: 'double', 2: 'string', 3: 'object', 4: 'array', 5: 'binData', 6: 'undefined', 7: 'objectId', 8: 'bool', 9: 'date',
  10: 'null', 11: 'regex', 12: 'dbPointer', 13: 'javascript', 14: 'symbol', 16: 'int', 17: 'timestamp', 18: 'long',
  19: 'decimal', [-1]: 'minKey', 127: 'maxKey',
};

/**
 * The BSON type a value is sent back to clients as. Numbers follow bson's serializer: an integer in the int32 range
 * travels as int32, any other number as double — so `$type` agrees with what a client reads back.
 */
export function bsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 && !Object.is(value, -0) ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'long';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  const bsonType = (value as { _bsontype?: string })._bsontype;
  switch (bsonType) {
    case undefined: return 'object';
    case 'ObjectId': return 'objectId';
    case 'Binary': return 'binData';
    case 'Long': return 'long';
    case 'Int32': return 'int';
    case 'Double': return 'double';
    case 'Decimal128': return 'decimal';
    case 'Timestamp': return 'timestamp';
    case 'BSONRegExp': return 'regex';
    case 'Code': return 'javascript';
    case 'BSONSymbol': return 'symbol';
    case 'MinKey': return 'minKey';
    case 'MaxKey': return 'maxKey';
    case 'DBRef': return 'object';
    default: return bsonType.toLowerCase();
  }
}

const NUMERIC = new Set(['int', 'long', 'double', 'decimal']);

function typeMatches(value: unknown, wanted: ReadonlySet<string>): boolean {
  const type = bsonTypeOf(value);
  return wanted.has(type) || (wanted.has('number') && NUMERIC.has(type));
}

// MongoDB matches a field operator against the value and, when it is an array, against each element.
function anyValue(doc: Record<string, unknown>, selector: string, test: (value: unknown) => boolean): boolean {
  for (const value of valuesAtPath(doc, selector)) {
    if (test(value)) return true;
    if (Array.isArray(value) && (value as unknown[]).some(test)) return true;
  }
  return false;
}

/** `$type` by name, alias number or list, with `number` matching every numeric type. */
const $type: QueryOperator = (selector, value) => {
  const wanted = new Set((Array.isArray(value) ? (value as unknown[]) : [value]).map((t) => (typeof t === 'number' ? TYPE_ALIASES[t] ?? String(t) : String(t))));
  return (doc) => {
    for (const found of valuesAtPath(doc, selector)) {
      if (typeMatches(found, wanted)) return true;
      // An array field matches through its elements, except that 'array' itself only means the field is one.
      if (Array.isArray(found) && (found as unknown[]).some((item) => !Array.isArray(item) && typeMatches(item, wanted))) return true;
    }
    return false;
  };
};

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof Long) return value.toNumber();
  return undefined;
}

/** `$mod`: only numeric values match (mingo would treat null as 0). */
const $mod: QueryOperator = (selector, value) => {
  const [divisor, remainder] = (value as number[]).map(Math.trunc) as [number, number];
  return (doc) => anyValue(doc, selector, (item) => {
    const n = toNumber(item);
    return n !== undefined && Number.isFinite(n) && Math.trunc(n) % divisor === remainder;
  });
};

/** `$all` of plain values: each value must be matched by the field as an equality would (scalars included). */
const $all: QueryOperator = (selector, value, options) => {
  const wanted = value as unknown[];
  if (wanted.some((w) => w !== null && typeof w === 'object' && '$elemMatch' in (w))) {
    return mingoAll(selector, value, options);
  }
  return (doc) => wanted.length > 0 && wanted.every((w) => anyValue(doc, selector, (item) => bsonEquals(item, w)));
};

function isEmbeddedDocument(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) &&
    !(value instanceof RegExp) && (value as { _bsontype?: unknown })._bsontype === undefined;
}

function isWideNumber(value: unknown): boolean {
  const bsonType = (value as { _bsontype?: string } | null)?._bsontype;
  return bsonType === 'Long' || bsonType === 'Decimal128';
}

/**
 * Equality: embedded documents compare field by field in order (mingo ignores field order) and int64/decimal values
 * compare numerically (mingo compares them as objects); everything else is mingo's equality.
 */
const $eq: QueryOperator = (selector, value, options) => {
  if (isEmbeddedDocument(value) || isWideNumber(value)) {
    return (doc) => anyValue(doc, selector, (item) => bsonEquals(item, value));
  }
  const base = mingoEq(selector, value, options);
  if (typeof value !== 'number') return base;
  // A plain number also equals a stored int64/decimal of the same value.
  return (doc) => base(doc) || anyValue(doc, selector, (item) => isWideNumber(item) && bsonEquals(item, value));
};

// Range operators involving an int64/decimal (as the bound or as a stored value) compare numerically within the
// number type bracket; mingo compares such values as objects.
function wideRange(fallback: typeof mingoGt, accept: (cmp: number) => boolean): QueryOperator {
  return (selector, value, options) => {
    const numericBound = typeof value === 'number' || isWideNumber(value);
    const wide = (doc: Record<string, unknown>): boolean => anyValue(doc, selector, (item) =>
      (isWideNumber(item) || (isWideNumber(value) && typeof item === 'number')) && accept(compareBson(item, value)));
    if (isWideNumber(value)) return wide;
    const base = fallback(selector, value, options);
    return numericBound ? (doc) => base(doc) || wide(doc) : base;
  };
}

/** Query operators that replace mingo's where MongoDB's semantics differ from them. */
export const QUERY_OPERATORS = {
  $type,
  $mod,
  $all,
  $eq,
  $gt: wideRange(mingoGt, (cmp) => cmp > 0),
  $gte: wideRange(mingoGte, (cmp) => cmp >= 0),
  $lt: wideRange(mingoLt, (cmp) => cmp < 0),
  $lte: wideRange(mingoLte, (cmp) => cmp <= 0),
};
