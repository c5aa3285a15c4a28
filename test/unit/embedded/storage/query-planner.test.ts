import { describe, it, expect } from '@jest/globals';
import { Decimal128, Long, ObjectId } from 'bson';
import { Query } from 'mingo';
import { canonicalKey } from '../../../../src/embedded/bson/canonical-key.js';
import { BracketEdge } from '../../../../src/embedded/bson/type-rank.js';
import { planQuery, type QueryPlan } from '../../../../src/embedded/storage/query-planner.js';
import { SecondaryIndex, type SecondaryIndexSpec } from '../../../../src/embedded/storage/secondary-index.js';
import { seededRandom } from '../../../support/seeded-random.js';

type Doc = { _id: unknown } & Record<string, unknown>;

const index = (key: Record<string, 1 | -1>, options: Partial<SecondaryIndexSpec> = {}): SecondaryIndex =>
  new SecondaryIndex({ name: Object.keys(key).join('_'), key, ...options });

function bounds(plan: QueryPlan): unknown {
  if (plan.kind !== 'index') throw new Error(`expected an index plan, got ${plan.kind}`);
  return plan.bounds;
}

const numberLow = { value: new BracketEdge('number', -1), inclusive: true };
const numberHigh = { value: new BracketEdge('number', 1), inclusive: true };

describe('planQuery: _id lookups', () => {
  const oid = new ObjectId();

  it.each<[string, Record<string, unknown>, unknown[]]>([
    ['an ObjectId', { _id: oid }, [oid]],
    ['a string', { _id: 'x', other: { $gt: 1 } }, ['x']],
    ['a number', { _id: 4 }, [4]],
    ['a date', { _id: new Date(5) }, [new Date(5)]],
    ['a boolean', { _id: true }, [true]],
    ['$eq', { _id: { $eq: 'x' } }, ['x']],
    ['$in', { _id: { $in: ['x', 'y', 'x'] } }, ['x', 'y']],
    ['an empty $in', { _id: { $in: [] } }, []],
    ['$and members, intersected', { $and: [{ _id: { $in: [1, 2, 3] } }, { _id: { $in: [3, 2, 9] } }] }, [2, 3]],
  ])('uses %s', (_label, filter, ids) => {
    expect(planQuery(filter, [])).toEqual({ kind: 'idPoints', ids });
  });

  it.each<[string, Record<string, unknown>]>([
    ['null', { _id: null }],
    ['a regex', { _id: /x/ }],
    ['a document', { _id: { a: 1 } }],
    ['a range', { _id: { $gt: 1 } }],
    ['$in with null', { _id: { $in: [1, null] } }],
    ['$ne', { _id: { $ne: 1 } }],
    ['$or', { $or: [{ _id: 1 }, { _id: 2 }] }],
  ])('does not use %s', (_label, filter) => {
    expect(planQuery(filter, []).kind).toBe('scan');
  });
});

