// TTL indexes remove expired documents in the background. mongod's TTL monitor wakes every 60 s, so against a real
// server each wait may take up to ~75 s; the embedded engine is expected to act within a couple of seconds.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Collection } from 'mongodb';
import { openTestDb, waitFor, type Doc, type TestDb } from '../support/test-db.js';

const WAIT_MS = 75_000;
const TEST_TIMEOUT_MS = 90_000;
const HOUR = 3_600_000;

let t: TestDb;
let zero: Collection<Doc>;
let oneSecond: Collection<Doc>;

beforeAll(async () => {
  t = await openTestDb();
  zero = t.db.collection<Doc>('ttl_zero');
  oneSecond = t.db.collection<Doc>('ttl_one_second');
  await zero.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  await oneSecond.createIndex({ createdAt: 1 }, { expireAfterSeconds: 1 });
  const now = Date.now();
  await zero.insertMany([
    { _id: 'past', expiresAt: new Date(now - 60_000) },
    { _id: 'long-past', expiresAt: new Date(now - 365 * 24 * HOUR) },
    { _id: 'array-with-a-past-date', expiresAt: [new Date(now + HOUR), new Date(now - 60_000)] },
    { _id: 'future', expiresAt: new Date(now + HOUR) },
    { _id: 'no-field' },
    { _id: 'null', expiresAt: null },
    { _id: 'string', expiresAt: new Date(now - 60_000).toISOString() },
    { _id: 'number', expiresAt: now - 60_000 },
  ]);
  await oneSecond.insertOne({ _id: 'no-field' });
});
afterAll(async () => {
  await t?.close();
});

const ids = async (c: Collection<Doc>): Promise<unknown[]> => (await c.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id);

describe('TTL index', () => {
  it(
    'expireAfterSeconds: 0 removes documents whose date is in the past, and only those',
    async () => {
      const gone = await waitFor(async () => (await zero.countDocuments({ _id: { $in: ['past', 'long-past', 'array-with-a-past-date'] } })) === 0, WAIT_MS, 200);
      expect(gone).toBe(true);
      expect(await ids(zero)).toEqual(['future', 'no-field', 'null', 'number', 'string']);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'expireAfterSeconds: 1 removes a document once it is older than one second, not before',
    async () => {
      const createdAt = Date.now();
      await oneSecond.insertOne({ _id: 'fresh', createdAt: new Date(createdAt) });
      await new Promise((r) => setTimeout(r, 300));
      expect(await oneSecond.countDocuments({ _id: 'fresh' })).toBe(1);
      const gone = await waitFor(async () => (await oneSecond.countDocuments({ _id: 'fresh' })) === 0, WAIT_MS, 100);
      expect(gone).toBe(true);
      expect(Date.now()).toBeGreaterThanOrEqual(createdAt + 1_000);
      expect(await ids(oneSecond)).toEqual(['no-field']);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a document inserted later is removed by a later pass while the future one stays',
    async () => {
      // The previous tests prove at least one pass ran; a pass after inserting this one is waited for below.
      await zero.insertOne({ _id: 'later-past', expiresAt: new Date(Date.now() - 1_000) });
      const gone = await waitFor(async () => (await zero.countDocuments({ _id: 'later-past' })) === 0, WAIT_MS, 200);
      expect(gone).toBe(true);
      expect(await zero.countDocuments({ _id: 'future' })).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it('listIndexes shows expireAfterSeconds', async () => {
    const index = (await zero.listIndexes().toArray()).find((i) => i.name === 'expiresAt_1');
    expect(index).toMatchObject({ key: { expiresAt: 1 }, expireAfterSeconds: 0 });
  });
});
