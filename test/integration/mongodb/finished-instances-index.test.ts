// Retention's query (findFinishedInstances) is answered from the status / completion-time index, reading only the
// instances it returns: a sweep costs the same on a task hub of many running or recent instances as on an empty one.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Collection, Document } from 'mongodb';
import { FINISHED_SORT, finishedInstanceFilter } from '../../../src/adapters/mongodb/finished-instances.js';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { IndexName, type InstanceDocument } from '../../../src/adapters/mongodb/storage-documents.js';
import { at, create } from '../../contract/instance-store-fixtures.js';
import { openTestDb, type TestDb } from '../../support/test-db.js';

const N = 400;

let t: TestDb;
let instances: Collection<InstanceDocument>;

beforeAll(async () => {
  t = await openTestDb();
  const store = new MongoInstanceStore(t.db, { taskHub: 'Retention' });
  await store.ensureSchema();
  instances = t.db.collection<InstanceDocument>('Retention.instances');
  // N instances, one per second: the first 100 completed (at 1 s apart), the next 100 failed, the rest running.
  for (let i = 0; i < N; i++) await create(store, `inst-${String(i).padStart(4, '0')}`, { now: at(i * 1000) });
  for (let i = 0; i < 200; i++) {
    await instances.updateOne({ _id: `inst-${String(i).padStart(4, '0')}` }, { $set: { runtimeStatus: i < 100 ? 'Completed' : 'Failed', completedTime: at(1_000_000 + i * 1000) } });
  }
}, 120_000);
afterAll(async () => {
  await t?.close();
});

function scannedIndexes(explain: Document): string[] {
  const names: string[] = [];
  const visit = (node: unknown, inWinning: boolean): void => {
    if (Array.isArray(node)) node.forEach((n) => visit(n, inWinning));
    else if (node !== null && typeof node === 'object') {
      const doc = node as Document;
      if (inWinning && doc.stage === 'COLLSCAN') names.push('COLLSCAN');
      if (inWinning && typeof doc.stage === 'string' && /IXSCAN/.test(doc.stage)) names.push(String(doc.indexName));
      for (const [key, value] of Object.entries(doc)) {
        if (key !== 'rejectedPlans' && key !== 'allPlansExecution') visit(value, inWinning || key === 'winningPlan');
      }
    }
  };
  visit(explain, false);
  return names;
}

describe('findFinishedInstances is indexed', () => {
  it('a sweep of Completed instances past their retention reads only those it returns', async () => {
    const filter = finishedInstanceFilter({ runtimeStatus: ['Completed'], completedTimeTo: at(1_000_000 + 49_000), limit: 100 });
    const explain = await instances.find(filter ?? {}).sort(FINISHED_SORT).limit(100).explain('executionStats');
    const scanned = scannedIndexes(explain);
    expect(scanned).not.toContain('COLLSCAN');
    expect(scanned).toContain(IndexName.StatusCompletedTime);
    expect(explain.executionStats.nReturned).toBe(50);
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(50);
  });

  it('a purge by completion time over every finished status is served by the same index', async () => {
    const filter = finishedInstanceFilter({ completedTimeFrom: at(1_000_000 + 90_000), completedTimeTo: at(1_000_000 + 109_000), limit: 500 });
    const explain = await instances.find(filter ?? {}).sort(FINISHED_SORT).limit(500).explain('executionStats');
    expect(scannedIndexes(explain)).toContain(IndexName.StatusCompletedTime);
    expect(scannedIndexes(explain)).not.toContain('COLLSCAN');
    expect(explain.executionStats.nReturned).toBe(20);
    expect(explain.executionStats.totalDocsExamined).toBeLessThanOrEqual(20);
  });
});