describe('planQuery: index bounds', () => {
  const a = index({ a: 1 });

  it('scans without filters or usable indexes', () => {
    expect(planQuery({}, [a])).toEqual({ kind: 'scan' });
    expect(planQuery({ a: 1 }, [])).toEqual({ kind: 'scan' });
    expect(planQuery({ b: 1 }, [a])).toEqual({ kind: 'scan' });
    expect(planQuery({ $or: [{ a: 1 }, { a: 2 }] }, [a])).toEqual({ kind: 'scan' });
  });

  it('turns equality and $in into points', () => {
    expect(planQuery({ a: 5 }, [a])).toEqual({ kind: 'index', index: a, bounds: [{ points: [5] }] });
    expect(bounds(planQuery({ a: { $eq: 'x' } }, [a]))).toEqual([{ points: ['x'] }]);
    expect(bounds(planQuery({ a: { $in: [1, 'x', 1] } }, [a]))).toEqual([{ points: [1, 'x'] }]);
    expect(bounds(planQuery({ $or: [{ a: 7 }] }, [a]))).toEqual([{ points: [7] }]);
    expect(bounds(planQuery({ a: Long.fromNumber(7) }, [a]))).toEqual([{ points: [Long.fromNumber(7)] }]);
  });

  it('clamps comparisons to the operand type bracket', () => {
    expect(bounds(planQuery({ a: { $lt: 5 } }, [a]))).toEqual([{ min: numberLow, max: { value: 5, inclusive: false } }]);
    expect(bounds(planQuery({ a: { $gte: 5 } }, [a]))).toEqual([{ min: { value: 5, inclusive: true }, max: numberHigh }]);
    const d = new Date(0);
    expect(bounds(planQuery({ a: { $gt: d } }, [a]))).toEqual([
      { min: { value: d, inclusive: false }, max: { value: new BracketEdge('date', 1), inclusive: true } },
    ]);
  });

  it('intersects the conditions on a field that never held an array', () => {
    expect(bounds(planQuery({ a: { $gt: 1, $lte: 9 } }, [a]))).toEqual([
      { min: { value: 1, inclusive: false }, max: { value: 9, inclusive: true } },
    ]);
    expect(bounds(planQuery({ $and: [{ a: { $gte: 1 } }, { a: { $gt: 1 } }] }, [a]))).toEqual([
      { min: { value: 1, inclusive: false }, max: numberHigh },
    ]);
    expect(bounds(planQuery({ a: { $in: [1, 5, 9], $gt: 2 } }, [a]))).toEqual([{ points: [5, 9] }]);
    expect(bounds(planQuery({ $and: [{ a: 1 }, { a: 2 }] }, [a]))).toEqual([{ points: [] }]);
    // A number above 5 that is also a string below 'a': the bounds cross, so nothing is scanned.
    expect(bounds(planQuery({ a: { $gt: 5, $lt: 'a' } }, [a]))).toEqual([
      { min: { value: new BracketEdge('string', -1), inclusive: true }, max: numberHigh },
    ]);
    expect([...a.scan([{ min: { value: new BracketEdge('string', -1), inclusive: true }, max: numberHigh }])]).toEqual([]);
  });

  it('uses a single condition on a multikey field', () => {
    const tags = index({ tags: 1 });
    tags.add('s1', { _id: 1, tags: [1, 10] });
    expect(bounds(planQuery({ tags: { $gt: 5, $lt: 3 } }, [tags]))).toEqual([
      { min: { value: 5, inclusive: false }, max: numberHigh },
    ]);
    expect(bounds(planQuery({ tags: { $gt: 5, $in: [1, 2] } }, [tags]))).toEqual([{ points: [1, 2] }]);
  });

  it('ignores conditions that have subtle missing/array semantics', () => {
    for (const condition of [
      null,
      [1],
      { x: 1 },
      /x/,
      { $ne: 1 },
      { $exists: true },
      { $regex: 'x' },
      { $not: { $gt: 1 } },
      { $elemMatch: { $gt: 1 } },
      { $in: [1, null] },
      { $in: [/x/] },
      { $size: 1 },
      { $all: [1] },
      { $type: 'string' },
      { $gt: null },
      { $gt: [1] },
      { $gt: Long.fromNumber(1) },
      { $lt: Decimal128.fromString('1') },
    ]) {
      expect([condition, planQuery({ a: condition }, [a]).kind]).toEqual([condition, 'scan']);
    }
    expect(planQuery({ $nor: [{ a: 1 }], $expr: { $eq: ['$a', 1] }, $comment: 'x' }, [a]).kind).toBe('scan');
    expect(bounds(planQuery({ a: 1, $or: [{ b: 1 }, { c: 1 }], $nor: [{ a: 2 }] }, [a]))).toEqual([{ points: [1] }]);
  });

  it('leaves a string bound open when UTF-16 and code-point order could disagree', () => {
    expect(bounds(planQuery({ a: { $lt: '\uFFFD' } }, [a]))).toEqual([
      { min: { value: new BracketEdge('string', -1), inclusive: true }, max: { value: new BracketEdge('string', 1), inclusive: true } },
    ]);
  });
});

