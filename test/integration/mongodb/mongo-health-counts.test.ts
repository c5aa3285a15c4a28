// The instance side of the health figures (MongoHealthCounts): what counts as backlog, running and stuck, finished
// instances per bucket, the bounds of a bucket read, and that each count is answered from an index.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Collection, Document } from 'mongodb';
import { claimFilter } from '../../../src/adapters/mongodb/instance-queries.js';
import { finishedBucketsPipeline, MongoHealthCounts, runningFilter, stuckFilter } from '../../../src/adapters/mongodb/mongo-health-counts.js';
import { MongoEntityStore } from '../../../src/adapters/mongodb/mongo-entity-store.js';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { IndexName, type InstanceDocument } from '../../../src/adapters/mongodb/storage-documents.js';
import { DurableError } from '../../../src/core/durable-error.js';
import { HEALTH_COUNT_LIMIT } from '../../../src/ports/health-stats.js';
import { at, claim, create, FAILURE, runEpisode } from '../../contract/instance-store-fixtures.js';
import { openTestDb, type TestDb } from '../../support/test-db.js';

let t: TestDb;
let store: MongoInstanceStore;
let counts: MongoHealthCounts;
let instances: Collection<InstanceDocument>;

beforeAll(async () => {
  t = await openTestDb();
  store = new MongoInstanceStore(t.db, { taskHub: 'Health' });
  await store.ensureSchema();
  counts = new MongoHealthCounts(t.db, { taskHub: 'Health' });
  instances = t.db.collection<InstanceDocument>('Health.instances');
});
afterAll(async () => {
  await t?.close();
});

/** The stages of the winning plan (as in mongo-instance-store-indexes.test.ts): index names, or COLLSCAN. */
function scanned(explain: Document): string[] {
  const names: string[] = [];
  const visit = (node: unknown, inWinning: boolean): void => {
    if (Array.isArray(node)) node.forEach((n) => visit(n, inWinning));
    else if (node !== null && typeof node === 'object') {
      const doc = node as Document;
      if (inWinning && doc.stage === 'COLLSCAN') names.push('COLLSCAN');
      if (inWinning && typeof doc.stage === 'string' && /IXSCAN|COUNT_SCAN/.test(doc.stage)) names.push(String(doc.indexName));
      for (const [key, value] of Object.entries(doc)) {
        if (key !== 'rejectedPlans' && key !== 'allPlansExecution') visit(value, inWinning || key === 'winningPlan');
      }
    }
  };
  visit(explain, false);
  return names;
}

describe('MongoHealthCounts.countInstances', () => {
  it('counts due, unclaimed work as backlog; work leased to a live worker or scheduled for later is not', async () => {
    // Claimed first (the oldest work), leased until at(30 000).
    await create(store, 'leased', { now: at(0) });
    expect((await claim(store, at(0))).instance.instanceId).toBe('leased');
    await create(store, 'due-1', { now: at(1000) });
    await create(store, 'due-2', { now: at(2000) });
    await create(store, 'later', { now: at(2000), scheduledStartTime: at(10_000_000) });

    expect((await counts.countInstances(at(5000))).backlog).toBe(2);
    // The lease expired: a worker died holding it, and the instance is due again.
    expect((await counts.countInstances(at(40_000))).backlog).toBe(3);
    // Not yet due for a time before the work was flagged.
    expect((await counts.countInstances(at(1500))).backlog).toBe(1);
  });

  it('counts Running orchestrations, not entities (always Running) nor instances of other statuses', async () => {
    const before = (await counts.countInstances(at(50_000))).running;
    await create(store, 'run-1', { now: at(3000) });
    await runEpisode(store, 'run-1', { runtimeStatus: 'Running' }, at(50_000));
    await create(store, 'done-1', { now: at(3000) });
    await runEpisode(store, 'done-1', { runtimeStatus: 'Completed', completedTime: at(50_000) }, at(50_000));
    const entities = new MongoEntityStore(t.db, { taskHub: 'Health', receiptRetentionMs: 60_000 });
    await entities.ensureSchema();
    await entities.ensureEntity('@counter@a', 'counter', at(3000));
    await entities.ensureEntity('@counter@b', 'counter', at(3000));
    expect(await instances.countDocuments({ runtimeStatus: 'Running' })).toBe(before + 3);
    expect((await counts.countInstances(at(50_000))).running).toBe(before + 1);
  });

  it('counts stuck instances that have not ended; one failed for good is not stuck any more', async () => {
    expect((await counts.countInstances(at(60_000))).stuck).toBe(0);
    await create(store, 'stuck-1', { now: at(3000) });
    const stuck = await claim(store, at(60_000));
    // Older work claimed on the way is not what this test is about: drain to the instance wanted.
    const others = [];
    let item = stuck;
    while (item.instance.instanceId !== 'stuck-1') {
      others.push(item);
      item = await claim(store, at(60_000));
    }
    await store.markStuck('stuck-1', item.leaseToken, FAILURE, { fail: false, now: at(60_000) });
    await store.releaseWork(item, { moreWork: true, succeeded: false, now: at(60_000), retryAt: at(120_000) });
    for (const other of others) await store.releaseWork(other, { moreWork: true, succeeded: false, now: at(60_000) });

    await create(store, 'stuck-failed', { now: at(3000) });
    let failing = await claim(store, at(60_000));
    while (failing.instance.instanceId !== 'stuck-failed') {
      await store.releaseWork(failing, { moreWork: true, succeeded: false, now: at(60_000) });
      failing = await claim(store, at(60_000));
    }
    await store.markStuck('stuck-failed', failing.leaseToken, FAILURE, { fail: true, now: at(60_000) });

    const now = await counts.countInstances(at(61_000));
    expect(now.stuck).toBe(1);
    // Waiting for its retry at at(120 000): not backlog until then.
    const later = await counts.countInstances(at(121_000));
    expect(later.stuck).toBe(1);
    expect(later.backlog).toBeGreaterThan(now.backlog);
  });

  it('answers each count from an index: the one it hints, on mongod (the embedded engine ignores hints and picks its own)', async () => {
    const queries: [Document, string][] = [[claimFilter(at(50_000)), IndexName.Claim], [runningFilter(), IndexName.StatusEntityName], [stuckFilter(), IndexName.StuckStatus]];
    for (const [filter, hint] of queries) {
      const used = scanned(await instances.find(filter).hint(hint).limit(100_000).explain('executionStats'));
      expect(used).not.toContain('COLLSCAN');
      expect(used.length).toBeGreaterThan(0);
      if (t.mongo.kind !== 'embedded') expect(used).toContain(hint);
    }
  });
});

