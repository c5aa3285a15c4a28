// The job writes a process issues within one event-loop turn go to the database as one `update` command, seen on
// the wire (the driver's command monitoring): finishing activity N and scheduling activity N+1 in the same turn is one
// command; a duplicate key in it fails only its own statement. Real MongoDB driver against the engine the test
// harness picks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { CommandStartedEvent, Db, Document, MongoClient } from 'mongodb';
import { ObjectId } from 'mongodb';
import type { AgendaWorkScheduler } from '../../../src/adapters/agenda/agenda-work-scheduler.js';
import { FinishedJobName, JobName } from '../../../src/adapters/agenda/job-name.js';
import { CollectionSuffix } from '../../../src/adapters/mongodb/collection-suffix.js';
import { openTestDb, rejectionOf, waitFor, type TestDb } from '../../support/test-db.js';
import { activityJob, newTaskHub, recordingHandlers, SchedulerPool, sleep, timerJob } from './scheduler-harness.js';

let t: TestDb;
let pool: SchedulerPool;

beforeAll(async () => {
  t = await openTestDb();
});
afterEach(async () => {
  await pool?.stopAll();
});
afterAll(async () => {
  await t?.close();
});

/** A client of its own whose commands on `<hub>.jobs` are recorded. */
async function monitoredDb(hub: string): Promise<{ db: Db; client: MongoClient; commands: CommandStartedEvent[] }> {
  const client = await t.newClient({ monitorCommands: true });
  const commands: CommandStartedEvent[] = [];
  const jobs = `${hub}.${CollectionSuffix.Jobs}`;
  client.on('commandStarted', (event) => {
    if (event.command[event.commandName] === jobs) commands.push(event);
  });
  return { db: client.db(t.mongo.dbName), client, commands };
}

const statements = (event: CommandStartedEvent): Document[] => (event.command.updates as Document[] | undefined) ?? [];

describe('AgendaWorkScheduler write combining', () => {
  it('finishing an activity and scheduling the next in the same turn is one update command', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const { db, commands } = await monitoredDb(hub);
    const CHAIN = 10;
    const scheduler: AgendaWorkScheduler = pool.create(hub, { db });
    // As an episode's commit does: the next activity is dispatched in the turn in which this one's handler returns.
    const handlers = recordingHandlers({
      onActivity: (job) => {
        if (job.sequence + 1 < CHAIN) void scheduler.scheduleActivity(activityJob('chain', job.sequence + 1));
        return Promise.resolve();
      },
    });
    await scheduler.start(handlers);
    commands.length = 0;

    await scheduler.scheduleActivity(activityJob('chain', 0));
    expect(await waitFor(() => handlers.activities.length === CHAIN, 10_000, 5)).toBe(true);
    const jobs = pool.jobs(hub);
    expect(await waitFor(async () => (await jobs.countDocuments({ name: FinishedJobName[JobName.Activity] })) === CHAIN, 5_000, 10)).toBe(true);

    const writes = commands.filter((c) => c.commandName === 'update' || c.commandName === 'insert');
    // The first insert, nine finish + insert pairs, the last finish.
    expect(writes.map((c) => c.commandName)).toEqual(Array.from({ length: CHAIN + 1 }, () => 'update'));
    expect(writes.map((c) => statements(c).length)).toEqual([1, ...Array.from({ length: CHAIN - 1 }, () => 2), 1]);
    const pair = statements(writes[1]!);
    expect(pair.map((s) => Object.keys(s.u as Document)[0]).sort()).toEqual(['$set', '$setOnInsert']);
    expect(handlers.activities.map((r) => r.deliveries)).toEqual(Array.from({ length: CHAIN }, () => 1));
  });

  it('a duplicate key in a combined write fails only its own statement: that call is "already scheduled"', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const { db, commands } = await monitoredDb(hub);
    const handlers = recordingHandlers();
    const scheduler = pool.create(hub, { db });
    await scheduler.start(handlers);
    await scheduler.scheduleActivity(activityJob('dup'));
    expect(await waitFor(() => handlers.activities.length === 1, 5_000, 5)).toBe(true);
    await sleep(100);
    commands.length = 0;

    // Three calls in one turn: one key scheduled before, two new.
    await Promise.all([
      scheduler.scheduleActivity(activityJob('dup')),
      scheduler.scheduleActivity(activityJob('fresh')),
      scheduler.scheduleTimer(timerJob(new Date(Date.now() + 3_600_000), 'fresh', 1)),
    ]);
    const writes = commands.filter((c) => c.commandName === 'update' || c.commandName === 'insert');
    expect(writes.map((c) => [c.commandName, statements(c).length])).toEqual([['update', 3]]);
    expect(await waitFor(() => handlers.activities.length === 2, 5_000, 5)).toBe(true);
    await sleep(200);
    expect(handlers.activities.map((r) => r.job.instanceId)).toEqual(['dup', 'fresh']);
    expect(await pool.jobs(hub).countDocuments({})).toBe(3);
  });

  it('fails every call of a combined write whose command fails as a whole', async () => {
    pool = new SchedulerPool(t);
    const hub = newTaskHub();
    const { db, client } = await monitoredDb(hub);
    const scheduler = pool.create(hub, { db });
    await scheduler.scheduleActivity(activityJob('before'));
    await client.close();
    const outcomes = await Promise.allSettled([scheduler.scheduleActivity(activityJob('a')), scheduler.scheduleTimer(timerJob(new Date(), 'b'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  // The shape JobWriteCombiner relies on, from the server itself: an unordered multi-statement update answers each
  // statement (upserted, or its own write error with its index) and applies the others.
  it('the server answers an unordered multi-statement update per statement', async () => {
    const jobs = t.db.collection(`${newTaskHub()}.${CollectionSuffix.Jobs}`);
    await jobs.createIndex({ 'data.key': 1 }, { unique: true, partialFilterExpression: { 'data.key': { $exists: true } } });
    const existing = new ObjectId();
    await jobs.insertOne({ _id: existing, data: { key: 'taken' }, n: 'not a number' });
    const [fresh, dup, other] = [new ObjectId(), new ObjectId(), new ObjectId()];
    const error = await rejectionOf(jobs.bulkWrite([
      { updateOne: { filter: { _id: fresh }, update: { $setOnInsert: { data: { key: 'fresh' } } }, upsert: true } },
      { updateOne: { filter: { _id: dup }, update: { $setOnInsert: { data: { key: 'taken' } } }, upsert: true } },
      { updateOne: { filter: { _id: existing }, update: { $inc: { n: 1 } } } },
      { updateOne: { filter: { _id: other }, update: { $setOnInsert: { data: { key: 'other' } } }, upsert: true } },
      { updateOne: { filter: { _id: existing }, update: { $set: { seen: true } } } },
    ], { ordered: false }));
    const bulk = error as unknown as { writeErrors: { index: number; code: number }[]; result: { upsertedIds: Record<number, unknown>; nUpserted?: number; upsertedCount?: number } };
    expect(bulk.writeErrors.map((e) => [e.index, e.code])).toEqual([[1, 11000], [2, 14]]);
    expect(Object.keys(bulk.result.upsertedIds).map(Number)).toEqual([0, 3]);
    expect(await jobs.countDocuments({})).toBe(3);
    expect(await jobs.findOne({ _id: existing })).toMatchObject({ n: 'not a number', seen: true });
    expect(await jobs.findOne({ _id: fresh })).toEqual({ _id: fresh, data: { key: 'fresh' } });
  });
});