describe('planQuery: index choice', () => {
  it('prefers more leading points, then a range, then unique indexes', () => {
    const a = index({ a: 1 });
    const ab = index({ a: 1, b: -1 });
    const ba = index({ b: 1, a: 1 });
    const aUnique = index({ a: 1 }, { unique: true, name: 'a_unique' });
    expect(planQuery({ a: 1, b: 2 }, [a, ba, ab])).toMatchObject({
      index: ba,
      bounds: [{ points: [2] }, { points: [1] }],
    });
    expect(planQuery({ a: 1, b: { $gt: 2 } }, [a, ba, ab])).toMatchObject({
      index: ab,
      bounds: [{ points: [1] }, { min: { value: 2, inclusive: false } }],
    });
    expect(planQuery({ a: 1 }, [a, aUnique])).toMatchObject({ index: aUnique });
    expect(planQuery({ b: { $gt: 1 }, c: 1 }, [a, ab])).toEqual({ kind: 'scan' });
  });

  it('does not compound bounds across fields that share an array', () => {
    const ab = index({ 'x.a': 1, 'x.b': 1 });
    ab.add('s1', { _id: 1, x: [{ a: 1, b: 3 }, { a: 5, b: 2 }] });
    expect(bounds(planQuery({ 'x.a': 1, 'x.b': 2 }, [ab]))).toEqual([{ points: [1] }]);
    const cd = index({ c: 1, d: 1 });
    cd.add('s1', { _id: 1, c: [1, 2], d: 3 });
    expect(bounds(planQuery({ c: 1, d: 3 }, [cd]))).toEqual([{ points: [1] }, { points: [3] }]);
  });

  it('uses a partial index only when the filter implies its conditions', () => {
    const partial = index({ a: 1 }, { partialFilterExpression: { status: 'active', n: { $gt: 1 } } });
    expect(planQuery({ a: 1 }, [partial]).kind).toBe('scan');
    expect(planQuery({ a: 1, status: 'active' }, [partial]).kind).toBe('scan');
    expect(planQuery({ a: 1, status: 'active', n: { $gt: 1 } }, [partial]).kind).toBe('index');
    expect(planQuery({ a: 1, $and: [{ status: 'active' }, { n: { $gt: 1 } }] }, [partial]).kind).toBe('index');
    expect(planQuery({ a: 1, status: 'active', n: { $gt: Long.fromNumber(1) } }, [partial]).kind).toBe('scan');
    expect(planQuery({ a: 1, status: 'active', n: { $gte: 1 } }, [partial]).kind).toBe('scan');
    // Equalities whose every value passes the partial condition imply it.
    expect(planQuery({ a: 1, status: 'active', n: 5 }, [partial]).kind).toBe('index');
    expect(planQuery({ a: 1, status: 'active', n: { $in: [2, 3] } }, [partial]).kind).toBe('index');
    expect(planQuery({ a: 1, status: 'active', n: { $in: [1, 3] } }, [partial]).kind).toBe('scan');
    expect(planQuery({ a: 1, status: 'active', n: 1 }, [partial]).kind).toBe('scan');
  });

  it('a non-null equality or a typed range implies a partial $exists: true (the Agenda job key index)', () => {
    const key = index({ 'data.key': 1 }, { unique: true, partialFilterExpression: { 'data.key': { $exists: true } } });
    expect(planQuery({ 'data.key': 'k' }, [key])).toMatchObject({ kind: 'index', index: key, bounds: [{ points: ['k'] }] });
    expect(planQuery({ 'data.key': { $eq: 'k' } }, [key]).kind).toBe('index');
    expect(planQuery({ 'data.key': { $in: ['k', 'l'] } }, [key]).kind).toBe('index');
    expect(planQuery({ 'data.key': { $gt: 'k' } }, [key]).kind).toBe('index');
    // null and missing match { $exists: false } documents, which the index leaves out.
    expect(planQuery({ 'data.key': null }, [key]).kind).toBe('scan');
    expect(planQuery({ 'data.key': { $in: ['k', null] } }, [key]).kind).toBe('scan');
    expect(planQuery({ 'data.key': { $ne: 'k' } }, [key]).kind).toBe('scan');
    expect(planQuery({ 'data.key': { $gte: null } }, [key]).kind).toBe('scan');
  });

  it('equalities of the right type imply a partial $type condition', () => {
    const dedupe = index({ instanceId: 1, dedupeKey: 1 }, { unique: true, partialFilterExpression: { dedupeKey: { $type: 'string' } } });
    expect(planQuery({ instanceId: 'i', dedupeKey: 'd' }, [dedupe]).kind).toBe('index');
    expect(planQuery({ instanceId: 'i', dedupeKey: 5 }, [dedupe]).kind).toBe('scan');
    expect(planQuery({ instanceId: 'i' }, [dedupe]).kind).toBe('scan');
    // A negated partial condition is never implied by values.
    const notDone = index({ a: 1 }, { partialFilterExpression: { state: { $ne: 'done' } } });
    expect(planQuery({ a: 1, state: 'open' }, [notDone]).kind).toBe('scan');
  });

  it('uses sparse indexes, whose bounded fields are never null', () => {
    const sparse = index({ a: 1 }, { sparse: true });
    expect(planQuery({ a: { $gte: 2 } }, [sparse]).kind).toBe('index');
    expect(planQuery({ a: null }, [sparse]).kind).toBe('scan');
  });
});

