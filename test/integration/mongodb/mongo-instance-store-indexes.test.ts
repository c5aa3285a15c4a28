// The store's hot queries are answered from indexes, not collection scans: each is explained exactly as the store
// runs it (the filters come from the same functions). Written to hold on a real mongod too, whose plan trees nest
// differently across versions, so plans are searched anywhere in the winning plan.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Collection, Document } from 'mongodb';
import {
  childrenFilter, CLAIM_SORT, claimFilter, decodeContinuationToken, instanceQueryFilter, LIST_SORT,
} from '../../../src/adapters/mongodb/instance-queries.js';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { IndexName, type HistoryDocument, type InboxDocument, type InstanceDocument } from '../../../src/adapters/mongodb/storage-documents.js';
import { at, claim, create, eventRaised, T0 } from '../../contract/instance-store-fixtures.js';
import { openTestDb, type TestDb } from '../../support/test-db.js';

const N = 600;

let t: TestDb;
let store: MongoInstanceStore;
let instances: Collection<InstanceDocument>;
let history: Collection<HistoryDocument>;
let inbox: Collection<InboxDocument>;

beforeAll(async () => {
  t = await openTestDb();
  store = new MongoInstanceStore(t.db, { taskHub: 'Explain' });
  await store.ensureSchema();
  instances = t.db.collection<InstanceDocument>('Explain.instances');
  history = t.db.collection<HistoryDocument>('Explain.history');
  inbox = t.db.collection<InboxDocument>('Explain.inbox');
  // N instances, one per second; all but the last 10 have had their work done (not pending); then messages flag the
  // first 20 again: 30 pending in all.
  for (let i = 0; i < N; i++) await create(store, `inst-${String(i).padStart(4, '0')}`, { now: at(i * 1000) });
  await instances.updateMany({ createdTime: { $lt: at((N - 10) * 1000) } }, { $set: { 'work.pending': false } });
  await instances.updateMany({ createdTime: { $lt: at(100_000) } }, { $set: { runtimeStatus: 'Completed' } });
  for (let i = 0; i < 20; i++) await store.sendMessage(`inst-${String(i).padStart(4, '0')}`, eventRaised('e', T0), { now: T0 });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

/** The stages of the winning plan(s) only: `rejectedPlans` may hold index scans that were not used. */
function winningStages(explain: Document): Document[] {
  const found: Document[] = [];
  const stages = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(stages);
    else if (node !== null && typeof node === 'object') {
      const doc = node as Document;
      if (typeof doc.stage === 'string') found.push(doc);
      Object.values(doc).forEach(stages);
    }
  };
  const plans = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(plans);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Document)) {
        if (key === 'winningPlan') stages(value);
        else if (key !== 'rejectedPlans' && key !== 'allPlansExecution') plans(value);
      }
    }
  };
  plans(explain);
  return found;
}

function expectIndexScan(explain: Document, indexNames: readonly string[]): void {
  const stages = winningStages(explain);
  expect(stages.map((s): unknown => s.stage)).not.toContain('COLLSCAN');
  const scanned = stages.filter((s) => /IXSCAN|IDHACK|EXPRESS/.test(s.stage as string)).map((s): string => (s.indexName as string | undefined) ?? '_id_');
  expect(scanned.length).toBeGreaterThan(0);
  expect(indexNames).toEqual(expect.arrayContaining([scanned[0]]));
  expect(explain.executionStats?.executionSuccess).toBe(true);
}

