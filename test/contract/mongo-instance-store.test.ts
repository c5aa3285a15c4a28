// The instance-store contract against MongoInstanceStore, on the server startTestMongo() picks (MONGODB_URI, a
// local mongod, or the embedded engine). Each test gets its own task hub in one shared database: isolation between
// task hubs is exercised by every test.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MongoServerError, type Db, type MongoClient } from 'mongodb';
import { MongoInstanceStore } from '../../src/adapters/mongodb/mongo-instance-store.js';
import type { InstanceStore } from '../../src/ports/instance-store.js';
import { openTestDb, type TestDb } from '../support/test-db.js';
import { describeInstanceStoreContract } from './instance-store.contract.js';
import { describeInstanceStoreCommits } from './instance-store-commits.contract.js';
import { at, create, eventRaised, runEpisode } from './instance-store-fixtures.js';

let t: TestDb;
let hubs = 0;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

async function openStore(db: Db): Promise<{ store: MongoInstanceStore; close(): Promise<void> }> {
  const taskHub = `hub${++hubs}`;
  const store = new MongoInstanceStore(db, { taskHub });
  await store.ensureSchema();
  return {
    store,
    async close(): Promise<void> {
      await store.close();
      for (const suffix of ['instances', 'history', 'inbox']) await t.db.collection(`${taskHub}.${suffix}`).drop().catch(() => undefined);
    },
  };
}

describeInstanceStoreContract('MongoInstanceStore', () => openStore(t.db));

// A server before MongoDB 8.0 has no `bulkWrite` command: every commit takes two requests, and says the same.
describe('InstanceStore contract, commits on a server without bulkWrite: MongoInstanceStore', () => {
  let store: InstanceStore;
  let close: () => Promise<void>;
  let attempts = 0;

  beforeEach(async () => {
    attempts = 0;
    const client = {
      bulkWrite: () => {
        attempts++;
        return Promise.reject(new MongoServerError({ ok: 0, code: 59, codeName: 'CommandNotFound', errmsg: "no such command: 'bulkWrite'" }));
      },
    } as unknown as MongoClient;
    // The database as it is, but for the client its commits would send a bulkWrite through.
    const db = new Proxy(t.db, {
      get: (target, property) => {
        if (property === 'client') return client;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    ({ store, close } = await openStore(db));
  });
  afterEach(async () => {
    await close();
  });

  describeInstanceStoreCommits(() => store);

  it('asks once, then commits in two requests straight away', async () => {
    await create(store, 'a');
    await runEpisode(store, 'a', { runtimeStatus: 'Running' });
    await store.sendMessage('a', eventRaised('go', at(1)), { now: at(1) });
    await runEpisode(store, 'a', { runtimeStatus: 'Running' }, at(2));
    expect(attempts).toBe(1);
    expect((await store.getInstance('a'))?.version).toBe(2);
  });
});
