// Sort + limit answered by scanning an index in sort order: the results must be exactly those of a full sort, and
// (explain) the scan must stop after enough matches, with no SORT stage. Written to hold on a real mongod too.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Collection, Document } from 'mongodb';
import { compareBson } from '../../src/embedded/bson/compare-bson.js';
import { sortDocuments, type SortSpec } from '../../src/embedded/query/sort-documents.js';
import { seededRandom } from '../support/seeded-random.js';
import { openTestDb, type Doc, type TestDb } from '../support/test-db.js';

const N = 5_000;

let t: TestDb;
let queue: Collection<Doc>;

/** `at` values: a permutation of 0..N-1, so that no two documents tie on the sort key. */
function permutation(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const values = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [values[i], values[j]] = [values[j] as number, values[i] as number];
  }
  return values;
}

beforeAll(async () => {
  t = await openTestDb();
  queue = t.db.collection<Doc>('sorted_queue');
  const at = permutation(N, 42);
  // p: every other document; k: 0..3, so that half of the p documents match k: 0.
  await queue.insertMany(at.map((value, i) => ({ _id: i, p: i % 2 === 0, k: i % 4, at: value, n: 0 })));
  await queue.createIndex({ p: 1, at: 1 });
});
afterAll(async () => {
  await t?.close();
});

/** The stage names of the winning plan, wherever the server nests them. */
function winningStageNames(explain: Document): string[] {
  const names: string[] = [];
  const walk = (node: unknown, inWinning: boolean): void => {
    if (Array.isArray(node)) node.forEach((item) => walk(item, inWinning));
    else if (node !== null && typeof node === 'object') {
      const doc = node as Document;
      if (inWinning && typeof doc.stage === 'string') names.push(doc.stage);
      for (const [key, value] of Object.entries(doc)) {
        if (key === 'rejectedPlans' || key === 'allPlansExecution') continue;
        walk(value, inWinning || key === 'winningPlan');
      }
    }
  };
  walk(explain, false);
  return names;
}

describe('findOneAndUpdate with sort on an index in sort order', () => {
  it('claims the same document a full sort would, again and again', async () => {
    for (let round = 0; round < 40; round++) {
      const cutoff = 1000 + round * 50;
      const direction = round % 2 === 0 ? 1 : -1;
      const filter = { p: true, at: { $lte: cutoff } };
      const all = await queue.find(filter).toArray();
      const expected = sortDocuments(all, [['at', direction]])[0];
      const claimed = await queue.findOneAndUpdate(filter, { $inc: { n: 1 }, $set: { at: N + round } }, { sort: { at: direction } });
      expect(claimed?._id).toBe(expected?._id);
      expect(claimed?.at).toBe(expected?.at);
    }
  });
});

describe('find().sort().limit() on an index in sort order', () => {
  it('reads only the documents it returns, with no SORT stage', async () => {
    const explain = await queue.find({ p: true }).sort({ at: 1 }).limit(3).explain('executionStats');
    const stats = explain.executionStats as Document;
    expect(stats.nReturned).toBe(3);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(3);
    expect(stats.totalKeysExamined).toBeLessThanOrEqual(4);
    const names = winningStageNames(explain);
    expect(names.some((name) => /IXSCAN/.test(name))).toBe(true);
    expect(names).not.toContain('SORT');
    expect(names).not.toContain('COLLSCAN');
  });

  it('reads only the non-matching documents it skips on the way, scanning backward for a reversed sort', async () => {
    const inOrder = sortDocuments(await queue.find({ p: true }).toArray(), [['at', -1]]);
    const reached = inOrder.findIndex((doc, _i) => inOrder.slice(0, _i + 1).filter((d) => d.k === 0).length === 3);
    const explain = await queue.find({ p: true, k: 0 }).sort({ at: -1 }).limit(3).explain('executionStats');
    const stats = explain.executionStats as Document;
    expect(stats.nReturned).toBe(3);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(reached + 1);
    expect(winningStageNames(explain)).not.toContain('SORT');
    const docs = await queue.find({ p: true, k: 0 }).sort({ at: -1 }).limit(3).toArray();
    expect(docs.map((d) => d._id)).toEqual(inOrder.filter((d) => d.k === 0).slice(0, 3).map((d) => d._id));
  });
});

describe('sort + limit through an index equals a full sort (property)', () => {
  const SORT_VALUES: unknown[] = [null, 0, 1, 1.5, 2, -3, 'a', 'b', 'ab', new Date(1), new Date(2), true, false];

  function sortKey(doc: Document): unknown {
    return doc.at === undefined ? null : doc.at;
  }

  it.each([1, 2, 3])('matches sortDocuments over every match (seed %i)', async (seed) => {
    const rand = seededRandom(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
    const coll = t.db.collection<Doc>(`sorted_property_${seed}`);
    const docs: Doc[] = [];
    for (let i = 0; i < 300; i++) {
      const doc: Doc = { _id: i, p: pick([0, 1, 2]), x: pick([0, 1]) };
      if (rand() < 0.85) doc.at = pick(SORT_VALUES);
      docs.push(doc);
    }
    await coll.insertMany(docs);
    await coll.createIndex({ p: 1, at: 1 });

    for (let round = 0; round < 60; round++) {
      const filter: Document = { p: pick([0, 1, 2]) };
      const range = pick(['none', 'none', 'gte', 'lt']);
      if (range !== 'none') filter.at = { [`$${range}`]: pick([0, 1, 1.5, 'ab', new Date(1)]) };
      if (rand() < 0.4) filter.x = { $ne: 1 };
      const sort: SortSpec = [['at', rand() < 0.5 ? 1 : -1]];
      const skip = pick([0, 0, 1, 3]);
      const limit = 1 + Math.floor(rand() * 8);
      const label = JSON.stringify({ filter, sort, skip, limit });

      const expected = sortDocuments(await coll.find(filter).toArray(), sort).slice(skip, skip + limit);
      const found = await coll.find(filter).sort(Object.fromEntries(sort)).skip(skip).limit(limit).toArray();
      expect([label, found.length]).toEqual([label, expected.length]);
      found.forEach((doc, i) => {
        const same = compareBson(sortKey(doc), sortKey(expected[i] as Document)) === 0;
        if (!same) throw new Error(`${label}: position ${i} has ${String(sortKey(doc))}, a full sort ${String(sortKey(expected[i] as Document))}`);
      });
      expect(new Set(found.map((d) => d._id)).size).toBe(found.length);

      // A findOneAndUpdate claims a first document and moves it, so that the index changes between rounds.
      if (round % 3 === 0) {
        const first = sortDocuments(await coll.find(filter).toArray(), sort)[0];
        const claimed = await coll.findOneAndUpdate(filter, { $set: { at: pick(SORT_VALUES) } }, { sort: Object.fromEntries(sort) });
        expect(claimed === null).toBe(first === undefined);
        if (claimed !== null && first !== undefined) expect(compareBson(sortKey(claimed), sortKey(first))).toBe(0);
      }
    }
  });
});
