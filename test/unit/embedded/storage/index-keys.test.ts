import { describe, it, expect } from '@jest/globals';
import { Long } from 'bson';
import { CommandError } from '../../../../src/core/errors/command-error.js';
import { ParallelArraysError } from '../../../../src/core/errors/parallel-arrays-error.js';
import {
  analyzeIndexKeys,
  extractIndexKeys,
  isSparseMissing,
  parseKeyPattern,
  type KeyPattern,
} from '../../../../src/embedded/storage/index-keys.js';

const keys = (doc: object, key: Record<string, 1 | -1>): unknown[][] => extractIndexKeys(doc, parseKeyPattern(key));

describe('parseKeyPattern', () => {
  it('keeps field order and direction', () => {
    expect(parseKeyPattern({ a: 1, 'b.c': -1 })).toEqual([
      ['a', 1],
      ['b.c', -1],
    ]);
  });

  it('normalises other non-zero numbers to a direction, as MongoDB does', () => {
    expect(parseKeyPattern({ a: 2, b: -0.5 })).toEqual([
      ['a', 1],
      ['b', -1],
    ]);
  });

  it.each(['text', '2dsphere', 'hashed', '2d', 0, true, null, NaN])('rejects %p with CannotCreateIndex', (value) => {
    expect(() => parseKeyPattern({ a: value })).toThrow(CommandError);
    expect(() => parseKeyPattern({ a: value })).toThrow(expect.objectContaining({ codeName: 'CannotCreateIndex' }));
    expect(() => parseKeyPattern({ a: value })).toThrow(/only ascending \(1\) and descending \(-1\)/);
  });

  it('rejects empty patterns and invalid field names', () => {
    expect(() => parseKeyPattern({})).toThrow(CommandError);
    expect(() => parseKeyPattern({ $a: 1 })).toThrow(/invalid field name/);
    expect(() => parseKeyPattern({ 'a..b': 1 })).toThrow(/invalid field name/);
  });
});

