// The entity-store contract against MongoEntityStore (with the MongoInstanceStore of the same task hub), on the
// server startTestMongo() picks (MONGODB_URI, a local mongod, or the embedded engine). Each test gets its own task hub
// in one shared database.
import { afterAll, beforeAll } from '@jest/globals';
import { CollectionSuffix } from '../../src/adapters/mongodb/collection-suffix.js';
import { MongoEntityStore } from '../../src/adapters/mongodb/mongo-entity-store.js';
import { MongoInstanceStore } from '../../src/adapters/mongodb/mongo-instance-store.js';
import { openTestDb, type TestDb } from '../support/test-db.js';
import { describeEntityStoreContract } from './entity-store.contract.js';

let t: TestDb;
let hubs = 0;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

describeEntityStoreContract('MongoEntityStore', async () => {
  const taskHub = `entities${++hubs}`;
  const instances = new MongoInstanceStore(t.db, { taskHub });
  await instances.ensureSchema();
  const entities = new MongoEntityStore(t.db, { taskHub });
  await entities.ensureSchema();
  return {
    entities,
    instances,
    async close(): Promise<void> {
      await instances.close();
      for (const suffix of Object.values(CollectionSuffix)) await t.db.collection(`${taskHub}.${suffix}`).drop().catch(() => undefined);
    },
  };
});
