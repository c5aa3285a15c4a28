import { describe, it, expect } from '@jest/globals';
import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from 'bson';
import { seededRandom } from '../../../support/seeded-random.js';
import { canonicalKey } from '../../../../src/embedded/bson/canonical-key.js';
import { bsonEquals, compareBson, compareStrings } from '../../../../src/embedded/bson/compare-bson.js';
import { BracketEdge, typeBracketOf } from '../../../../src/embedded/bson/type-rank.js';

const sign = (n: number): number => Math.sign(n) || 0;
const refId = new ObjectId('00000000000000000000000a');

/** Values in strictly ascending MongoDB order. */
const ascending: unknown[] = [
  new MinKey(),
  null,
  NaN,
  -Infinity,
  Long.fromString('-9223372036854775808'),
  -1.5,
  0,
  Decimal128.fromString('0.5'),
  1,
  9007199254740992,
  Long.fromString('9007199254740993'),
  Decimal128.fromString('1E+400'),
  Infinity,
  '',
  'A',
  'a',
  'ab',
  'b',
  '\uFFFD',
  '\u{1F600}',
  {},
  { a: 1 },
  { a: 1, b: 1 },
  { a: 2 },
  { b: 1 },
  { a: 'x' },
  [],
  [1],
  [1, 2],
  [2],
  new Binary(new Uint8Array([9]), 0),
  new Binary(new Uint8Array([1]), 4),
  new Binary(new Uint8Array([1, 2]), 0),
  new ObjectId('000000000000000000000000'),
  new ObjectId('0123456789abcdef01234567'),
  new ObjectId('ffffffffffffffffffffffff'),
  false,
  true,
  new Date(-1),
  new Date(0),
  new Date(1),
  new Timestamp({ t: 1, i: 5 }),
  new Timestamp({ t: 2, i: 0 }),
  /a/,
  /a/i,
  /b/,
  new Code('x'),
  new Code('x', { a: 1 }),
  new MaxKey(),
];

