// Agenda's change-stream notification channel (MongoChangeStreamNotificationChannel from @agendajs/mongo-backend),
// unchanged, against the test server: the behaviours Agenda's own change-stream tests check (inserts and updates
// notify, jobs without nextRunAt or disabled do not, clean disconnect, reconnection after the stream closes), plus
// resuming from the token it records and a job started in one Agenda being picked up by another through the stream.
// On a standalone server (no change streams) the suite is skipped.
import { afterAll, afterEach, beforeAll, describe, expect } from '@jest/globals';
import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import { Agenda, type Job, type JobNotification } from 'agenda';
import { openTestDb, until, type Doc, type TestDb } from '../../support/test-db.js';
import { onReplicaSet } from '../../support/on-replica-set.js';

let t: TestDb;
let replicaSet = false;
let seq = 0;
const channels: MongoChangeStreamNotificationChannel[] = [];
const agendas: Agenda[] = [];

beforeAll(async () => {
  t = await openTestDb();
  replicaSet = typeof (await t.db.admin().command({ hello: 1 })).setName === 'string';
});
afterEach(async () => {
  await Promise.all(agendas.splice(0).map((agenda) => agenda.stop()));
  await Promise.all(channels.splice(0).map((channel) => channel.disconnect()));
});
afterAll(async () => {
  await t?.close();
});

/** A channel on a collection of its own, and the notifications it hands to its subscriber. */
function channelOn(collection = `cs_jobs_${++seq}`, resumeToken?: unknown): { channel: MongoChangeStreamNotificationChannel; seen: JobNotification[]; collection: string } {
  const channel = new MongoChangeStreamNotificationChannel({ db: t.db, collection, ...(resumeToken === undefined ? {} : { resumeToken }) });
  channels.push(channel);
  const seen: JobNotification[] = [];
  channel.subscribe(recordInto(seen));
  return { channel, seen, collection };
}

/** A subscriber that keeps the notifications it is handed. */
function recordInto(seen: JobNotification[]): (notification: JobNotification) => Promise<void> {
  return (notification) => {
    seen.push(notification);
    return Promise.resolve();
  };
}

/** Lets a change that should not notify have every chance to (a fixed wait is the only way to check a non-event). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

const itOnReplicaSet = onReplicaSet(() => replicaSet);

describe('MongoChangeStreamNotificationChannel on the test server', () => {
  itOnReplicaSet('connects and watches its collection', async () => {
    const { channel } = channelOn();
    await channel.connect();
    expect(channel.state).toBe('connected');
  });

  itOnReplicaSet('an inserted job with nextRunAt notifies, with its name', async () => {
    const { channel, seen, collection } = channelOn();
    await channel.connect();
    await t.db.collection<Doc>(collection).insertOne({ name: 'inserted-job', nextRunAt: new Date(), priority: 0, type: 'normal', data: {} });
    await until('the insert is notified', () => seen.length >= 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ jobName: 'inserted-job', source: 'changestream' });
  });

  itOnReplicaSet('an updated job notifies with its new fields (the stream looks the document up)', async () => {
    const { channel, seen, collection } = channelOn();
    await channel.connect();
    const jobs = t.db.collection<Doc>(collection);
    const { insertedId } = await jobs.insertOne({ name: 'updated-job', nextRunAt: new Date(), priority: 0, type: 'normal', data: {} });
    await until('the insert is notified', () => seen.length >= 1);
    seen.length = 0;
    await jobs.updateOne({ _id: insertedId }, { $set: { priority: 10 } });
    await until('the update is notified', () => seen.length >= 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ jobName: 'updated-job', priority: 10, jobId: (insertedId as { toHexString(): string }).toHexString() });
  });

  itOnReplicaSet('jobs without nextRunAt, and disabled jobs, do not notify', async () => {
    const { channel, seen, collection } = channelOn();
    await channel.connect();
    const jobs = t.db.collection<Doc>(collection);
    await jobs.insertOne({ name: 'never-due', priority: 0, type: 'normal', data: {} });
    await jobs.insertOne({ name: 'switched-off', nextRunAt: new Date(), priority: 0, type: 'normal', disabled: true, data: {} });
    await settle();
    expect(seen).toHaveLength(0);
  });

  itOnReplicaSet('disconnects cleanly, and reconnects by itself when its stream closes', async () => {
    const { channel, seen, collection } = channelOn();
    await channel.connect();
    await channel.disconnect();
    expect(channel.state).toBe('disconnected');

    // disconnect() drops the channel's subscribers (Agenda re-subscribes when it starts again): subscribe anew.
    channel.subscribe(recordInto(seen));
    await channel.connect();
    const internals = channel as unknown as { changeStream?: { close(): Promise<void> } };
    const closed = internals.changeStream;
    await closed?.close();
    await until('the channel reconnects with a new stream', () => channel.state === 'connected' && internals.changeStream !== undefined && internals.changeStream !== closed, 20_000);
    await t.db.collection<Doc>(collection).insertOne({ name: 'after-reconnect', nextRunAt: new Date() });
    await until('a job inserted after the reconnection is notified', () => seen.some((n) => n.jobName === 'after-reconnect'));
  });

  itOnReplicaSet('records a resume token, and a new channel started from it sees what came after', async () => {
    const first = channelOn();
    await first.channel.connect();
    const jobs = t.db.collection<Doc>(first.collection);
    await jobs.insertOne({ name: 'one', nextRunAt: new Date() });
    await until('the first job is notified', () => first.seen.length >= 1);
    const token = first.channel.getResumeToken();
    expect(token).toEqual({ _data: expect.any(String) });
    await first.channel.disconnect();
    await jobs.insertOne({ name: 'two', nextRunAt: new Date() });

    const second = channelOn(first.collection, token);
    await second.channel.connect();
    await until('the job inserted while nobody watched is notified', () => second.seen.length >= 1);
    expect(second.seen.map((n) => n.jobName)).toEqual(['two']);
  });

  itOnReplicaSet('an Agenda woken by the channel runs a job another Agenda saved, long before its next poll', async () => {
    const collection = `cs_agenda_${++seq}`;
    const ran: string[] = [];
    const worker = new Agenda({
      backend: new MongoBackend({ mongo: t.db, collection }),
      notificationChannel: new MongoChangeStreamNotificationChannel({ db: t.db, collection }),
      name: 'cs-worker',
      processEvery: 60_000,
      defaultLockLifetime: 2_000,
    });
    agendas.push(worker);
    worker.define('pushed', (job: Job<{ n: number }>) => {
      ran.push(`n=${job.attrs.data.n}`);
      return Promise.resolve();
    });
    await worker.ready;
    await worker.start();
    // Let the first poll pass, so that only the channel can bring the job in within the test's deadline.
    await settle();
    const client = new Agenda({ backend: new MongoBackend({ mongo: t.db, collection }), name: 'cs-client', processEvery: 60_000 });
    agendas.push(client);
    await client.ready;
    await client.now('pushed', { n: 1 });
    await until('the worker runs the job', () => ran.length >= 1, 30_000);
    expect(ran).toEqual(['n=1']);
  });
});