// ---------------------------------------------------------------------------------------------------
// Property: for random documents and filters, planned candidates ⊇ the documents mingo matches.


const oids = [0, 1, 2].map((i) => new ObjectId(`00000000000000000000000${i}`));
const dates = [0, 1, 2].map((i) => new Date(Date.UTC(2024, 0, 1 + i)));
const strings = ['', 'a', 'ab', 'b', 'B', '\uFFFD', '\u{1F600}', 'z\u{1F600}'];

class Generator {
  readonly #rand: () => number;

  constructor(seed: number) {
    this.#rand = seededRandom(seed);
  }

  int(n: number): number {
    return Math.floor(this.#rand() * n);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)] as T;
  }

  scalar(): unknown {
    switch (this.int(9)) {
      case 0:
      case 1:
        return this.int(7) - 3;
      case 2:
        return this.pick([0.5, -1.5, 2.25, Infinity, -Infinity, -0]);
      case 3:
      case 4:
        return this.pick(strings);
      case 5:
        return this.pick(dates);
      case 6:
        return this.pick([true, false]);
      case 7:
        return this.pick(oids);
      default:
        return this.pick([Long.fromNumber(2), Decimal128.fromString('1.0'), null]);
    }
  }

  value(depth = 0): unknown {
    const r = this.int(10);
    if (depth < 3 && r === 0) return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    if (depth < 3 && r === 1) return { x: this.value(depth + 1), y: this.scalar() };
    return this.scalar();
  }

  doc(id: number): Doc {
    const doc: Doc = { _id: id };
    for (const field of ['a', 'b', 'c', 'kind']) {
      if (this.int(5) === 0) continue;
      doc[field] = field === 'kind' ? this.pick(['p', 'q']) : field === 'c' ? this.cValue() : this.value();
    }
    return doc;
  }

  cValue(): unknown {
    switch (this.int(4)) {
      case 0:
        return { x: this.value(), y: this.scalar() };
      case 1:
        return Array.from({ length: this.int(4) }, () => ({ x: this.value(1), y: this.scalar() }));
      default:
        return this.value();
    }
  }

  condition(): unknown {
    const v = (): unknown => this.scalar();
    switch (this.int(12)) {
      case 0:
      case 1:
        return v();
      case 2:
        return { $eq: v() };
      case 3:
        return { $in: [v(), v(), v()] };
      case 4:
        return { [this.pick(['$gt', '$gte', '$lt', '$lte'])]: v() };
      case 5: {
        const x = this.scalar();
        return { [this.pick(['$gt', '$gte'])]: x, [this.pick(['$lt', '$lte'])]: this.scalar() };
      }
      case 6:
        return { $gt: v(), $in: [v(), v()] };
      case 7:
        return { $ne: v() };
      case 8:
        return { $exists: this.pick([true, false]) };
      case 9:
        return { $lte: v(), $eq: v() };
      case 10:
        return { $gte: v(), $lt: v() };
      default:
        return this.value();
    }
  }

  filter(): Record<string, unknown> {
    const fields = ['a', 'b', 'c.x', 'c.y', 'c', '_id', 'kind', 'a.0', 'c.x.x', 'a.x'];
    const filter: Record<string, unknown> = {};
    const count = 1 + this.int(3);
    for (let i = 0; i < count; i++) {
      const field = this.pick(fields);
      const condition = field === '_id' ? this.pick([this.int(60), { $in: [this.int(60), this.int(60)] }, { $gt: 30 }]) : this.condition();
      if (this.int(4) === 0) filter.$and = [...((filter.$and as unknown[] | undefined) ?? []), { [field]: condition }];
      else filter[field] = condition;
    }
    if (this.int(8) === 0) filter.$or = [{ a: this.scalar() }, { b: this.scalar() }];
    if (this.int(6) === 0) filter.kind = 'p';
    return filter;
  }
}

const specs: SecondaryIndexSpec[] = [
  { name: 'a_1', key: { a: 1 } },
  { name: 'a_-1_b_1', key: { a: -1, b: 1 } },
  { name: 'b_1_a_1', key: { b: 1, a: 1 } },
  { name: 'c.x_1', key: { 'c.x': 1 } },
  { name: 'c.x_-1_kind_1', key: { 'c.x': -1, kind: 1 } },
  { name: 'c_1', key: { c: 1 }, sparse: true },
  { name: 'b_1_p', key: { b: 1 }, partialFilterExpression: { kind: 'p' } },
  { name: 'a.0_1', key: { 'a.0': 1 } },
  { name: 'c.x.x_-1', key: { 'c.x.x': -1 } },
  { name: 'a.x_1_kind_1', key: { 'a.x': 1, kind: 1 } },
  { name: 'c.y_1_c.x_1', key: { 'c.y': 1, 'c.x': 1 } },
];

function candidates(plan: QueryPlan, docs: ReadonlyMap<string, Doc>): Set<string> {
  if (plan.kind === 'scan') return new Set(docs.keys());
  if (plan.kind === 'idPoints') return new Set(plan.ids.map(canonicalKey).filter((k) => docs.has(k)));
  const found = [...plan.index.scan(plan.bounds)];
  expect(new Set(found).size).toBe(found.length);
  for (const key of found) expect(docs.has(key)).toBe(true);
  return new Set(found);
}

describe('planQuery + SecondaryIndex.scan (property)', () => {
  it.each([1, 2, 3, 4])('never misses a document mingo matches (seed %i)', (seed) => {
    const gen = new Generator(seed);
    const indexes = specs.map((spec) => new SecondaryIndex(spec));
    const docs = new Map<string, Doc>();
    for (let id = 0; docs.size < 60; id++) {
      const doc = gen.doc(id);
      try {
        for (const ix of indexes) ix.keysFor(doc);
      } catch {
        continue; // parallel arrays: a real insert would be rejected
      }
      const key = canonicalKey(doc._id);
      for (const ix of indexes) ix.add(key, doc);
      docs.set(key, doc);
    }
    // Removing documents must remove their entries too.
    for (const key of [...docs.keys()].slice(0, 10)) {
      const doc = docs.get(key) as Doc;
      for (const ix of indexes) ix.remove(key, doc);
      docs.delete(key);
    }

    const kinds = { scan: 0, idPoints: 0, index: 0 };
    for (let n = 0; n < 1500; n++) {
      const filter = gen.filter();
      const plan = planQuery(filter, indexes);
      kinds[plan.kind]++;
      const found = candidates(plan, docs);
      const query = new Query(filter, { idKey: '_id' });
      const missed = [...docs].filter(([key, doc]) => query.test(doc) && !found.has(key)).map(([, doc]) => doc);
      if (missed.length > 0) {
        throw new Error(`missed ${JSON.stringify(missed)} for ${JSON.stringify(filter)} via ${JSON.stringify(plan.kind === 'index' ? [plan.index.name, plan.bounds] : plan)}`);
      }
    }
    expect(kinds.index).toBeGreaterThan(500);
    expect(kinds.idPoints).toBeGreaterThan(50);
  });
});

describe('planQuery + SecondaryIndex.scan on compound multikey indexes (property)', () => {
  it('never misses a document mingo matches when fields share or split arrays', () => {
    const rand = seededRandom(99);
    const int = (n: number): number => Math.floor(rand() * n);
    const small = (): unknown => (int(6) === 0 ? [int(3), int(3)] : int(3));
    const indexes = [
      new SecondaryIndex({ name: 'c.y_1_c.x_-1', key: { 'c.y': 1, 'c.x': -1 } }),
      new SecondaryIndex({ name: 'a_1_b_1', key: { a: 1, b: 1 } }),
    ];
    const docs = new Map<string, Doc>();
    for (let id = 0; docs.size < 80; id++) {
      const element = (): Record<string, unknown> => ({ x: small(), y: small() });
      const doc: Doc = {
        _id: id,
        c: int(3) === 0 ? element() : Array.from({ length: 1 + int(3) }, element),
        a: small(),
        b: small(),
      };
      try {
        for (const ix of indexes) ix.keysFor(doc);
      } catch {
        continue;
      }
      for (const ix of indexes) ix.add(canonicalKey(id), doc);
      docs.set(canonicalKey(id), doc);
    }
    const condition = (): unknown => {
      switch (int(4)) {
        case 0:
          return int(3);
        case 1:
          return { $in: [int(3), int(3)] };
        case 2:
          return { $gte: int(3) };
        default:
          return { $lt: int(3), $gt: int(3) - 1 };
      }
    };
    let indexed = 0;
    for (let n = 0; n < 2000; n++) {
      const filter = int(2) === 0 ? { 'c.y': condition(), 'c.x': condition() } : { a: condition(), b: condition() };
      const plan = planQuery(filter, indexes);
      if (plan.kind === 'index') indexed++;
      const found = candidates(plan, docs);
      const query = new Query(filter, { idKey: '_id' });
      for (const [key, doc] of docs) {
        if (query.test(doc) && !found.has(key)) throw new Error(`missed ${JSON.stringify(doc)} for ${JSON.stringify(filter)}`);
      }
    }
    expect(indexed).toBe(2000);
  });
});

describe('planQuery: ordered scans for a sort with a limit', () => {
  const pAt = index({ p: 1, at: 1 });
  const sorted = (sort: [string, 1 | -1][], limit = 1) => ({ sort, limit });

  it('scans an index in sort order after a prefix of single-value equalities', () => {
    expect(planQuery({ p: true, at: { $lte: 5 } }, [pAt], sorted([['at', 1]]))).toEqual({
      kind: 'index',
      index: pAt,
      bounds: [{ points: [true] }, { min: numberLow, max: { value: 5, inclusive: true } }],
      ordered: true,
      direction: 1,
    });
    expect(planQuery({ p: true }, [pAt], sorted([['at', 1]], 3))).toMatchObject({ ordered: true, direction: 1 });
    // The sort may also cover the equality fields, or be the whole key pattern without any bounds.
    expect(planQuery({ p: true }, [pAt], sorted([['p', 1], ['at', 1]]))).toMatchObject({ ordered: true, direction: 1 });
    expect(planQuery({}, [pAt], sorted([['p', 1], ['at', 1]]))).toEqual({ kind: 'index', index: pAt, bounds: [], ordered: true, direction: 1 });
  });

  it('scans backward when every sort direction is reversed', () => {
    const agenda = index({ name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 });
    const filter = {
      name: 'job',
      disabled: { $ne: true },
      $or: [{ lockedAt: { $eq: null }, nextRunAt: { $lte: new Date(5) } }, { lockedAt: { $lte: new Date(1) } }],
    };
    expect(planQuery(filter, [agenda], sorted([['nextRunAt', 1], ['priority', -1]]))).toMatchObject({ index: agenda, ordered: true, direction: 1 });
    expect(planQuery(filter, [agenda], sorted([['nextRunAt', -1], ['priority', 1]]))).toMatchObject({ index: agenda, ordered: true, direction: -1 });
    expect(planQuery({ p: 1 }, [pAt], sorted([['at', -1]]))).toMatchObject({ ordered: true, direction: -1 });
  });

  it('falls back to an unordered plan when the sort does not follow the index', () => {
    const unordered = (plan: QueryPlan): boolean => plan.kind !== 'index' || plan.ordered === undefined;
    // No limit, mixed directions, other fields, a gap, a field not pinned to one value, a positional path.
    expect(unordered(planQuery({ p: true }, [pAt], { sort: [['at', 1]] }))).toBe(true);
    expect(unordered(planQuery({ p: true }, [pAt], sorted([['p', 1], ['at', -1]])))).toBe(true);
    expect(unordered(planQuery({ p: true }, [pAt], sorted([['other', 1]])))).toBe(true);
    expect(unordered(planQuery({ p: true }, [index({ p: 1, x: 1, at: 1 })], sorted([['at', 1]])))).toBe(true);
    expect(unordered(planQuery({ p: { $in: [1, 2] } }, [pAt], sorted([['at', 1]])))).toBe(true);
    expect(unordered(planQuery({ p: { $gt: 1 } }, [pAt], sorted([['at', 1]])))).toBe(true);
    expect(unordered(planQuery({ p: true }, [pAt], sorted([['at', 1], ['x', 1]])))).toBe(true);
    expect(unordered(planQuery({}, [index({ 'a.0': 1 })], sorted([['a.0', 1]])))).toBe(true);
    // An _id lookup stays an _id lookup.
    expect(planQuery({ _id: 1, p: true }, [pAt], sorted([['at', 1]])).kind).toBe('idPoints');
  });

  it('falls back when an indexed field it relies on ever held an array', () => {
    const multikeySort = index({ p: 1, at: 1 });
    multikeySort.add('s1', { _id: 1, p: true, at: [3, 1] });
    expect(planQuery({ p: true }, [multikeySort], sorted([['at', 1]]))).not.toHaveProperty('ordered');
    const multikeyPrefix = index({ p: 1, at: 1 });
    multikeyPrefix.add('s1', { _id: 1, p: [true, false], at: 3 });
    expect(planQuery({ p: true }, [multikeyPrefix], sorted([['at', 1]]))).not.toHaveProperty('ordered');
    const emptyArray = index({ p: 1, at: 1 });
    emptyArray.add('s1', { _id: 1, p: true, at: [] });
    expect(planQuery({ p: true }, [emptyArray], sorted([['at', 1]]))).not.toHaveProperty('ordered');
    // An array in a field after the sort fields does not change the order.
    const multikeyTail = index({ p: 1, at: 1, tags: 1 });
    multikeyTail.add('s1', { _id: 1, p: true, at: 3, tags: ['a', 'b'] });
    expect(planQuery({ p: true }, [multikeyTail], sorted([['at', 1]]))).toMatchObject({ ordered: true });
  });

  it('prefers an unordered plan that pins more fields, and needs bounds on a sparse index', () => {
    const status = index({ status: 1 });
    const at = index({ at: 1 });
    expect(planQuery({ status: 'x' }, [status, at], sorted([['at', -1]]))).toEqual({ kind: 'index', index: status, bounds: [{ points: ['x'] }] });
    expect(planQuery({ status: 'x' }, [at], sorted([['at', -1]]))).toMatchObject({ index: at, ordered: true, direction: -1 });
    const sparse = index({ at: 1 }, { sparse: true });
    expect(planQuery({}, [sparse], sorted([['at', 1]]))).toEqual({ kind: 'scan' });
    expect(planQuery({ at: { $gt: 1 } }, [sparse], sorted([['at', 1]]))).toMatchObject({ ordered: true });
    const partial = index({ at: 1 }, { partialFilterExpression: { live: true } });
    expect(planQuery({}, [partial], sorted([['at', 1]]))).toEqual({ kind: 'scan' });
    expect(planQuery({ live: true }, [partial], sorted([['at', 1]]))).toMatchObject({ index: partial, ordered: true });
  });
});

describe('SecondaryIndex.scan backward', () => {
  it('yields exactly the forward scan reversed', () => {
    const ix = index({ p: 1, at: -1 });
    const rand = seededRandom(7);
    const values = [null, undefined, 1, 2.5, 'a', 'b', new Date(3), true];
    for (let i = 0; i < 200; i++) {
      const doc: Doc = { _id: i, p: Math.floor(rand() * 3) };
      const v = values[Math.floor(rand() * (values.length + 1))];
      if (v !== undefined || rand() < 0.5) doc.at = v;
      ix.add(canonicalKey(i), doc);
    }
    const cases = [
      [],
      [{ points: [1] }],
      [{ points: [0, 2] }],
      [{ points: [1] }, { min: numberLow, max: { value: 2.5, inclusive: false } }],
      [{ points: [2, 0, 1] }, { points: ['a', 1, null] }],
    ];
    for (const b of cases) {
      const forward = [...ix.scan(b)];
      const stats = { keysExamined: 0 };
      expect([...ix.scan(b, stats, -1)]).toEqual([...forward].reverse());
      expect(stats.keysExamined).toBeGreaterThanOrEqual(forward.length);
    }
  });
});
