// explain through the real driver: the acceptance proof that equality and range lookups on indexed fields do not
// scan the collection. Written to hold on a real mongod too, whose plan trees nest differently across versions
// (classic vs slot-based engine, EXPRESS_* stages in 8.0), so plans are searched anywhere in the explain output.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError, type Collection, type Document } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

const N = 10_000;

let t: TestDb;
let items: Collection<Doc>;

beforeAll(async () => {
  t = await openTestDb();
  items = t.db.collection<Doc>('explain_items');
  const docs: Doc[] = [];
  // k: unique 0..N-1; a: 0..99; b: 0..99 (each (a, b) pair once); u: like k but unindexed.
  for (let i = 0; i < N; i++) docs.push({ _id: i, k: i, a: i % 100, b: Math.floor(i / 100), u: i });
  await items.insertMany(docs);
  await items.createIndex({ k: 1 });
  await items.createIndex({ a: 1, b: 1 });
});
afterAll(async () => {
  await t?.close();
});

/** Every object with a `stage` field anywhere in `node` (winning plans, inputStage(s), $cursor stages...). */
function stagesIn(node: unknown, found: Document[] = []): Document[] {
  if (Array.isArray(node)) {
    for (const item of node) stagesIn(item, found);
  } else if (node !== null && typeof node === 'object') {
    const doc = node as Document;
    if (typeof doc.stage === 'string') found.push(doc);
    for (const value of Object.values(doc)) stagesIn(value, found);
  }
  return found;
}

/** The stages of the winning plan(s) only: `rejectedPlans` may hold index scans that were not used. */
function winningStages(explain: Document): Document[] {
  const plans: unknown[] = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Document)) {
        if (key === 'winningPlan') plans.push(value);
        else if (key !== 'rejectedPlans' && key !== 'allPlansExecution') collect(value);
      }
    }
  };
  collect(explain);
  return stagesIn(plans);
}

/** Index scans of the winning plan (`IXSCAN`, and `EXPRESS_IXSCAN` / `COUNT_SCAN` / `DISTINCT_SCAN` on some servers). */
function indexScans(explain: Document): Document[] {
  return winningStages(explain).filter((s) => /IXSCAN|COUNT_SCAN|DISTINCT_SCAN/.test(s.stage as string));
}

/** Names of the indexes the winning plan scans. */
function scannedIndexes(explain: Document): unknown[] {
  return indexScans(explain).map((s): unknown => s.indexName);
}

/** Stage names of the winning plan. */
function stageNames(explain: Document): unknown[] {
  return winningStages(explain).map((s): unknown => s.stage);
}

/** Every value of `field` anywhere in the explain output (top level, or per `$cursor` stage for aggregations). */
function numbersAt(node: unknown, field: string, found: number[] = []): number[] {
  if (Array.isArray(node)) {
    for (const item of node) numbersAt(item, field, found);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Document)) {
      if (key === field && typeof value === 'number') found.push(value);
      else numbersAt(value, field, found);
    }
  }
  return found;
}

function executionStats(explain: Document): Document {
  expect(explain.executionStats).toBeDefined();
  expect(explain.executionStats.executionSuccess).toBe(true);
  return explain.executionStats as Document;
}

