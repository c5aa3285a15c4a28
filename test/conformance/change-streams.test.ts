// Change streams through the real driver: events and their shapes, resume tokens, updateLookup, invalidation, the
// stages after $changeStream, awaitData. Written to hold on a real replica set too (MONGODB_URI); on a standalone
// server, where change streams do not exist, the suite is skipped.
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import type { ChangeStream, ChangeStreamDocument, Collection, Document } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';
import { onReplicaSet } from '../support/on-replica-set.js';

let t: TestDb;
let replicaSet = false;

beforeAll(async () => {
  t = await openTestDb();
  const hello = await t.db.admin().command({ hello: 1 });
  replicaSet = typeof hello.setName === 'string';
});
afterAll(async () => {
  await t?.close();
});

/** Reads `count` events from a stream (generous deadline: a slow machine must not fail the test). */
async function take(stream: ChangeStream<Doc>, count: number): Promise<ChangeStreamDocument<Doc>[]> {
  const events: ChangeStreamDocument<Doc>[] = [];
  const deadline = Date.now() + 20_000;
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} change events arrived`);
    const next = await stream.tryNext();
    if (next !== null) events.push(next);
  }
  return events;
}

/** A stream opened and primed (its first getMore sent), so that writes made after this resolve are seen. */
async function opened(stream: ChangeStream<Doc>): Promise<ChangeStream<Doc>> {
  await stream.tryNext();
  return stream;
}

/** The `documentKey._id` of each event. */
function keys(events: ChangeStreamDocument<Doc>[]): unknown[] {
  return events.map((event) => (event as { documentKey?: { _id?: unknown } }).documentKey?._id);
}

/** A field of each event. */
function fields(events: ChangeStreamDocument<Doc>[], name: string): unknown[] {
  return events.map((event) => (event as unknown as Record<string, unknown>)[name]);
}

let n = 0;
function freshCollection(): Collection<Doc> {
  n++;
  return t.db.collection<Doc>(`cs_${n}_${Date.now().toString(36)}`);
}

const itOnReplicaSet = onReplicaSet(() => replicaSet);

describe('change streams', () => {
  itOnReplicaSet('reports inserts, updates, replaces and deletes with their documents', async () => {
    const coll = freshCollection();
    await coll.insertOne({ _id: 'seed' });
    const stream = await opened(coll.watch<Doc>([], { maxAwaitTimeMS: 200 }));
    await coll.insertOne({ _id: 1, a: 1, nested: { x: 1, y: 2 }, list: [1, 2] });
    await coll.updateOne({ _id: 1 }, { $set: { a: 2, 'nested.x': 5 }, $unset: { 'nested.y': '' }, $push: { list: 3 } } as Document);
    await coll.updateOne({ _id: 1 }, { $pop: { list: 1 } });
    await coll.replaceOne({ _id: 1 }, { b: 1 });
    await coll.deleteOne({ _id: 1 });
    const [insert, update, pop, replace, remove] = await take(stream, 5);
    expect(insert).toMatchObject({ operationType: 'insert', ns: { db: t.db.databaseName, coll: coll.collectionName }, documentKey: { _id: 1 }, fullDocument: { _id: 1, a: 1 } });
    expect(insert?._id).toEqual({ _data: expect.any(String) });
    expect((insert as Document).clusterTime?._bsontype).toBe('Timestamp');
    expect((insert as Document).wallTime).toBeInstanceOf(Date);
    expect(update).toMatchObject({ operationType: 'update', documentKey: { _id: 1 } });
    const description = (update as Document).updateDescription as Document;
    expect(description.updatedFields).toEqual({ a: 2, 'nested.x': 5, 'list.2': 3 });
    expect(description.removedFields).toEqual(['nested.y']);
    expect(description.truncatedArrays).toEqual([]);
    expect((update as Document).fullDocument).toBeUndefined();
    expect((pop as Document).updateDescription.truncatedArrays).toEqual([{ field: 'list', newSize: 2 }]);
    expect(replace).toMatchObject({ operationType: 'replace', documentKey: { _id: 1 }, fullDocument: { _id: 1, b: 1 } });
    expect(remove).toMatchObject({ operationType: 'delete', documentKey: { _id: 1 } });
    // Tokens grow with the oplog.
    const tokens = [insert, update, pop, replace, remove].map((event) => (event?._id as { _data: string })._data);
    expect([...tokens].sort()).toEqual(tokens);
    await stream.close();
  });

  itOnReplicaSet('updateLookup adds the current document to update events', async () => {
    const coll = freshCollection();
    await coll.insertOne({ _id: 'k', v: 0 });
    const stream = await opened(coll.watch<Doc>([], { fullDocument: 'updateLookup', maxAwaitTimeMS: 200 }));
    await coll.updateOne({ _id: 'k' }, { $inc: { v: 1 } });
    const [event] = await take(stream, 1);
    expect(event).toMatchObject({ operationType: 'update', fullDocument: { _id: 'k', v: 1 } });
    await stream.close();
  });

  itOnReplicaSet('runs $match and $project after $changeStream', async () => {
    const coll = freshCollection();
    const stream = await opened(coll.watch<Doc>([
      { $match: { operationType: 'insert', 'fullDocument.keep': true } },
      { $project: { 'fullDocument.keep': 1, operationType: 1 } },
    ], { maxAwaitTimeMS: 200 }));
    await coll.insertMany([{ _id: 1, keep: false }, { _id: 2, keep: true, other: 'x' }]);
    await coll.deleteOne({ _id: 2 });
    await coll.insertOne({ _id: 3, keep: true });
    const events = await take(stream, 2);
    expect(fields(events, 'fullDocument')).toEqual([{ keep: true }, { keep: true }]);
    expect((events[0] as Document).ns).toBeUndefined();
    await stream.close();
  });

  itOnReplicaSet('resumes after a token, and starts at an operation time', async () => {
    const coll = freshCollection();
    const first = await opened(coll.watch<Doc>([], { maxAwaitTimeMS: 200 }));
    await coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    const events = await take(first, 3);
    await first.close();
    const resumed = coll.watch<Doc>([], { resumeAfter: events[0]?._id, maxAwaitTimeMS: 200 });
    expect(keys(await take(resumed, 2))).toEqual([2, 3]);
    await resumed.close();
    const started = coll.watch<Doc>([], { startAfter: events[1]?._id, maxAwaitTimeMS: 200 });
    expect(keys(await take(started, 1))).toEqual([3]);
    await started.close();
    const atTime = coll.watch<Doc>([], { startAtOperationTime: (events[1] as Document).clusterTime, maxAwaitTimeMS: 200 });
    expect(keys(await take(atTime, 2))).toEqual([2, 3]);
    await atTime.close();
  });

  itOnReplicaSet('a database stream and a cluster stream see every collection', async () => {
    const a = freshCollection();
    const b = freshCollection();
    const dbStream = await opened(t.db.watch<Doc>([{ $match: { 'ns.coll': { $in: [a.collectionName, b.collectionName] } } }], { maxAwaitTimeMS: 200 }));
    const clusterStream = await opened(t.client.watch<Doc>([{ $match: { 'ns.db': t.db.databaseName, 'ns.coll': { $in: [a.collectionName, b.collectionName] } } }], { maxAwaitTimeMS: 200 }));
    await a.insertOne({ _id: 'a' });
    await b.insertOne({ _id: 'b' });
    for (const stream of [dbStream, clusterStream]) {
      const events = await take(stream, 2);
      expect(fields(events, 'ns')).toEqual([{ db: t.db.databaseName, coll: a.collectionName }, { db: t.db.databaseName, coll: b.collectionName }]);
      await stream.close();
    }
  });

  itOnReplicaSet('a drop invalidates a collection stream; a rename too, after its rename event', async () => {
    const coll = freshCollection();
    await coll.insertOne({ _id: 1 });
    const stream = await opened(coll.watch<Doc>([], { maxAwaitTimeMS: 200 }));
    await coll.insertOne({ _id: 2 });
    await coll.drop();
    const events = await take(stream, 3);
    expect(events.map((event) => event.operationType)).toEqual(['insert', 'drop', 'invalidate']);
    expect(stream.closed).toBe(true);
    // startAfter an invalidate opens a new stream past it; resumeAfter refuses.
    const invalidate = events[2]?._id;
    const after = await opened(coll.watch<Doc>([], { startAfter: invalidate, maxAwaitTimeMS: 200 }));
    await coll.insertOne({ _id: 3 });
    expect((await take(after, 1))[0]).toMatchObject({ operationType: 'insert', documentKey: { _id: 3 } });
    await after.close();
    const refused = coll.watch<Doc>([], { resumeAfter: invalidate });
    const error = await rejectionOf(refused.tryNext());
    expect(error.code).toBe(260);
    await refused.close();

    const renamed = freshCollection();
    await renamed.insertOne({ _id: 1 });
    const renameStream = await opened(renamed.watch<Doc>([], { maxAwaitTimeMS: 200 }));
    const target = `${renamed.collectionName}_to`;
    await renamed.rename(target);
    const renameEvents = await take(renameStream, 2);
    expect(renameEvents.map((event) => event.operationType)).toEqual(['rename', 'invalidate']);
    expect((renameEvents[0] as Document).to).toEqual({ db: t.db.databaseName, coll: target });
    expect(await t.db.collection(target).countDocuments()).toBe(1);
  });

  itOnReplicaSet('a database stream reports dropDatabase and is invalidated', async () => {
    const other = t.client.db(`${t.db.databaseName}_cs_drop`);
    await other.collection<Doc>('x').insertOne({ _id: 1 });
    const stream = await opened(other.watch<Doc>([], { maxAwaitTimeMS: 200 }));
    await other.dropDatabase();
    const events = await take(stream, 3);
    expect(events.map((event) => event.operationType)).toEqual(['drop', 'dropDatabase', 'invalidate']);
  });

  itOnReplicaSet('getMore waits for events up to maxAwaitTimeMS and returns an empty batch otherwise', async () => {
    const coll = freshCollection();
    const stream = await opened(coll.watch<Doc>([], { maxAwaitTimeMS: 100 }));
    expect(await stream.tryNext()).toBeNull();
    const pending = stream.next();
    setTimeout(() => void coll.insertOne({ _id: 'late' }), 50);
    expect(await pending).toMatchObject({ operationType: 'insert', documentKey: { _id: 'late' } });
    // postBatchResumeToken moves on when nothing matched.
    expect(stream.resumeToken).toEqual({ _data: expect.any(String) });
    await stream.close();
  });

  itOnReplicaSet('refuses options it cannot honour, and stages other than the per-event ones', async () => {
    const coll = freshCollection();
    await coll.insertOne({ _id: 1 });
    const group = coll.watch<Doc>([{ $group: { _id: null } }]);
    expect((await rejectionOf(group.tryNext())).code).toBeDefined();
    await group.close();
    const badToken = coll.watch<Doc>([], { resumeAfter: { _data: 'not a token' } });
    expect((await rejectionOf(badToken.tryNext())).code).toBeDefined();
    await badToken.close();
  });

  itOnReplicaSet('refuses a pipeline that changes the resume token', async () => {
    const coll = freshCollection();
    const stream = await opened(coll.watch<Doc>([{ $project: { _id: 0 } }], { maxAwaitTimeMS: 200 }));
    await coll.insertOne({ _id: 1 });
    const error = await rejectionOf(take(stream, 1));
    expect(error.code).toBe(280);
    await stream.close();
  });
});