describe('compareBson', () => {
  it('orders type brackets and values within them as MongoDB does', () => {
    for (let i = 0; i < ascending.length; i++) {
      for (let j = 0; j < ascending.length; j++) {
        const expected = sign(i - j);
        expect([i, j, sign(compareBson(ascending[i], ascending[j]))]).toEqual([i, j, expected]);
      }
    }
  });

  it('sorts a shuffled copy back into order', () => {
    const shuffled = [...ascending].reverse();
    shuffled.push(shuffled.shift());
    expect(shuffled.sort(compareBson)).toEqual(ascending);
  });

  it('treats undefined as null, NaN as equal to NaN and -0 as 0', () => {
    expect(compareBson(undefined, null)).toBe(0);
    expect(compareBson(NaN, NaN)).toBe(0);
    expect(compareBson(NaN, Decimal128.fromString('NaN'))).toBe(0);
    expect(compareBson(-0, 0)).toBe(0);
    expect(compareBson(Decimal128.fromString('-0'), 0)).toBe(0);
  });

  it('compares numbers by exact value across int, double, Long and Decimal128', () => {
    expect(compareBson(1, Long.fromNumber(1))).toBe(0);
    expect(compareBson(Decimal128.fromString('1.000'), 1)).toBe(0);
    expect(compareBson(new Int32(3), 3)).toBe(0);
    expect(compareBson(Decimal128.fromString('Infinity'), Infinity)).toBe(0);
    // 0.1 as a double is 0.1000000000000000055511151231257827...
    expect(compareBson(0.1, Decimal128.fromString('0.1'))).toBeGreaterThan(0);
    expect(compareBson(2 ** 60, Long.fromString('1152921504606846976'))).toBe(0);
    expect(compareBson(2 ** 60, Long.fromString('1152921504606846977'))).toBeLessThan(0);
    expect(compareBson(Long.fromString('-5'), -4.5)).toBeLessThan(0);
    expect(compareBson(5e-324, 0)).toBeGreaterThan(0);
  });

  it('compares strings by code point (UTF-8 byte order), not UTF-16 units', () => {
    expect('\u{1F600}' < '\uFFFD').toBe(true); // the JS order this fixes
    expect(compareStrings('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
    expect(compareStrings('x\u{1F600}', 'x\uE000')).toBeGreaterThan(0);
    expect(compareStrings('\u{1F600}', '\u{1F601}')).toBeLessThan(0);
    expect(compareStrings('abc', 'abd')).toBeLessThan(0);
    expect(compareStrings('ab', 'abc')).toBeLessThan(0);
  });

  it('puts symbols in the string bracket and DBRefs in the object bracket', () => {
    expect(compareBson(new BSONSymbol('abc'), 'abc')).toBe(0);
    expect(compareBson(new BSONSymbol('abc'), 'abd')).toBeLessThan(0);
    expect(compareBson(new DBRef('c', refId), { $ref: 'c', $id: refId })).toBe(0);
  });

  it('compares objects by value type, then field name, then value', () => {
    expect(compareBson({ b: 1 }, { a: 'x' })).toBeLessThan(0);
    expect(compareBson({ a: { b: 1 } }, { a: { b: 2 } })).toBeLessThan(0);
    expect(compareBson({ a: [1, 2] }, { a: [1, 2] })).toBe(0);
  });

  it('compares regular expressions by pattern then flags, JS and BSON alike', () => {
    expect(compareBson(/ab/im, new BSONRegExp('ab', 'mi'))).toBe(0);
    expect(compareBson(/ab/, /ab/i)).toBeLessThan(0);
  });

  it('places bracket edges around every value of their bracket', () => {
    const low = new BracketEdge('number', -1);
    const high = new BracketEdge('number', 1);
    for (const n of [NaN, -Infinity, 0, Infinity, Long.fromNumber(3)]) {
      expect(compareBson(low, n)).toBeLessThan(0);
      expect(compareBson(high, n)).toBeGreaterThan(0);
    }
    expect(compareBson(high, '')).toBeLessThan(0);
    expect(compareBson(low, null)).toBeGreaterThan(0);
    expect(compareBson(low, high)).toBeLessThan(0);
    expect(compareBson(new BracketEdge('string', 1), {})).toBeLessThan(0);
    expect(typeBracketOf(new Date())).toBe('date');
    expect(typeBracketOf(null)).toBeUndefined();
  });

  it('is antisymmetric and transitive over random values', () => {
    const rand = seededRandom(7);
    const pick = (): unknown => ascending[Math.floor(rand() * ascending.length)];
    for (let n = 0; n < 3000; n++) {
      const [a, b, c] = [pick(), pick(), pick()];
      expect(sign(compareBson(a, b)) + sign(compareBson(b, a))).toBe(0);
      if (compareBson(a, b) <= 0 && compareBson(b, c) <= 0) expect(compareBson(a, c)).toBeLessThanOrEqual(0);
    }
    expect(bsonEquals([1, 'x'], [Long.fromNumber(1), 'x'])).toBe(true);
  });
});

describe('canonicalKey', () => {
  const values: unknown[] = [
    ...ascending,
    undefined,
    1.0,
    Long.fromNumber(1),
    Decimal128.fromString('1'),
    Decimal128.fromString('1.00'),
    new Int32(1),
    -0,
    Decimal128.fromString('-0'),
    Decimal128.fromString('0.50'),
    0.1,
    Decimal128.fromString('0.1'),
    2 ** 53,
    Long.fromString('9007199254740992'),
    Decimal128.fromString('9007199254740992'),
    2 ** 60,
    Long.fromString('1152921504606846976'),
    Decimal128.fromString('1.152921504606846976E+18'),
    5 ** 22,
    Decimal128.fromString('2.384185791015625E+15'),
    1e21,
    Decimal128.fromString('1E+21'),
    Decimal128.fromString('NaN'),
    Decimal128.fromString('-Infinity'),
    new BSONSymbol('a'),
    '1',
    { a: Long.fromNumber(1) },
    { a: Decimal128.fromString('1.0'), b: [new Date(0)] },
    { a: 1, b: [new Date(0)] },
    [Long.fromNumber(2)],
    [[1], { x: null }],
    [[1], { x: undefined }],
    new ObjectId('0123456789abcdef01234567'),
    new Date(0),
    new Binary(new Uint8Array([1, 2]), 0),
    new Binary(new Uint8Array([1, 2]), 4),
    new BSONRegExp('a', 'i'),
    new DBRef('c', refId),
    { $ref: 'c', $id: refId },
  ];

  it('is equal exactly when compareBson says the values are equal', () => {
    const mismatches: string[] = [];
    values.forEach((a, i) => {
      values.forEach((b, j) => {
        if ((canonicalKey(a) === canonicalKey(b)) !== (compareBson(a, b) === 0)) mismatches.push(`${i} vs ${j}`);
      });
    });
    expect(mismatches).toEqual([]);
  });

  it('uses short keys for the common _id types', () => {
    expect(canonicalKey('abc')).toBe('sabc');
    expect(canonicalKey(42)).toBe('n42');
    expect(canonicalKey(Long.fromNumber(42))).toBe('n42');
    expect(canonicalKey(new ObjectId('0123456789abcdef01234567'))).toBe('o0123456789abcdef01234567');
    expect(canonicalKey(null)).toBe('z');
    expect(canonicalKey('n42')).not.toBe(canonicalKey(42));
  });
});

