/**
 * A native matcher for the filters hot paths send: conjunctions of equality, `$ne`, `$in`, `$nin`, range and
 * `$exists` conditions on scalar values, combined with `$and`, `$or` and `$nor`. Compiling one costs about a
 * microsecond where mingo's compiler costs tens (it copies its operator tables for every query).
 *
 * It decides only what it can decide exactly as the engine's mingo-based matcher would: a document whose path runs
 * through an array, or whose value is not a plain scalar (embedded document, int64, binary, NaN...), is left
 * undecided, and the caller asks mingo. A filter using anything else is not compiled at all.
 *
 * @module
 */
import type { Document } from '../bson/document.js';

/** The outcome of testing one document: false, true, or not decidable natively. */
export const Verdict = { No: 0, Yes: 1, Undecided: 2 } as const;
/** One of {@link Verdict}'s values. */
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** A natively compiled filter. */
export type NativePredicate = (doc: Document) => Verdict;

type Scalar = string | number | boolean | Date | ObjectIdLike | null;

interface ObjectIdLike {
  readonly _bsontype: 'ObjectId';
  toHexString(): string;
}

// Path segments mingo refuses or resolves through the prototype chain: left to it.
const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX_SEGMENT = /^\d+$/;
const MISSING = Symbol('missing');
const UNDECIDED = Symbol('undecided');

/**
 * Compiles `filter` natively, or returns undefined when it uses something the native matcher does not implement.
 * The filter must already be validated (see validateFilter).
 */
export function compileNativeFilter(filter: Document): NativePredicate | undefined {
  const parts: NativePredicate[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    const part = key.startsWith('$') ? logical(key, condition) : field(key, condition);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return and(parts);
}

function and(parts: readonly NativePredicate[]): NativePredicate {
  if (parts.length === 1) return parts[0]!;
  return (doc) => {
    let verdict: Verdict = Verdict.Yes;
    for (const part of parts) {
      const v = part(doc);
      if (v === Verdict.No) return Verdict.No;
      if (v === Verdict.Undecided) verdict = Verdict.Undecided;
    }
    return verdict;
  };
}

function or(parts: readonly NativePredicate[]): NativePredicate {
  return (doc) => {
    let verdict: Verdict = Verdict.No;
    for (const part of parts) {
      const v = part(doc);
      if (v === Verdict.Yes) return Verdict.Yes;
      if (v === Verdict.Undecided) verdict = Verdict.Undecided;
    }
    return verdict;
  };
}

function not(part: NativePredicate): NativePredicate {
  return (doc) => {
    const v = part(doc);
    return v === Verdict.Undecided ? v : v === Verdict.Yes ? Verdict.No : Verdict.Yes;
  };
}

function logical(operator: string, clauses: unknown): NativePredicate | undefined {
  if (operator !== '$and' && operator !== '$or' && operator !== '$nor') return undefined;
  if (!Array.isArray(clauses) || clauses.length === 0) return undefined;
  const parts: NativePredicate[] = [];
  for (const clause of clauses as unknown[]) {
    if (!isPlainObject(clause)) return undefined;
    const part = compileNativeFilter(clause);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  if (operator === '$and') return and(parts);
  return operator === '$or' ? or(parts) : not(or(parts));
}

function field(path: string, condition: unknown): NativePredicate | undefined {
  const segments = path.split('.');
  if (segments.some((s) => s === '' || INDEX_SEGMENT.test(s) || UNSAFE_SEGMENTS.has(s) || s.startsWith('$'))) return undefined;
  const tests: Array<(value: unknown) => boolean> = [];
  if (isOperatorObject(condition)) {
    for (const [operator, operand] of Object.entries(condition)) {
      const test = operatorTest(operator, operand);
      if (test === undefined) return undefined;
      tests.push(test);
    }
  } else {
    if (!isScalar(condition)) return undefined;
    tests.push(equalTo(condition));
  }
  const single = segments.length === 1 ? segments[0]! : undefined;
  return (doc) => {
    const value = single === undefined ? resolve(doc, segments) : leaf(Object.prototype.hasOwnProperty.call(doc, single) ? doc[single] : MISSING);
    if (value === UNDECIDED) return Verdict.Undecided;
    for (const test of tests) if (!test(value)) return Verdict.No;
    return Verdict.Yes;
  };
}

/** The value at a dotted path through plain objects; MISSING when absent; UNDECIDED when mingo must decide. */
function resolve(doc: Document, segments: readonly string[]): unknown {
  let value: unknown = doc;
  for (const segment of segments) {
    if (value === null || value === undefined || value === MISSING) return MISSING;
    if (typeof value !== 'object') return MISSING;
    if (Array.isArray(value) || value instanceof Date || (value as { _bsontype?: unknown })._bsontype !== undefined) return UNDECIDED;
    value = Object.prototype.hasOwnProperty.call(value, segment) ? (value as Document)[segment] : MISSING;
  }
  return leaf(value);
}

/** A leaf value the native tests handle as it is, or UNDECIDED. */
function leaf(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isNaN(value) ? UNDECIDED : value;
    case 'undefined':
      return MISSING;
    case 'object':
      if (value === null || value instanceof Date || isObjectId(value)) return value;
      return UNDECIDED;
    default:
      return value === MISSING ? MISSING : UNDECIDED;
  }
}

function operatorTest(operator: string, operand: unknown): ((value: unknown) => boolean) | undefined {
  switch (operator) {
    case '$eq':
      return isScalar(operand) ? equalTo(operand) : undefined;
    case '$ne': {
      if (!isScalar(operand)) return undefined;
      const equal = equalTo(operand);
      return (value) => !equal(value);
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand) || !(operand as unknown[]).every(isScalar)) return undefined;
      const tests = (operand as Scalar[]).map(equalTo);
      const any = (value: unknown): boolean => tests.some((test) => test(value));
      return operator === '$in' ? any : (value) => !any(value);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return rangeTest(operator, operand);
    case '$exists':
      if (typeof operand !== 'boolean') return undefined;
      return operand ? (value) => value !== MISSING : (value) => value === MISSING;
    default:
      return undefined;
  }
}

