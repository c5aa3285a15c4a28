// The instance-store contract against MongoInstanceStore, on the server startTestMongo() picks (MONGODB_URI, a
// local mongod, or the embedded engine). Each test gets its own task hub in one shared database: isolation between
// task hubs is exercised by every test.
import { afterAll, beforeAll } from '@jest/globals';
import { MongoInstanceStore } from '../../src/adapters/mongodb/mongo-instance-store.js';
import { openTestDb, type TestDb } from '../support/test-db.js';
import { describeInstanceStoreContract } from './instance-store.contract.js';

let t: TestDb;
let hubs = 0;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

describeInstanceStoreContract('MongoInstanceStore', async () => {
  const taskHub = `hub${++hubs}`;
  const store = new MongoInstanceStore(t.db, { taskHub });
  await store.ensureSchema();
  return {
    store,
    async close(): Promise<void> {
      await store.close();
      for (const suffix of ['instances', 'history', 'inbox']) await t.db.collection(`${taskHub}.${suffix}`).drop().catch(() => undefined);
    },
  };
});
