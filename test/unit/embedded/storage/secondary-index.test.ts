import { describe, it, expect } from '@jest/globals';
import { Long, ObjectId } from 'bson';
import { canonicalKey } from '../../../../src/embedded/bson/canonical-key.js';
import { BracketEdge } from '../../../../src/embedded/bson/type-rank.js';
import type { EntryComparator } from '../../../../src/embedded/storage/entry-comparator.js';
import type { IndexBounds } from '../../../../src/embedded/storage/index-bounds.js';
import { SecondaryIndex, type SecondaryIndexSpec } from '../../../../src/embedded/storage/secondary-index.js';

type Doc = { _id: unknown } & Record<string, unknown>;

function build(spec: SecondaryIndexSpec, docs: Doc[]): SecondaryIndex {
  const index = new SecondaryIndex(spec);
  for (const doc of docs) index.add(canonicalKey(doc._id), doc);
  return index;
}

const ids = (index: SecondaryIndex, bounds: IndexBounds): string[] => [...index.scan(bounds)];
const id = (n: unknown): string => canonicalKey(n);

/** An index whose comparator counts its calls. */
function counted(spec: SecondaryIndexSpec): { index: SecondaryIndex; calls: () => number; reset: () => void } {
  let calls = 0;
  const wrap = (compare: EntryComparator): EntryComparator => (a, b) => {
    calls++;
    return compare(a, b);
  };
  return { index: new SecondaryIndex(spec, { wrapComparator: wrap }), calls: () => calls, reset: () => (calls = 0) };
}

