// What the work notifications' change stream lets through, on a real server (or the embedded engine): a change that
// makes work claimable and the change that finishes an instance, not a claim (it takes a lease) and not a later write
// to a finished instance (its release). The stream is ordered, so a sentinel change written last shows that nothing
// else came before it: no waiting for something not to happen.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoWorkNotifications } from '../../../src/adapters/mongodb/mongo-work-notifications.js';
import type { WorkNotice } from '../../../src/ports/work-notifications.js';
import { openTestDb, type Doc, type TestDb } from '../../support/test-db.js';

let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await t?.close();
});

// Resolves once `until` holds for the notices received so far (the deadline is only a bound against a hang).
async function received(notices: WorkNotice[], until: (all: WorkNotice[]) => boolean): Promise<WorkNotice[]> {
  const deadline = Date.now() + 60_000;
  while (!until(notices)) {
    if (Date.now() > deadline) throw new Error(`notices so far: ${JSON.stringify(notices)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return notices;
}

describe('MongoWorkNotifications: the changes it passes on', () => {
  it('tells of work and of a finish once each; claims and releases of finished instances stay on the server', async () => {
    const feed = new MongoWorkNotifications(t.db, { taskHub: 'Filter', jobs: { collection: 'Filter.jobs', activity: 'a', timer: 't' }, log: () => undefined });
    const notices: WorkNotice[] = [];
    feed.subscribe((notice) => notices.push(notice), 'work');
    feed.subscribe((notice) => {
      if (notice.kind === 'instanceFinished') notices.push(notice);
    }, 'finished');
    try {
      expect(await feed.ready()).toBe(true);
      const instances = t.db.collection<Doc>('Filter.instances');
      const at = new Date('2026-01-01T00:00:00Z');
      await instances.insertOne({ _id: 'i1', runtimeStatus: 'Pending', work: { pending: true, seq: 1, availableAt: at } });
      // Claimed: a lease, no notice.
      await instances.updateOne({ _id: 'i1' }, { $set: { lease: { token: 't', workerId: 'w', until: at } }, $inc: { claimAttempts: 1 } });
      // Finished under the lease (a commit), then released: one finish.
      await instances.updateOne({ _id: 'i1' }, { $set: { runtimeStatus: 'Completed', output: '"done"' }, $inc: { version: 1 } });
      await instances.updateOne({ _id: 'i1' }, { $unset: { lease: '' }, $set: { 'work.pending': false, claimAttempts: 0 } });
      // The sentinel: new work, after everything above.
      await instances.insertOne({ _id: 'sentinel', runtimeStatus: 'Pending', work: { pending: true, seq: 1, availableAt: at } });
      const all = await received(notices, (sofar) => sofar.some((n) => n.kind === 'instanceWork' && n.instanceId === 'sentinel'));
      expect(all.filter((n) => n.kind !== 'opened')).toEqual([
        { kind: 'instanceWork', instanceId: 'i1', availableAt: at },
        { kind: 'instanceFinished', instanceId: 'i1' },
        { kind: 'instanceWork', instanceId: 'sentinel', availableAt: at },
      ]);
    } finally {
      await feed.close();
    }
  });
});
