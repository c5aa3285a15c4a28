// Agenda 6 with the official MongoBackend, unchanged, against the test server: the scheduling behaviours Durably
// relies on. Short lock lifetimes keep Agenda's per-job timers short so jest can exit once every agenda is stopped.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Agenda, constant, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { ObjectId, type Collection } from 'mongodb';
import { openTestDb, waitFor, type Doc, type TestDb } from '../../support/test-db.js';

const PROCESS_EVERY_MS = 100;
const LOCK_LIFETIME_MS = 2_000;

let t: TestDb;
let seq = 0;
let running: Agenda[] = [];

beforeAll(async () => {
  t = await openTestDb();
});
afterEach(async () => {
  await Promise.all(running.map((a) => a.stop()));
  running = [];
});
afterAll(async () => {
  await t?.close();
});

/** A started Agenda on its own jobs collection. */
async function startAgenda(setup: (agenda: Agenda) => void, collection = `agenda_${++seq}`): Promise<{ agenda: Agenda; jobs: Collection<Doc> }> {
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: t.db, collection }),
    name: `conformance-${seq}`,
    processEvery: PROCESS_EVERY_MS,
    defaultLockLifetime: LOCK_LIFETIME_MS,
    defaultConcurrency: 5,
    defaultLockLimit: 5,
  });
  running.push(agenda);
  setup(agenda);
  await agenda.ready;
  await agenda.start();
  return { agenda, jobs: t.db.collection<Doc>(collection) };
}