describe('extractIndexKeys', () => {
  it('indexes scalars, and missing or null fields as null', () => {
    expect(keys({ a: 1 }, { a: 1 })).toEqual([[1]]);
    expect(keys({}, { a: 1 })).toEqual([[null]]);
    expect(keys({ a: null }, { a: 1 })).toEqual([[null]]);
    expect(keys({ a: { b: 1 } }, { a: 1 })).toEqual([[{ b: 1 }]]);
    expect(keys({ a: 1, b: 'x' }, { b: 1, a: -1 })).toEqual([['x', 1]]);
  });

  it('follows dotted paths through documents', () => {
    expect(keys({ a: { b: { c: 5 } } }, { 'a.b.c': 1 })).toEqual([[5]]);
    expect(keys({ a: { b: 5 } }, { 'a.c': 1 })).toEqual([[null]]);
    expect(keys({ a: 5 }, { 'a.b': 1 })).toEqual([[null]]);
  });

  it('gives one key per array element, de-duplicated, and null for an empty array', () => {
    expect(keys({ a: [1, 2, 2, Long.fromNumber(1)] }, { a: 1 })).toEqual([[1], [2]]);
    expect(keys({ a: [] }, { a: 1 })).toEqual([[null]]);
    expect(keys({ a: [[1, 2]] }, { a: 1 })).toEqual([[[1, 2]]]);
  });

  it('expands arrays of documents along dotted paths', () => {
    expect(keys({ a: [{ b: 1 }, { b: 2 }] }, { 'a.b': 1 })).toEqual([[1], [2]]);
    expect(keys({ a: [{ b: 1 }, { c: 2 }] }, { 'a.b': 1 })).toEqual([[1], [null]]);
    expect(keys({ a: [1, { b: 2 }] }, { 'a.b': 1 })).toEqual([[null], [2]]);
    expect(keys({ a: [{ b: [1, 2] }, { b: 3 }] }, { 'a.b': 1 })).toEqual([[1], [2], [3]]);
    expect(keys({ a: { b: [{ c: 1 }, { c: 2 }] } }, { 'a.b.c': 1 })).toEqual([[1], [2]]);
  });

  it('reads an array nested in an expanded array both as MongoDB (null) and as mingo (its elements)', () => {
    expect(keys({ a: [[{ b: 1 }]] }, { 'a.b': 1 })).toEqual([[{ b: 1 }], [null]]);
    expect(keys({ a: [{ b: 2 }, [0, 'x']] }, { 'a.b': 1 })).toEqual([[2], [0], ['x'], [null]]);
    expect(keys({ a: [[[0]]] }, { 'a.b': 1 })).toEqual([[[0]], [0], [null]]);
    expect(keys({ a: [[1, 2]] }, { 'a.b': 1, 'a.c': 1 })).toEqual([
      [1, 1],
      [2, 2],
      [null, null],
    ]);
  });

  it('also indexes values nested one level per dot inside a leaf array (the matcher finds them)', () => {
    expect(keys({ a: { b: [[5]] } }, { 'a.b': 1 })).toEqual([[[5]], [5]]);
  });

  it('selects array elements with numeric path components', () => {
    expect(keys({ a: [5, 6] }, { 'a.1': 1 })).toEqual([[6]]);
    expect(keys({ a: [{ b: 1 }, { b: 2 }] }, { 'a.0.b': 1 })).toEqual([[1]]);
    expect(keys({ a: [[7, 8]] }, { 'a.0': 1 })).toEqual([[7], [8]]);
    expect(keys({ a: { 0: 'x' } }, { 'a.0': 1 })).toEqual([['x']]);
    expect(keys({ a: [] }, { 'a.0': 1 })).toEqual([[null]]);
  });

  it('combines one array field with the other fields of a compound key', () => {
    expect(keys({ a: [1, 2], b: 3 }, { a: 1, b: 1 })).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(keys({ a: 3, b: [] }, { a: 1, b: 1 })).toEqual([[3, null]]);
  });

  it('correlates fields that share an array, element by element', () => {
    const doc = { a: [{ b: 1, c: 2 }, { b: 3, c: 4 }, { b: 5 }] };
    expect(keys(doc, { 'a.b': 1, 'a.c': 1 })).toEqual([
      [1, 2],
      [3, 4],
      [5, null],
    ]);
    expect(keys({ a: [{ b: [1, 2], c: 3 }] }, { 'a.b': 1, 'a.c': 1 })).toEqual([
      [1, 3],
      [2, 3],
    ]);
  });

  it('refuses parallel arrays with MongoDB error 171', () => {
    const attempt = (): unknown => keys({ a: [1], b: [2] }, { a: 1, b: 1 });
    expect(attempt).toThrow(ParallelArraysError);
    expect(attempt).toThrow('cannot index parallel arrays [b] [a]');
    try {
      attempt();
    } catch (error) {
      expect((error as ParallelArraysError).mongoCode).toBe(171);
      expect((error as ParallelArraysError).code).toBe('EMBEDDED_COMMAND_ERROR');
    }
    expect(() => keys({ x: { a: [], b: [1] } }, { 'x.a': 1, 'x.b': 1 })).toThrow('cannot index parallel arrays [b] [a]');
    expect(() => keys({ a: [{ b: [1], c: [2] }] }, { 'a.b': 1, 'a.c': 1 })).toThrow(ParallelArraysError);
  });

  it('allows arrays in different elements of a shared array', () => {
    expect(keys({ a: [{ b: [1, 2] }, { c: [3, 4] }] }, { 'a.b': 1, 'a.c': 1 })).toEqual([
      [1, null],
      [2, null],
      [null, 3],
      [null, 4],
    ]);
  });

  it('reports the array paths that make each field multikey', () => {
    const pattern: KeyPattern = parseKeyPattern({ 'a.b': 1, c: 1 });
    const analysis = analyzeIndexKeys({ a: [{ b: [1] }, { b: 2 }], c: 1 }, pattern);
    expect(analysis.multikeyPaths.map((paths) => [...paths].sort())).toEqual([['a', 'a.b'], []]);
    expect(analyzeIndexKeys({ a: { b: 1 } }, pattern).multikeyPaths.every((p) => p.size === 0)).toBe(true);
  });
});

describe('isSparseMissing', () => {
  const pattern = parseKeyPattern({ a: 1, 'b.c': 1 });

  it('is true only when every field is absent', () => {
    expect(isSparseMissing({}, pattern)).toBe(true);
    expect(isSparseMissing({ b: { d: 1 } }, pattern)).toBe(true);
    expect(isSparseMissing({ a: null }, pattern)).toBe(false);
    expect(isSparseMissing({ b: { c: 0 } }, pattern)).toBe(false);
  });

  it('counts a path through an array as present, as MongoDB does', () => {
    expect(isSparseMissing({ b: [{ d: 1 }] }, pattern)).toBe(false);
    expect(isSparseMissing({ b: [] }, pattern)).toBe(false);
  });
});
