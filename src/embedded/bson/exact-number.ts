/**
 * Exact numbers: int, double, Long and Decimal128 compare (and hash) by mathematical value, as in MongoDB.
 *
 * @module
 */
import { bsonTypeOf } from './type-rank.js';

/** NaN, ±Infinity, or the finite value `m * 2^p2 * 10^p10`. */
export type ExactNumber =
  | { readonly kind: 'nan' }
  | { readonly kind: 'inf'; readonly negative: boolean }
  | { readonly kind: 'finite'; readonly m: bigint; readonly p2: number; readonly p10: number };

const NAN: ExactNumber = { kind: 'nan' };
const scratch = new DataView(new ArrayBuffer(8));

function doubleToExact(x: number): ExactNumber {
  if (Number.isNaN(x)) return NAN;
  if (!Number.isFinite(x)) return { kind: 'inf', negative: x < 0 };
  if (Number.isSafeInteger(x)) return { kind: 'finite', m: BigInt(x), p2: 0, p10: 0 };
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = biased === 0 ? -1074 : biased - 1075;
  return { kind: 'finite', m: hi >>> 31 ? -mantissa : mantissa, p2: exponent, p10: 0 };
}

const decimalPattern = /^(-?)(\d+)(?:\.(\d*))?(?:E([+-]?\d+))?$/i;

function decimalToExact(text: string): ExactNumber {
  if (text === 'NaN' || text === '-NaN') return NAN;
  if (text === 'Infinity' || text === '-Infinity') return { kind: 'inf', negative: text.startsWith('-') };
  const match = decimalPattern.exec(text);
  if (match === null) return NAN;
  const [, minus, whole = '', fraction = '', exponent = '0'] = match;
  const digits = BigInt(whole + fraction);
  return { kind: 'finite', m: minus === '-' ? -digits : digits, p2: 0, p10: Number(exponent) - fraction.length };
}

/** The exact value of a number of any BSON numeric type (JS number, bigint, Long, Decimal128, Int32, Double). */
export function toExactNumber(value: unknown): ExactNumber {
  if (typeof value === 'number') return doubleToExact(value);
  if (typeof value === 'bigint') return { kind: 'finite', m: value, p2: 0, p10: 0 };
  const tag = bsonTypeOf(value as object);
  if (tag === 'Long') return { kind: 'finite', m: (value as { toBigInt(): bigint }).toBigInt(), p2: 0, p10: 0 };
  if (tag === 'Decimal128') return decimalToExact(String(value));
  // Int32 / Double wrappers (promoteValues: false).
  return doubleToExact(Number((value as { value: unknown }).value));
}

function exactOrder(e: ExactNumber): number {
  if (e.kind === 'nan') return 0;
  if (e.kind === 'inf') return e.negative ? 1 : 3;
  return 2;
}

/** Compares two doubles in MongoDB's order: NaN below every other number and equal to NaN; -0 equals 0. */
export function compareDoubles(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  return aNaN ? (bNaN ? 0 : -1) : 1;
}

/** Compares two numbers of any BSON numeric types by exact value (see {@link compareDoubles} for NaN and -0). */
export function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return compareDoubles(a, b);
  const ea = toExactNumber(a);
  const eb = toExactNumber(b);
  const oa = exactOrder(ea);
  const ob = exactOrder(eb);
  if (oa !== ob) return oa < ob ? -1 : 1;
  if (ea.kind !== 'finite' || eb.kind !== 'finite') return 0;
  // Divide both by the same positive 2^p2 * 10^p10 so that both sides become integers.
  const p2 = Math.min(ea.p2, eb.p2);
  const p10 = Math.min(ea.p10, eb.p10);
  const x = ea.m * 2n ** BigInt(ea.p2 - p2) * 10n ** BigInt(ea.p10 - p10);
  const y = eb.m * 2n ** BigInt(eb.p2 - p2) * 10n ** BigInt(eb.p10 - p10);
  return x < y ? -1 : x > y ? 1 : 0;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A key for a number that depends only on its exact value. Safe integers: `n<decimal>`. */
export function numberKey(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return `n${value}`;
  const e = toExactNumber(value);
  if (e.kind === 'nan') return 'nNaN';
  if (e.kind === 'inf') return e.negative ? 'n-Inf' : 'n+Inf';
  let m = e.m;
  if (m === 0n) return 'n0';
  // value = m * 2^e2 * 5^e5; strip 2s and 5s from m so the triple is unique.
  let e2 = e.p2 + e.p10;
  let e5 = e.p10;
  while (m % 2n === 0n) {
    m /= 2n;
    e2++;
  }
  while (m % 5n === 0n) {
    m /= 5n;
    e5++;
  }
  // Any larger exponent already exceeds MAX_SAFE_INTEGER (2^53, 5^23 > 2^53).
  if (e2 >= 0 && e5 >= 0 && e2 <= 53 && e5 <= 23) {
    const integer = m * 2n ** BigInt(e2) * 5n ** BigInt(e5);
    if (integer <= MAX_SAFE && integer >= -MAX_SAFE) return `n${integer}`;
  }
  return `n${m}p${e2}q${e5}`;
}