/** Agenda 6 hands out job ids as hex strings; the collection stores ObjectIds. */
const idOf = (job: Job<unknown>): ObjectId => new ObjectId(String(job.attrs._id));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Agenda on the test server', () => {
  it('creates its lookup index on connect', async () => {
    const { jobs } = await startAgenda(() => undefined);
    const names = (await jobs.listIndexes().toArray()).map((i): unknown => i.name);
    expect(names).toContain('findAndLockNextJobIndex');
  });

  it('now() runs a job once with its data and records the run', async () => {
    const seen: unknown[] = [];
    const { agenda, jobs } = await startAgenda((a) =>
      a.define('now-job', (job: Job<{ n: number }>) => {
        seen.push(job.attrs.data.n);
        return Promise.resolve();
      }),
    );
    const job = await agenda.now('now-job', { n: 42 });
    expect(await waitFor(() => seen.length === 1, 10_000, 20)).toBe(true);
    expect(seen).toEqual([42]);
    // The final state is written after the handler returns.
    expect(
      await waitFor(async () => ((await jobs.findOne({ _id: idOf(job) }))?.lastFinishedAt ?? null) !== null, 5_000, 20),
    ).toBe(true);
    const stored = (await jobs.findOne({ _id: idOf(job) }))!;
    expect(stored.name).toBe('now-job');
    expect(stored.lastRunAt).toBeInstanceOf(Date);
    expect(stored.lastFinishedAt).toBeInstanceOf(Date);
    expect(stored.lockedAt ?? null).toBeNull();
    expect(stored.failCount ?? null).toBeNull();
    await sleep(500);
    expect(seen).toEqual([42]);
  });

  it("schedule('in 1 second') fires when due and not before", async () => {
    const runs: number[] = [];
    const { agenda } = await startAgenda((a) =>
      a.define('later-job', () => {
        runs.push(Date.now());
        return Promise.resolve();
      }),
    );
    const scheduledAt = Date.now();
    const job = await agenda.schedule('in 1 second', 'later-job');
    const due = job.attrs.nextRunAt!.getTime();
    expect(due).toBeGreaterThanOrEqual(scheduledAt + 900);
    expect(due).toBeLessThanOrEqual(Date.now() + 1_100);
    await sleep(500);
    expect(runs).toEqual([]);
    expect(await waitFor(() => runs.length === 1, 10_000, 20)).toBe(true);
    // Timers may round by a millisecond or two; anything earlier would be a real early start.
    expect(runs[0]!).toBeGreaterThanOrEqual(due - 5);
    expect(runs[0]! - due).toBeLessThan(2_000);
  });

  it("every('1 second') repeats and keeps a single job document", async () => {
    let count = 0;
    const { agenda, jobs } = await startAgenda((a) =>
      a.define('tick', () => {
        count++;
        return Promise.resolve();
      }),
    );
    await agenda.every('1 second', 'tick');
    // Defining the same interval again must not create a second job.
    await agenda.every('1 second', 'tick');
    expect(await waitFor(() => count >= 2, 10_000, 20)).toBe(true);
    const docs = await jobs.find({ name: 'tick' }).toArray();
    expect(docs).toHaveLength(1);
    expect(docs[0]!.type).toBe('single');
    expect(docs[0]!.repeatInterval).toBe('1 second');
  });

  it('unique() keeps one job per unique key, updating it on a repeat save', async () => {
    const { agenda, jobs } = await startAgenda((a) =>
      a.define('unique-job', async () => {
        await sleep(1);
      }),
    );
    const later = new Date(Date.now() + 3_600_000);
    await agenda.create('unique-job', { key: 'a', v: 1 }).unique({ 'data.key': 'a' }).schedule(later).save();
    await agenda.create('unique-job', { key: 'a', v: 2 }).unique({ 'data.key': 'a' }).schedule(later).save();
    await agenda.create('unique-job', { key: 'b', v: 3 }).unique({ 'data.key': 'b' }).schedule(later).save();
    const docs = await jobs.find({ name: 'unique-job' }).sort({ 'data.key': 1 }).toArray();
    expect(docs.map((d): unknown => d.data)).toEqual([
      { key: 'a', v: 2 },
      { key: 'b', v: 3 },
    ]);
  });

  it('unique() with insertOnly keeps the first job untouched', async () => {
    const { agenda, jobs } = await startAgenda((a) =>
      a.define('insert-only', async () => {
        await sleep(1);
      }),
    );
    const later = new Date(Date.now() + 3_600_000);
    await agenda.create('insert-only', { key: 'k', v: 1 }).unique({ 'data.key': 'k' }, { insertOnly: true }).schedule(later).save();
    await agenda.create('insert-only', { key: 'k', v: 2 }).unique({ 'data.key': 'k' }, { insertOnly: true }).schedule(later).save();
    const docs = await jobs.find({ name: 'insert-only' }).toArray();
    expect(docs).toHaveLength(1);
    expect(docs[0]!.data).toEqual({ key: 'k', v: 1 });
  });

  it('a failing job is retried by its backoff, then gives up with failCount and failReason recorded', async () => {
    const attempts: number[] = [];
    const exhausted: string[] = [];
    const retries: number[] = [];
    const { agenda, jobs } = await startAgenda((a) => {
      a.define(
        'flaky',
        () => {
          attempts.push(Date.now());
          return Promise.reject(new Error(`boom #${attempts.length}`));
        },
        { backoff: constant({ delay: 200, maxRetries: 2 }) },
      );
      a.on('retry exhausted:flaky', (error: Error) => exhausted.push(error.message));
      a.on('retry:flaky', (_job, details) => retries.push(details.attempt));
    });
    const job = await agenda.now('flaky');
    expect(await waitFor(() => exhausted.length === 1, 15_000, 20)).toBe(true);
    expect(attempts).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
    expect(exhausted).toEqual(['boom #3']);
    // Each retry waited for its backoff delay.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(190);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(190);
    expect(
      await waitFor(async () => ((await jobs.findOne({ _id: idOf(job) }))?.failCount ?? 0) === 3, 5_000, 20),
    ).toBe(true);
    const stored = (await jobs.findOne({ _id: idOf(job) }))!;
    expect(stored.failReason).toBe('boom #3');
    expect(stored.failedAt).toBeInstanceOf(Date);
    await sleep(700);
    expect(attempts).toHaveLength(3);
  });

  it('a failing job without a backoff runs once and records the failure', async () => {
    let calls = 0;
    const failures: string[] = [];
    const { agenda, jobs } = await startAgenda((a) => {
      a.define('fails-once', () => {
        calls++;
        return Promise.reject(new Error('nope'));
      });
      a.on('fail:fails-once', (error: Error) => failures.push(error.message));
    });
    const job = await agenda.now('fails-once');
    expect(await waitFor(() => failures.length === 1, 10_000, 20)).toBe(true);
    expect(
      await waitFor(async () => ((await jobs.findOne({ _id: idOf(job) }))?.failCount ?? 0) === 1, 5_000, 20),
    ).toBe(true);
    const stored = (await jobs.findOne({ _id: idOf(job) }))!;
    expect(stored.failReason).toBe('nope');
    expect(stored.failedAt).toBeInstanceOf(Date);
    await sleep(600);
    expect(calls).toBe(1);
  });

  it('respects a job definition concurrency limit', async () => {
    let active = 0;
    let maxActive = 0;
    let done = 0;
    const { agenda } = await startAgenda((a) =>
      a.define(
        'limited',
        async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(100);
          active--;
          done++;
        },
        { concurrency: 2, lockLimit: 2 },
      ),
    );
    for (let i = 0; i < 6; i++) {
      await agenda.now('limited', { i });
    }
    expect(await waitFor(() => done === 6, 15_000, 20)).toBe(true);
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(maxActive).toBeGreaterThanOrEqual(1);
  });

  it('picks up a job whose lock expired (a crashed worker) and runs it', async () => {
    const collection = `agenda_${++seq}`;
    const jobs = t.db.collection<Doc>(collection);
    // A job some dead worker locked ten minutes ago and never finished.
    await jobs.insertOne({
      name: 'orphan',
      data: { from: 'dead worker' },
      type: 'normal',
      priority: 0,
      nextRunAt: null,
      lastRunAt: new Date(Date.now() - 600_000),
      lockedAt: new Date(Date.now() - 600_000),
      lastModifiedBy: 'dead',
    });
    const seen: unknown[] = [];
    await startAgenda(
      (a) =>
        a.define('orphan', (job: Job<{ from: string }>) => {
          seen.push(job.attrs.data.from);
          return Promise.resolve();
        }),
      collection,
    );
    expect(await waitFor(() => seen.length === 1, 10_000, 20)).toBe(true);
    expect(seen).toEqual(['dead worker']);
  });

  it('two Agenda instances on one collection run each job exactly once', async () => {
    const collection = `agenda_${++seq}`;
    const ran = new Map<number, number>();
    const handler = async (job: Job<{ n: number }>): Promise<void> => {
      ran.set(job.attrs.data.n, (ran.get(job.attrs.data.n) ?? 0) + 1);
      await sleep(5);
    };
    const first = await startAgenda((a) => a.define('shared', handler, { concurrency: 5, lockLimit: 5 }), collection);
    await startAgenda((a) => a.define('shared', handler, { concurrency: 5, lockLimit: 5 }), collection);
    for (let n = 0; n < 60; n++) {
      await first.agenda.now('shared', { n });
    }
    expect(await waitFor(() => ran.size === 60, 30_000, 20)).toBe(true);
    await sleep(300);
    expect([...ran.values()].every((count) => count === 1)).toBe(true);
  });
});
