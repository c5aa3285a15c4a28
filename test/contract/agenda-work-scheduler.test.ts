// The work-scheduler contract against AgendaWorkScheduler, on the server startTestMongo() picks (MONGODB_URI, a local
// mongod, or the embedded engine). Each test gets its own task hub (its own jobs collection) in one shared database;
// the schedulers poll every 100 ms, so that jobs another process scheduled are found quickly.
import { afterAll, beforeAll } from '@jest/globals';
import { AgendaWorkScheduler } from '../../src/adapters/agenda/agenda-work-scheduler.js';
import { CollectionSuffix } from '../../src/adapters/mongodb/collection-suffix.js';
import { openTestDb, type TestDb } from '../support/test-db.js';
import { describeWorkSchedulerContract } from './work-scheduler.contract.js';

let t: TestDb;
let hubs = 0;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

describeWorkSchedulerContract('AgendaWorkScheduler', () => {
  const taskHub = `scheduler${++hubs}`;
  const created: AgendaWorkScheduler[] = [];
  return Promise.resolve({
    newScheduler(): AgendaWorkScheduler {
      const scheduler = new AgendaWorkScheduler({
        mongoUri: t.mongo.uri, dbName: t.mongo.dbName, taskHub, processEveryMs: 100, stopGraceMs: 5_000,
        // The adapter's log lines (jobs given back, ...) are not what the contract checks.
        log: () => undefined,
      });
      created.push(scheduler);
      return scheduler;
    },
    async close(): Promise<void> {
      await Promise.all(created.splice(0).map((scheduler) => scheduler.stop()));
      await t.db.collection(`${taskHub}.${CollectionSuffix.Jobs}`).drop().catch(() => undefined);
    },
  });
});
