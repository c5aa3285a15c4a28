import { describe, expect, it } from '@jest/globals';
import { Long, ObjectId } from 'bson';
import { applyUpdate, classifyUpdate } from '../../../../src/embedded/query/apply-update.js';
import { upsertSeed } from '../../../../src/embedded/query/upsert-seed.js';
import { CommandError } from '../../../../src/core/errors/command-error.js';

function run(doc: Record<string, unknown>, update: Record<string, unknown> | Record<string, unknown>[], extra: { inserting?: boolean; filter?: Record<string, unknown> } = {}) {
  return applyUpdate(doc, { update, kind: classifyUpdate(update), ...extra });
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    return (error as CommandError).mongoCode;
  }
  return undefined;
}

describe('applyUpdate', () => {
  it('never mutates the stored document (fast path and mingo path)', () => {
    const stored = { _id: 1, a: { b: 1 }, list: [1, 2] };
    const snapshot = JSON.stringify(stored);
    const fast = run(stored, { $set: { 'a.c': 2 }, $inc: { 'a.b': 1 } });
    const slow = run(stored, { $push: { list: 3 } });
    expect(JSON.stringify(stored)).toBe(snapshot);
    expect(fast).toEqual({ _id: 1, a: { b: 2, c: 2 }, list: [1, 2] });
    expect(slow.list).toEqual([1, 2, 3]);
  });

  it('applies $setOnInsert only when inserting', () => {
    expect(run({ _id: 1 }, { $setOnInsert: { created: true }, $set: { x: 1 } })).toEqual({ _id: 1, x: 1 });
    expect(run({ _id: 1 }, { $setOnInsert: { created: true } }, { inserting: true })).toEqual({ _id: 1, created: true });
  });

  it('keeps _id on replacement and refuses to change it', () => {
    const id = new ObjectId();
    expect(run({ _id: id, a: 1 }, { b: 2 })).toEqual({ _id: id, b: 2 });
    expect(codeOf(() => run({ _id: id }, { _id: new ObjectId(), b: 2 }))).toBe(66);
    expect(codeOf(() => run({ _id: 1 }, { $set: { _id: 2 } }))).toBe(66);
  });

  it('reports MongoDB errors mingo would silently ignore', () => {
    expect(codeOf(() => run({ _id: 1, a: 'x' }, { $inc: { a: 1 } }))).toBe(14);
    expect(codeOf(() => run({ _id: 1, a: 1 }, { $inc: { a: 'x' } }))).toBe(14);
    expect(codeOf(() => run({ _id: 1, a: 'x' }, { $push: { a: 1 } }))).toBe(2);
    expect(codeOf(() => run({ _id: 1, a: 1 }, { $set: { 'a.b': 1 } }))).toBe(28);
    expect(codeOf(() => classifyUpdate({ $foo: { a: 1 } }))).toBe(9);
    expect(codeOf(() => classifyUpdate({ $set: { a: 1 }, $inc: { a: 1 } }))).toBe(40);
    expect(codeOf(() => classifyUpdate({ $set: { a: 1, 'a.b': 2 } }))).toBe(40);
  });

  it('supports positional, array filters and pipelines through mingo', () => {
    expect(run({ _id: 1, a: [1, 2, 3] }, { $set: { 'a.$': 9 } }, { filter: { a: 2 } }).a).toEqual([1, 9, 3]);
    const withFilters = applyUpdate({ _id: 1, a: [{ b: 1 }, { b: 2 }] }, { update: { $set: { 'a.$[e].b': 0 } }, kind: 'operators', arrayFilters: [{ 'e.b': 2 }] });
    expect(withFilters.a).toEqual([{ b: 1 }, { b: 0 }]);
    expect(run({ _id: 1, a: 2 }, [{ $set: { b: { $multiply: ['$a', 10] } } }])).toEqual({ _id: 1, a: 2, b: 20 });
  });

  it('$inc on an unsafe Long goes through the full updater instead of concatenating', () => {
    const big = Long.fromString('9007199254740993');
    const result = run({ _id: 1, n: big }, { $inc: { n: 1 } });
    expect(typeof result.n).not.toBe('string');
  });

  it('refuses documents that grow past 16 MiB', () => {
    expect(codeOf(() => run({ _id: 1 }, { $set: { big: 'x'.repeat(17 * 1024 * 1024) } }))).toBe(17419);
  });

  it('measures a document exactly when its size bound reaches the limit: near 16 MiB, a few bytes more still fit', () => {
    const limit = 16 * 1024 * 1024;
    // { _id: 1, pad: '...' } is `limit - 39` bytes: 5 (document) + 9 (_id: int32) + 10 (pad: header, length, NUL) + the string.
    const near = { _id: 1, pad: 'p'.repeat(limit - 39 - 24) };
    let doc: Record<string, unknown> = near;
    // Each update's bound (size before + the modifier + slack) overshoots the limit; the exact size does not.
    for (let i = 0; i < 3; i++) doc = run(doc, { $set: { n: i } });
    expect(doc.n).toBe(2);
    expect(codeOf(() => run(doc, { $set: { tail: 'x'.repeat(64) } }))).toBe(17419);
  });
});

describe('upsertSeed', () => {
  it('takes equality conditions (plain, $eq, dotted, inside $and) and ignores the rest', () => {
    expect(upsertSeed({ a: 1, 'b.c': 2, d: { $gt: 1 }, e: { $eq: 5 }, $and: [{ f: 'x' }], $or: [{ g: 1 }] }))
      .toEqual({ a: 1, b: { c: 2 }, e: 5, f: 'x' });
  });
});