describe('SecondaryIndex', () => {
  const docs: Doc[] = [
    { _id: 1, a: 5, b: 'x' },
    { _id: 2, a: 3, b: 'y' },
    { _id: 3, a: 5, b: 'y' },
    { _id: 4, a: 'five' },
    { _id: 5, b: 'z' },
    { _id: 6, a: Long.fromNumber(3), b: 'x' },
    { _id: 7, a: 9.5, b: 'x' },
  ];

  it('exposes its specification', () => {
    const index = new SecondaryIndex({ name: 'a_1', key: { a: 1 }, unique: true });
    expect(index.name).toBe('a_1');
    expect(index.keyPattern).toEqual([['a', 1]]);
    expect(index.unique).toBe(true);
    expect(index.sparse).toBe(false);
    expect(index.partialFilterExpression).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('rejects unsupported key patterns', () => {
    expect(() => new SecondaryIndex({ name: 't', key: { a: 'text' } })).toThrow(expect.objectContaining({ codeName: 'CannotCreateIndex' }));
  });

  it('finds points, numbers equal across types', () => {
    const index = build({ name: 'a_1', key: { a: 1 } }, docs);
    expect(index.size).toBe(7);
    expect(ids(index, [{ points: [5] }])).toEqual([id(1), id(3)]);
    expect(ids(index, [{ points: [3] }])).toEqual([id(2), id(6)]);
    expect(ids(index, [{ points: [Long.fromNumber(5), 'five', 5] }])).toEqual([id(1), id(3), id(4)]);
    expect(ids(index, [{ points: [null] }])).toEqual([id(5)]);
    expect(ids(index, [{ points: [] }])).toEqual([]);
    expect(ids(index, [{ points: [42] }])).toEqual([]);
  });

  it('scans ranges with inclusive and exclusive ends, in index order', () => {
    const index = build({ name: 'a_1', key: { a: 1 } }, docs);
    const high = { value: new BracketEdge('number', 1), inclusive: true };
    expect(ids(index, [{ min: { value: 3, inclusive: true }, max: high }])).toEqual([2, 6, 1, 3, 7].map(id));
    expect(ids(index, [{ min: { value: 3, inclusive: false }, max: { value: 9.5, inclusive: false } }])).toEqual(
      [1, 3].map(id),
    );
    expect(ids(index, [{ max: { value: 5, inclusive: true } }])).toEqual([5, 2, 6, 1, 3].map(id));
    expect(ids(index, [{ min: { value: 'a', inclusive: true } }])).toEqual([id(4)]);
    expect(ids(index, [{}])).toHaveLength(7);
    expect(ids(index, [])).toHaveLength(7);
    expect(ids(index, [{ min: { value: 5, inclusive: true }, max: { value: 5, inclusive: false } }])).toEqual([]);
    expect(ids(index, [{ min: { value: 6, inclusive: true }, max: { value: 5, inclusive: true } }])).toEqual([]);
  });

  it('honours descending fields', () => {
    const index = build({ name: 'a_-1', key: { a: -1 } }, docs);
    const high = { value: new BracketEdge('number', 1), inclusive: true };
    expect(ids(index, [{ min: { value: 3, inclusive: true }, max: high }])).toEqual([7, 1, 3, 2, 6].map(id));
    expect(ids(index, [{ min: { value: 3, inclusive: false }, max: { value: 9.5, inclusive: true } }])).toEqual(
      [7, 1, 3].map(id),
    );
    expect(ids(index, [{ points: [3, 5] }])).toEqual([1, 3, 2, 6].map(id));
  });

  it('counts the entries a scan reads, including those a non-leading bound skips, when asked', () => {
    const index = build({ name: 'b_1_a_-1', key: { b: 1, a: -1 } }, docs);
    const stats = { keysExamined: 0 };
    expect([...index.scan([{ points: ['x'] }], stats)]).toEqual([7, 1, 6].map(id));
    expect(stats.keysExamined).toBe(3);
    // b >= 'x' reads the six entries of x, y and z; only two of them also have a = 5.
    stats.keysExamined = 0;
    expect([...index.scan([{ min: { value: 'x', inclusive: true } }, { points: [5] }], stats)]).toEqual([1, 3].map(id));
    expect(stats.keysExamined).toBe(6);
    stats.keysExamined = 0;
    expect([...index.scan([{ points: ['nothing'] }], stats)]).toEqual([]);
    expect(stats.keysExamined).toBe(0);
  });

  it('reports the entries read by a scan abandoned early', () => {
    const index = build({ name: 'a_1', key: { a: 1 } }, docs);
    const stats = { keysExamined: 0 };
    for (const key of index.scan([{}], stats)) {
      expect(key).toBe(id(5));
      break;
    }
    expect(stats.keysExamined).toBe(1);
  });

  it('counts each entry of a multikey document, even when de-duplicated', () => {
    const index = build({ name: 't_1', key: { t: 1 } }, [{ _id: 1, t: [1, 2, 3] }, { _id: 2, t: [2] }]);
    const stats = { keysExamined: 0 };
    expect([...index.scan([{ min: { value: 1, inclusive: true }, max: { value: 3, inclusive: true } }], stats)]).toEqual([1, 2].map(id));
    expect(stats.keysExamined).toBe(4);
  });

  it('compounds points on leading fields with a range on the next one', () => {
    const index = build({ name: 'b_1_a_-1', key: { b: 1, a: -1 } }, docs);
    expect(ids(index, [{ points: ['x'] }])).toEqual([7, 1, 6].map(id));
    expect(ids(index, [{ points: ['y', 'x'] }, { points: [5, 3] }])).toEqual([1, 6, 3, 2].map(id));
    expect(ids(index, [{ points: ['x', 'y'] }, { min: { value: 4, inclusive: true } }])).toEqual([7, 1, 3].map(id));
    expect(ids(index, [{ points: ['x'] }, { max: { value: 5, inclusive: false } }])).toEqual([id(6)]);
    // Bounds after a range field are checked entry by entry.
    expect(ids(index, [{ min: { value: 'x', inclusive: true } }, { points: [5] }])).toEqual([1, 3].map(id));
  });

  it('returns each multikey document once', () => {
    const index = build({ name: 'tags_1', key: { tags: 1 } }, [
      { _id: 1, tags: ['a', 'b', 'c'] },
      { _id: 2, tags: ['b'] },
      { _id: 3, tags: [] },
    ]);
    expect(index.size).toBe(5);
    expect(index.multikeyFields).toEqual(new Set(['tags']));
    expect(ids(index, [{ points: ['a', 'b', 'c'] }])).toEqual([1, 2].map(id));
    expect(ids(index, [{ points: [null] }])).toEqual([id(3)]);
  });

  it('removes exactly the entries a document added', () => {
    const index = build({ name: 'a_1', key: { a: 1 } }, docs);
    index.remove(id(1), docs[0] as Doc);
    index.remove(id(4), docs[3] as Doc);
    expect(index.size).toBe(5);
    expect(ids(index, [{ points: [5, 'five'] }])).toEqual([id(3)]);
    const tags = build({ name: 'tags_1', key: { tags: 1 } }, [{ _id: 1, tags: ['a', 'b'] }]);
    tags.remove(id(1), { _id: 1, tags: ['a', 'b'] });
    expect(tags.size).toBe(0);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.multikeyFields.size).toBe(0);
  });

  it('reports duplicates on unique indexes, treating missing as null', () => {
    const index = build({ name: 'email_1', key: { email: 1 }, unique: true }, [
      { _id: 1, email: 'a@x' },
      { _id: 2 },
    ]);
    expect(index.findDuplicate({ _id: 3, email: 'a@x' }, id(3))).toEqual({ keyValue: { email: 'a@x' } });
    expect(index.findDuplicate({ _id: 1, email: 'a@x' }, id(1))).toBeUndefined();
    expect(index.findDuplicate({ _id: 3, email: 'b@x' }, id(3))).toBeUndefined();
    expect(index.findDuplicate({ _id: 3 }, id(3))).toEqual({ keyValue: { email: null } });
    expect(index.findDuplicate({ _id: 3, email: ['c@x', 'a@x'] }, id(3))).toEqual({ keyValue: { email: 'a@x' } });
    const plain = build({ name: 'email_1', key: { email: 1 } }, [{ _id: 1, email: 'a@x' }]);
    expect(plain.findDuplicate({ _id: 2, email: 'a@x' }, id(2))).toBeUndefined();
  });

  it('reports compound duplicates field by field', () => {
    const index = build({ name: 'a_1_b_1', key: { a: 1, b: -1 }, unique: true }, [{ _id: 1, a: 1, b: 2 }]);
    expect(index.findDuplicate({ _id: 2, a: 1, b: 3 }, id(2))).toBeUndefined();
    expect(index.findDuplicate({ _id: 2, a: Long.fromNumber(1), b: 2 }, id(2))).toEqual({
      keyValue: { a: Long.fromNumber(1), b: 2 },
    });
  });

  it('leaves documents without any indexed field out of a sparse index', () => {
    const index = build({ name: 'email_1', key: { email: 1 }, unique: true, sparse: true }, [
      { _id: 1, email: 'a@x' },
      { _id: 2 },
      { _id: 3, email: null },
    ]);
    expect(index.size).toBe(2);
    expect(index.keysFor({ _id: 4 })).toEqual([]);
    expect(index.findDuplicate({ _id: 4 }, id(4))).toBeUndefined();
    expect(index.findDuplicate({ _id: 4, email: null }, id(4))).toEqual({ keyValue: { email: null } });
  });

  it('indexes only documents matching the partial filter', () => {
    const oid = new ObjectId();
    const index = build(
      { name: 'user_1', key: { user: 1 }, unique: true, partialFilterExpression: { status: 'active' } },
      [
        { _id: 1, user: oid, status: 'active' },
        { _id: 2, user: oid, status: 'archived' },
      ],
    );
    expect(index.partialFilterExpression).toEqual({ status: 'active' });
    expect(index.size).toBe(1);
    expect(index.keysFor({ _id: 3, user: oid })).toEqual([]);
    expect(index.findDuplicate({ _id: 3, user: oid, status: 'archived' }, id(3))).toBeUndefined();
    expect(index.findDuplicate({ _id: 3, user: oid, status: 'active' }, id(3))).toEqual({ keyValue: { user: oid } });
  });

  it('throws MongoDB error 171 for parallel arrays', () => {
    const index = new SecondaryIndex({ name: 'a_1_b_1', key: { a: 1, b: 1 } });
    expect(() => index.add(id(1), { _id: 1, a: [1], b: [2] })).toThrow(expect.objectContaining({ mongoCode: 171 }));
    expect(index.size).toBe(0);
  });

  it.each([1_000, 100_000])('looks up a point among %i entries with O(log n) comparisons', (n) => {
    const { index, calls, reset } = counted({ name: 'n_1', key: { n: 1 } });
    for (let i = 0; i < n; i++) index.add(id(i), { _id: i, n: i % (n / 10) });
    reset();
    const found = ids(index, [{ points: [7] }]);
    expect(found).toHaveLength(10);
    expect(calls()).toBeLessThan(200);
    reset();
    const range = ids(index, [{ min: { value: 20, inclusive: true }, max: { value: 30, inclusive: false } }]);
    expect(range).toHaveLength(100);
    // One comparison per visited entry plus the descent.
    expect(calls()).toBeLessThan(300);
  });

  it('keeps string _id keys in index order within equal values', () => {
    const index = build({ name: 'v_1', key: { v: 1 } }, [
      { _id: 'b', v: 1 },
      { _id: 'a', v: 1 },
      { _id: 'c', v: 0 },
    ]);
    expect(ids(index, [{}])).toEqual(['sc', 'sa', 'sb']);
  });
});
