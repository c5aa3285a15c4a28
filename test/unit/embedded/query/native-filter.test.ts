// The native matcher must agree with mingo (the engine's reference matcher) on every document it decides.
import { describe, expect, it } from '@jest/globals';
import { Long, ObjectId } from 'bson';
import { compileFilter, compileMingoFilter } from '../../../../src/embedded/query/compile-filter.js';
import { compileNativeFilter, Verdict } from '../../../../src/embedded/query/native-filter.js';
import { seededRandom } from '../../../support/seeded-random.js';

type Doc = Record<string, unknown>;

const oidA = new ObjectId('64b000000000000000000001');
const oidB = new ObjectId('64b000000000000000000002');
const SCALARS: unknown[] = [0, 1, -1, 2.5, 'a', 'b', '', 'é', '\u{1F600}', true, false, null, new Date(1000), new Date(2000), oidA, oidB];
const ODD: unknown[] = [[], [1, 'a'], [[1]], { x: 1 }, Long.fromNumber(1), Number.NaN, [null], [{ b: 1 }, { b: 'a' }]];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomValue(random: () => number, depth = 0): unknown {
  const r = random();
  if (r < 0.55) return pick(random, SCALARS);
  if (r < 0.7) return pick(random, ODD);
  if (depth < 2) {
    const doc: Doc = {};
    for (const key of ['b', 'c']) if (random() < 0.7) doc[key] = randomValue(random, depth + 1);
    return r < 0.9 ? doc : [doc, randomValue(random, depth + 1)];
  }
  return pick(random, SCALARS);
}

function randomDoc(random: () => number): Doc {
  const doc: Doc = { _id: 1 };
  for (const key of ['a', 'b', 'c']) if (random() < 0.8) doc[key] = randomValue(random);
  return doc;
}

const PATHS = ['a', 'b', 'a.b', 'a.c', 'a.b.c', 'c.b'];

function randomCondition(random: () => number): unknown {
  const operand = (): unknown => pick(random, SCALARS);
  switch (Math.floor(random() * 9)) {
    case 0: return operand();
    case 1: return { $eq: operand() };
    case 2: return { $ne: operand() };
    case 3: return { $in: [operand(), operand()] };
    case 4: return { $nin: [operand(), operand()] };
    case 5: return { $exists: random() < 0.5 };
    case 6: return { [pick(random, ['$gt', '$gte', '$lt', '$lte'])]: operand() };
    case 7: return { $gt: operand(), $lte: operand() };
    default: return { [pick(random, ['$gte', '$lt'])]: operand(), $ne: null };
  }
}

function randomFilter(random: () => number, depth = 0): Doc {
  const filter: Doc = {};
  const n = 1 + Math.floor(random() * 2);
  for (let i = 0; i < n; i++) {
    if (depth < 1 && random() < 0.2) {
      filter[pick(random, ['$and', '$or', '$nor'])] = [randomFilter(random, depth + 1), randomFilter(random, depth + 1)];
    } else {
      filter[pick(random, PATHS)] = randomCondition(random);
    }
  }
  return filter;
}

describe('native filter matcher', () => {
  it('agrees with mingo on every document it decides, over random filters and documents', () => {
    const random = seededRandom(20240607);
    let decided = 0;
    let compiled = 0;
    for (let f = 0; f < 500; f++) {
      const filter = randomFilter(random);
      const native = compileNativeFilter(filter);
      // Ranges with a null bound are left to mingo.
      if (native === undefined) continue;
      compiled++;
      const mingo = compileMingoFilter(filter);
      const combined = compileFilter(filter);
      for (let d = 0; d < 40; d++) {
        const doc = randomDoc(random);
        const verdict = native(doc);
        const expected = mingo(doc);
        if (verdict !== Verdict.Undecided) {
          decided++;
          if ((verdict === Verdict.Yes) !== expected) {
            throw new Error(`native ${verdict} vs mingo ${String(expected)} for ${JSON.stringify(filter)} on ${JSON.stringify(doc)}`);
          }
        }
        expect(combined(doc)).toBe(expected);
      }
    }
    // Most filters compile and most documents are decided natively: the fast path is really taken.
    expect(compiled).toBeGreaterThan(400);
    expect(decided).toBeGreaterThan(8_000);
  });

  it('decides plain scalar paths and leaves arrays, embedded documents and wide numbers to mingo', () => {
    const eq = compileNativeFilter({ 'a.b': 5 })!;
    expect(eq({ a: { b: 5 } })).toBe(Verdict.Yes);
    expect(eq({ a: { b: 6 } })).toBe(Verdict.No);
    expect(eq({ a: 5 })).toBe(Verdict.No);
    expect(eq({})).toBe(Verdict.No);
    expect(eq({ a: [{ b: 5 }] })).toBe(Verdict.Undecided);
    expect(eq({ a: { b: [5] } })).toBe(Verdict.Undecided);
    expect(eq({ a: { b: Long.fromNumber(5) } })).toBe(Verdict.Undecided);
    const isNull = compileNativeFilter({ a: null })!;
    expect(isNull({})).toBe(Verdict.Yes);
    expect(isNull({ a: null })).toBe(Verdict.Yes);
    expect(isNull({ a: 0 })).toBe(Verdict.No);
  });

  it('compiles only the operators it implements', () => {
    expect(compileNativeFilter({ a: { $regex: 'x' } })).toBeUndefined();
    expect(compileNativeFilter({ a: /x/ })).toBeUndefined();
    expect(compileNativeFilter({ a: { x: 1 } })).toBeUndefined();
    expect(compileNativeFilter({ a: [1] })).toBeUndefined();
    expect(compileNativeFilter({ 'a.0': 1 })).toBeUndefined();
    expect(compileNativeFilter({ a: { $in: [1, /x/] } })).toBeUndefined();
    expect(compileNativeFilter({ a: { $exists: 1 } })).toBeUndefined();
    expect(compileNativeFilter({ $expr: { $eq: ['$a', 1] } })).toBeUndefined();
    expect(compileNativeFilter({ a: Long.fromNumber(1) })).toBeUndefined();
    expect(compileNativeFilter({ a: 1, 'b.c': { $gt: 1, $lte: 5 }, $or: [{ c: 'x' }, { d: { $exists: false } }] })).toBeDefined();
  });
});