describe('indexed queries', () => {
  it("claimWork's query scans the claim index and reads only pending instances (30 of 600)", async () => {
    const explain = await instances.find(claimFilter(at(N * 1000))).sort(CLAIM_SORT).limit(1).explain('executionStats');
    expectIndexScan(explain, [IndexName.Claim]);
    expect(explain.executionStats.nReturned).toBe(1);
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(30);
    expect((await claim(store, at(N * 1000))).instance.instanceId).toBe('inst-0000');
  });

  it("nextWorkTime's queries use the claim and lease indexes", async () => {
    const scheduled = await instances.find({ 'work.pending': true, 'work.availableAt': { $gt: at(N * 1000) } }).sort({ 'work.availableAt': 1 }).explain('executionStats');
    expectIndexScan(scheduled, [IndexName.Claim]);
    expect(scheduled.executionStats.totalDocsExamined).toBe(0);
    const leased = await instances.find({ 'lease.until': { $gt: at(N * 1000) }, 'work.pending': true }).sort({ 'lease.until': 1 }).explain('executionStats');
    expectIndexScan(leased, [IndexName.LeaseUntil, IndexName.Claim]);
    expect(leased.executionStats.totalDocsExamined).toBeLessThanOrEqual(30);
  });

  it("listInstances' first page scans the creation-time index", async () => {
    const explain = await instances.find(instanceQueryFilter({})).sort(LIST_SORT).limit(101).explain('executionStats');
    expectIndexScan(explain, [IndexName.CreatedTime]);
    expect(explain.executionStats.nReturned).toBe(101);
  });

  it("listInstances' later pages start from the continuation token's position in the index", async () => {
    let token: string | undefined;
    for (let page = 0; page < 5; page++) {
      token = (await store.listInstances({ pageSize: 100, ...(token !== undefined && { continuationToken: token }) })).continuationToken;
    }
    const after = decodeContinuationToken(token);
    const explain = await instances.find(instanceQueryFilter({}, after)).sort(LIST_SORT).limit(101).explain('executionStats');
    expectIndexScan(explain, [IndexName.CreatedTime]);
    expect(explain.executionStats.nReturned).toBe(100);
    // Only the last page's instances (and the token's own, at the range's inclusive start) are read.
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(101);
  });

  it('listInstances by status and time range reads only matching instances', async () => {
    const query = { runtimeStatus: ['Completed' as const], createdTimeFrom: at(50_000), createdTimeTo: at(59_000) };
    const explain = await instances.find(instanceQueryFilter(query)).sort(LIST_SORT).limit(101).explain('executionStats');
    expectIndexScan(explain, [IndexName.StatusCreatedTime, IndexName.CreatedTime]);
    expect(explain.executionStats.nReturned).toBe(10);
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(10);
  });

  it('listInstances by ID prefix reads only matching instances', async () => {
    const explain = await instances.find(instanceQueryFilter({ instanceIdPrefix: 'inst-001' })).sort(LIST_SORT).limit(101).explain('executionStats');
    expectIndexScan(explain, ['_id_', IndexName.CreatedTime]);
    expect(explain.executionStats.nReturned).toBe(10);
  });

  it("readChildren's query (cascading terminate and purge) scans the parent index and reads only the parent's children", async () => {
    for (let i = 0; i < 5; i++) {
      await store.createInstance({
        instanceId: `child-${i}`, executionId: `cx-${i}`, name: 'Orch', input: undefined, now: at(i),
        parentInstance: { instanceId: 'inst-0001', executionId: i < 3 ? 'x' : 'y', name: 'Orch', taskScheduledId: i },
      });
    }
    const explain = await instances.find(childrenFilter('inst-0001', { parentExecutionId: 'x', activeOnly: true })).explain('executionStats');
    expectIndexScan(explain, [IndexName.Parent]);
    expect(explain.executionStats.nReturned).toBe(3);
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(5);
  });

  it('loadHistory and loadMessages use their indexes', async () => {
    const h = await history.find({ instanceId: 'inst-0001', executionId: 'x' }).sort({ firstEventIndex: 1 }).explain('executionStats');
    expectIndexScan(h, [IndexName.HistoryByExecution]);
    const m = await inbox.find({ instanceId: 'inst-0001' }).sort({ createdAt: 1, _id: 1 }).explain('executionStats');
    expectIndexScan(m, [IndexName.InboxByInstance, IndexName.InboxDedupe]);
    expect(m.executionStats.nReturned).toBe(1);
    expect(m.executionStats.totalDocsExamined).toBeLessThanOrEqual(1);
  });
});