/** Equality as mingo (with the engine's `$eq`) decides it for a scalar value: null also matches a missing field. */
function equalTo(operand: Scalar): (value: unknown) => boolean {
  if (operand === null) return (value) => value === null || value === MISSING;
  if (operand instanceof Date) {
    const time = operand.getTime();
    return (value) => value instanceof Date && value.getTime() === time;
  }
  if (isObjectId(operand)) {
    const hex = operand.toHexString();
    return (value) => isObjectId(value) && value.toHexString() === hex;
  }
  return (value) => value === operand;
}

/** A comparison: only values of the operand's type match, compared as mingo compares them. */
function rangeTest(operator: '$gt' | '$gte' | '$lt' | '$lte', operand: unknown): ((value: unknown) => boolean) | undefined {
  const accept = operator === '$gt' ? (c: number) => c > 0 : operator === '$gte' ? (c: number) => c >= 0 : operator === '$lt' ? (c: number) => c < 0 : (c: number) => c <= 0;
  switch (typeof operand) {
    case 'number':
      if (Number.isNaN(operand)) return undefined;
      return (value) => typeof value === 'number' && accept(compareSimple(value, operand));
    case 'string':
      return (value) => typeof value === 'string' && accept(compareSimple(value, operand));
    case 'boolean':
      return (value) => typeof value === 'boolean' && accept(compareSimple(Number(value), Number(operand)));
    case 'object': {
      if (operand instanceof Date) {
        const time = operand.getTime();
        if (Number.isNaN(time)) return undefined;
        return (value) => value instanceof Date && accept(compareSimple(value.getTime(), time));
      }
      if (isObjectId(operand)) {
        const hex = operand.toHexString();
        return (value) => isObjectId(value) && accept(compareSimple(value.toHexString(), hex));
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

// JS order, as mingo compares two values of one type (strings by UTF-16 code units).
function compareSimple<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isScalar(value: unknown): value is Scalar {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return !Number.isNaN(value);
    case 'object':
      return value === null || (value instanceof Date && !Number.isNaN(value.getTime())) || isObjectId(value);
    default:
      return false;
  }
}

function isObjectId(value: unknown): value is ObjectIdLike {
  return typeof value === 'object' && value !== null && (value as { _bsontype?: unknown })._bsontype === 'ObjectId';
}

function isPlainObject(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isOperatorObject(value: unknown): value is Document {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}