describe('MongoHealthCounts.finishedPerBucket', () => {
  const finish = async (id: string, runtimeStatus: string, completedTime: Date): Promise<void> => {
    await instances.insertOne({
      _id: id, executionId: 'e', name: 'Orch', runtimeStatus: runtimeStatus as InstanceDocument['runtimeStatus'], createdTime: at(0), lastUpdatedTime: completedTime,
      completedTime, historyLength: 2, version: 1, claimAttempts: 0, work: { pending: false, seq: 1, availableAt: at(0) },
    });
  };
  const base = 1_000_000;

  beforeAll(async () => {
    await finish('c-1', 'Completed', at(base + 5000));
    await finish('c-2', 'Completed', at(base + 9999));
    await finish('c-3', 'Completed', at(base + 17_000));
    await finish('f-1', 'Failed', at(base + 10_000));
    await finish('f-2', 'Failed', at(base + 12_000));
    await finish('t-1', 'Terminated', at(base + 29_999));
    // Outside [from, to): not counted.
    await finish('c-before', 'Completed', at(base - 1));
    await finish('c-after', 'Completed', at(base + 30_000));
  });

  it('counts each finished instance in the bucket of its completion time, empty buckets included', async () => {
    const buckets = await counts.finishedPerBucket(at(base), at(base + 30_000), 10_000);
    expect(buckets).toEqual([
      { start: at(base), completed: 2, failed: 0, terminated: 0, partial: false },
      { start: at(base + 10_000), completed: 1, failed: 2, terminated: 0, partial: false },
      { start: at(base + 20_000), completed: 0, failed: 0, terminated: 1, partial: false },
    ]);
    // A last bucket cut short by `to`.
    const short = await counts.finishedPerBucket(at(base), at(base + 15_000), 10_000);
    expect(short.map((b) => [b.completed, b.failed])).toEqual([[2, 0], [0, 2]]);
  });

  it('reads each status backwards over the status / completion-time index', async () => {
    const explain = await instances.aggregate(finishedBucketsPipeline('Completed', at(base), at(base + 30_000), 10_000)).explain('executionStats');
    const used = scanned(explain);
    expect(used).not.toContain('COLLSCAN');
    expect(used).toContain(IndexName.StatusCompletedTime);
  });

  it.each([
    ['a range over one hour', at(base), at(base + 3_600_001), 60_000],
    ['an empty range', at(base), at(base), 1000],
    ['to before from', at(base + 1), at(base), 1000],
    ['buckets under a second', at(base), at(base + 10_000), 999],
    ['a fractional bucket', at(base), at(base + 10_000), 1000.5],
    ['more than 360 buckets', at(base), at(base + 361_000), 1000],
    ['an invalid date', new Date(Number.NaN), at(base), 1000],
  ])('refuses %s with INVALID_ARGUMENT', async (_what, from, to, bucketMs) => {
    const error = await counts.finishedPerBucket(from, to, bucketMs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DurableError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('counts at most the most recent 100 000 of a status, and marks the buckets that may be short as partial', async () => {
    const capped = new MongoInstanceStore(t.db, { taskHub: 'HealthCap' });
    await capped.ensureSchema();
    // 100 005 completed instances, one every 10 ms from at(0): the 5 oldest (all in the first bucket) are not counted.
    const total = HEALTH_COUNT_LIMIT + 5;
    const docs = (first: number, n: number): InstanceDocument[] => Array.from({ length: n }, (_, k) => ({
      _id: `cap-${first + k}`, executionId: 'e', name: 'Orch', runtimeStatus: 'Completed', createdTime: at(0), lastUpdatedTime: at(0),
      completedTime: at((first + k) * 10), historyLength: 2, version: 1, claimAttempts: 0, work: { pending: false, seq: 1, availableAt: at(0) },
    }));
    for (let first = 0; first < total; first += 10_000) await t.db.collection<InstanceDocument>('HealthCap.instances').insertMany(docs(first, Math.min(10_000, total - first)));
    const buckets = await new MongoHealthCounts(t.db, { taskHub: 'HealthCap' }).finishedPerBucket(at(0), at(total * 10), 10_000);
    expect(buckets).toHaveLength(101);
    expect(buckets[0]).toMatchObject({ completed: 995, partial: true });
    expect(buckets.slice(1).every((b) => !b.partial)).toBe(true);
    expect(buckets[1]).toMatchObject({ completed: 1000 });
    expect(buckets.reduce((n, b) => n + b.completed, 0)).toBe(HEALTH_COUNT_LIMIT);
  }, 120_000);

  it('accepts the largest read: an hour in 360 buckets', async () => {
    const buckets = await counts.finishedPerBucket(at(base), at(base + 3_600_000), 10_000);
    expect(buckets).toHaveLength(360);
    expect(buckets.reduce((n, b) => n + b.completed + b.failed + b.terminated, 0)).toBe(7);
  });
});