describe('find().explain()', () => {
  it('an equality on an indexed field reads only its matches through the index', async () => {
    const explain = await items.find({ k: 1234 }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(1);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(1);
    expect(stats.totalKeysExamined).toBeLessThanOrEqual(2);
    expect(scannedIndexes(explain)).toContain('k_1');
    expect(stageNames(explain)).not.toContain('COLLSCAN');
  });

  it('a range on an indexed field reads only its matches through the index', async () => {
    const explain = await items.find({ k: { $gte: 100, $lt: 150 } }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(50);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(50);
    expect(stats.totalKeysExamined).toBeLessThanOrEqual(51);
    expect(scannedIndexes(explain)).toContain('k_1');
    expect(stageNames(explain)).not.toContain('COLLSCAN');
  });

  it('an _id lookup reads at most one document', async () => {
    const explain = await items.find({ _id: 4321 }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(1);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(1);
    expect(stageNames(explain)).not.toContain('COLLSCAN');
  });

  it('an _id $in reads only the documents asked for', async () => {
    const explain = await items.find({ _id: { $in: [1, 2, 3, N + 5] } }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(3);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(3);
    expect(stageNames(explain)).not.toContain('COLLSCAN');
  });

  it('a query on an unindexed field is a collection scan of every document', async () => {
    const explain = await items.find({ u: 77 }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(1);
    expect(stats.totalDocsExamined).toBe(N);
    expect(stats.totalKeysExamined).toBe(0);
    expect(stageNames(explain)).toContain('COLLSCAN');
    expect(indexScans(explain)).toEqual([]);
  });

  it('equality on a compound index prefix plus a range on the next field uses the compound index', async () => {
    const explain = await items.find({ a: 1, b: { $gt: 5 } }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(94);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(94);
    expect(stats.totalKeysExamined).toBeLessThanOrEqual(95);
    const scans = indexScans(explain);
    expect(scans.map((s): unknown => s.indexName)).toContain('a_1_b_1');
    expect(scans.find((s) => s.indexName === 'a_1_b_1')?.keyPattern).toEqual({ a: 1, b: 1 });
  });

  it('equality on the first field alone uses the compound index', async () => {
    const explain = await items.find({ a: 42 }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(100);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(100);
    expect(scannedIndexes(explain)).toContain('a_1_b_1');
  });

  it('an indexed condition narrows a query whose other conditions are unindexed', async () => {
    const explain = await items.find({ k: { $lt: 20 }, u: { $gte: 10 } }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(10);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(20);
    expect(scannedIndexes(explain)).toContain('k_1');
  });

  it('a limit without a sort stops the scan early', async () => {
    const explain = await items.find({ u: { $gte: 0 } }).limit(3).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(3);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(3);
  });

  it('sort, skip and limit are applied after the indexed selection', async () => {
    const explain = await items.find({ k: { $gte: 100, $lt: 200 } }).sort({ u: -1 }).skip(10).limit(5).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(5);
    expect(stats.totalDocsExamined).toBeLessThanOrEqual(100);
    expect(scannedIndexes(explain)).toContain('k_1');
    expect(stageNames(explain)).toContain('SORT');
  });

  it("'queryPlanner' verbosity gives the plan without execution statistics", async () => {
    const explain = await items.find({ k: 5 }).explain('queryPlanner');
    expect(explain.queryPlanner.namespace).toBe(`${t.mongo.dbName}.explain_items`);
    expect(explain.queryPlanner.parsedQuery).toEqual({ k: { $eq: 5 } });
    expect(explain.queryPlanner.rejectedPlans).toEqual(expect.any(Array));
    expect(scannedIndexes(explain)).toContain('k_1');
    expect(explain.executionStats).toBeUndefined();
    expect(explain.ok).toBe(1);
  });

  it('the explained command is echoed back', async () => {
    const explain = await items.find({ k: 5 }).explain('executionStats');
    expect(explain.command).toMatchObject({ find: 'explain_items', filter: { k: 5 }, $db: t.mongo.dbName });
  });

  it('an equality uses a partial index whose filter it implies (a unique key that must exist)', async () => {
    const jobs = t.db.collection<Doc>('explain_partial_jobs');
    await jobs.createIndex({ 'data.key': 1 }, { name: 'data_key', unique: true, partialFilterExpression: { 'data.key': { $exists: true } } });
    await jobs.insertMany(Array.from({ length: 500 }, (_, i): Doc => (i % 5 === 0 ? { _id: i } : { _id: i, data: { key: `k${i}` } })));
    for (const [filter, expected] of [[{ 'data.key': 'k7' }, 1], [{ 'data.key': { $in: ['k7', 'k8'] } }, 2]] as const) {
      const explain = await jobs.find(filter).explain('executionStats');
      const stats = executionStats(explain);
      expect(stats.nReturned).toBe(expected);
      expect(stats.totalDocsExamined).toBeLessThanOrEqual(2);
      expect(scannedIndexes(explain)).toContain('data_key');
    }
    // null also matches documents without the field, which the index leaves out: the whole collection is read.
    const missing = await jobs.find({ 'data.key': null }).explain('executionStats');
    expect(executionStats(missing).nReturned).toBe(100);
    expect(scannedIndexes(missing)).not.toContain('data_key');
  });

  it('a missing collection is explained without error and returns nothing', async () => {
    const explain = await t.db.collection('explain_missing').find({ k: 1 }).explain('executionStats');
    const stats = executionStats(explain);
    expect(stats.nReturned).toBe(0);
    expect(stats.totalDocsExamined).toBe(0);
  });
});

describe('explain of other commands', () => {
  it('aggregate with a leading $match uses the index', async () => {
    const explain = await items.aggregate([{ $match: { k: { $in: [3, 4, 5] } } }, { $group: { _id: null, n: { $sum: 1 } } }]).explain('executionStats');
    expect(scannedIndexes(explain)).toContain('k_1');
    const examined = numbersAt(explain, 'totalDocsExamined');
    expect(examined.length).toBeGreaterThan(0);
    for (const n of examined) expect(n).toBeLessThanOrEqual(3);
  });

  it('aggregate with only a $match is explained like a find', async () => {
    const explain = await items.aggregate([{ $match: { k: 9 } }]).explain('executionStats');
    expect(scannedIndexes(explain)).toContain('k_1');
    for (const n of numbersAt(explain, 'totalDocsExamined')) expect(n).toBeLessThanOrEqual(1);
  });

  it('count uses the index', async () => {
    const explain = await t.db.command({ explain: { count: 'explain_items', query: { k: { $gte: 10, $lt: 30 } } }, verbosity: 'executionStats' });
    expect(scannedIndexes(explain)).toContain('k_1');
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(20);
  });

  it('distinct over an indexed query uses the index', async () => {
    const explain = await t.db.command({ explain: { distinct: 'explain_items', key: 'u', query: { k: 77 } }, verbosity: 'executionStats' });
    expect(scannedIndexes(explain)).toContain('k_1');
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(1);
  });

  it("aggregate's legacy explain: true option answers the plan", async () => {
    const explain = await t.db.command({ aggregate: 'explain_items', pipeline: [{ $match: { k: 3 } }], explain: true });
    expect(scannedIndexes(explain)).toContain('k_1');
    expect(numbersAt(explain, 'totalDocsExamined')).toEqual([]);
  });
});

describe('explain limits of the embedded engine', () => {
  it('refuses to explain writes and bad verbosities, like an unsupported command', async () => {
    if (t.mongo.kind !== 'embedded') return; // mongod explains writes too
    const update = await rejectionOf(t.db.command({ explain: { update: 'explain_items', updates: [{ q: { k: 1 }, u: { $set: { x: 1 } } }] } }));
    expect(update).toBeInstanceOf(MongoServerError);
    expect(update.code).toBe(115);
    const verbosity = await rejectionOf(t.db.command({ explain: { find: 'explain_items' }, verbosity: 'everything' }));
    expect(verbosity.code).toBe(9);
    expect(await items.countDocuments({ x: 1 })).toBe(0);
  });
});
