// Sessions: an activity that a worker schedules and runs itself hands its result straight to the episode holding
// the instance (no inbox message, no release and claim). Its job document is written only when a commit would
// otherwise leave the activity unanswered (a slow activity), and is then finished after the episode that recorded
// its result; a fast one is answered in the commit that schedules it and never costs a job write.
// A slow activity's result claims its cached instance directly; without the cache, and in apps with
// `episodeLingerMs: 0`, results go through the inbox as before. Observed in the task hub's
// collections through the real driver.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db, type Document } from 'mongodb';
import { container } from 'tsyringe';
import { FinishedJobName, JobName } from '../../../src/adapters/agenda/job-name.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { Durably } from '../../../src/app/durably.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

/** How many times each activity ran, by `<activity>:<input>`: at least once, and here exactly once. */
const runs = new Map<string, number>();
const ran = (key: string): void => {
  runs.set(key, (runs.get(key) ?? 0) + 1);
};
const runsOf = (prefix: string): number[] => [...runs].filter(([key]) => key.startsWith(prefix)).map(([, n]) => n);

@Activity()
class Double {
  run(n: number): number {
    ran(`Double:${n}`);
    return n * 2;
  }
}

/**
 * Outlasts its session: returns only once the session that started it has let its instance go (no lease on the
 * instance document), however long that takes on a busy machine — a condition, not a duration.
 */
@Activity()
class SlowDouble {
  async run({ n, hub, id }: { n: number; hub: string; id: string }): Promise<number> {
    ran(`SlowDouble:${n}`);
    const deadline = Date.now() + 20_000;
    while (await db.collection(`${hub}.instances`).countDocuments({ _id: id as never, lease: { $exists: true } }) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return n * 2;
  }
}

@Orchestrator()
class Doubling {
  async run(ctx: OrchestrationContext<{ steps: number; slow?: string }>): Promise<number> {
    let n = 1;
    for (let i = 0; i < ctx.input.steps; i++) {
      const hub = ctx.input.slow;
      n = hub === undefined ? await ctx.callActivity(Double, n) : await ctx.callActivity(SlowDouble, { n, hub, id: ctx.instanceId });
    }
    return n;
  }
}

@Orchestrator()
class FanOut {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    const results = await ctx.whenAll(Array.from({ length: ctx.input }, (_, i) => ctx.callActivity(Double, i)));
    return results.reduce((a, b) => a + b, 0);
  }
}

let mongo: TestMongo;
let client: MongoClient;
let db: Db;
const apps: TestApp[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  client = await MongoClient.connect(mongo.uri);
  db = client.db(mongo.dbName);
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await client?.close();
  await mongo?.stop();
});

async function app(taskHub: string, episodeLingerMs?: number, executionCacheMaxInstances?: number): Promise<Durably> {
  runs.clear();
  const started = await startTestApp({
    mongo, taskHub, orchestrators: [Doubling, FanOut], activities: [Double, SlowDouble], container: container.createChildContainer(),
    ...(episodeLingerMs === undefined ? {} : { episodeLingerMs }),
    ...(executionCacheMaxInstances === undefined ? {} : { executionCacheMaxInstances }),
  });
  apps.push(started);
  return started.durably;
}

/** The history documents of an instance, in order: which episodes applied inbox messages. */
async function chunks(taskHub: string, instanceId: string): Promise<Document[]> {
  return db.collection<Document>(`${taskHub}.history`).find({ instanceId }, { sort: { firstEventIndex: 1 } }).toArray();
}

const completions = (chunk: Document): number =>
  (chunk.events as { type: string }[]).filter((e) => e.type === 'TaskCompleted').length;

describe('runtime sessions', () => {
  it('records the results of activities run by the same worker without inbox messages', async () => {
    const durably = await app('SessionChain');
    const id = await durably.client.startNew(Doubling, { input: { steps: 6 } });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(64);

    // One write marks the session's chunks dispatched — the last one's flag (a chunk followed by another was
    // dispatched) — when the session ends, just after the completion a client can already see.
    await until('the last chunk is marked dispatched', async () => (await chunks('SessionChain', id)).at(-1)?.undispatched === false);
    const docs = await chunks('SessionChain', id);
    const applying = docs.filter((doc) => completions(doc) > 0);
    expect(applying).toHaveLength(6);
    // Results that came through the inbox would be listed as consumed messages.
    expect(applying.every((doc) => (doc.consumedMessageIds as string[]).length === 0)).toBe(true);
    expect(docs.at(-1)?.undispatched).toBe(false);
    expect(await db.collection(`SessionChain.inbox`).countDocuments({ instanceId: id })).toBe(0);
    // Each activity ran once (inputs 1, 2, 4, … 32), and each was answered in the commit that scheduled it: no job
    // document was ever needed.
    expect(runsOf('Double:').sort((a, b) => a - b)).toEqual([1, 1, 1, 1, 1, 1]);
    expect([...runs.keys()].sort()).toEqual(['Double:1', 'Double:16', 'Double:2', 'Double:32', 'Double:4', 'Double:8']);
    expect(await db.collection(`SessionChain.jobs`).countDocuments({ 'data.instanceId': id })).toBe(0);
  });

  it('writes the job of an activity still running at the commit, and finishes it after the result is recorded', async () => {
    const durably = await app('SessionSlowJobs', 20);
    const id = await durably.client.startNew(Doubling, { input: { steps: 3, slow: 'SessionSlowJobs' } });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toBe(8);
    expect(runsOf('SlowDouble:')).toEqual([1, 1, 1]);
    const jobs = db.collection<Document>(`SessionSlowJobs.jobs`);
    // The job is finished a moment after the commit that recorded its result (the history may show it first).
    const deadline = Date.now() + 20_000;
    while ((await jobs.countDocuments({ 'data.instanceId': id, lastFinishedAt: { $type: 'date' } })) < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const docs = await jobs.find({ 'data.instanceId': id }).toArray();
    expect(docs).toHaveLength(3);
    for (const job of docs) {
      expect(job.name).toBe(FinishedJobName[JobName.Activity]);
      expect(job.data.deliveries).toBe(1);
      expect(job.lockedAt).toBeNull();
      expect(job.lastFinishedAt).toBeInstanceOf(Date);
      expect(job.failedAt).toBeNull();
    }
  });

  it('applies a fan-out\'s results in a few batches, each activity run once', async () => {
    const durably = await app('SessionFanOut');
    const id = await durably.client.startNew(FanOut, { input: 40 });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(2 * (39 * 40) / 2);
    const history = await durably.client.getHistory(id);
    expect(history.filter((e) => e.type === 'TaskCompleted')).toHaveLength(40);
    expect(runs.size).toBe(40);
    expect(runsOf('Double:').every((n) => n === 1)).toBe(true);
    // Activities beyond the worker's free slots are queued as job documents at once; those it ran at once were
    // written only if a commit found them still running. Whatever was written ran once and was finished.
    const jobs = await db.collection<Document>(`SessionFanOut.jobs`).find({ 'data.instanceId': id }).toArray();
    expect(jobs.length).toBeLessThanOrEqual(40);
    expect(jobs.every((job) => job.data.deliveries === 1)).toBe(true);
  });

  it('claims the cached instance straight away for a result that outlasts episodeLingerMs (no inbox message)', async () => {
    const durably = await app('SessionSlow', 20);
    const id = await durably.client.startNew(Doubling, { input: { steps: 2, slow: 'SessionSlow' } });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toBe(4);
    expect(runsOf('SlowDouble:')).toEqual([1, 1]);
    const applying = (await chunks('SessionSlow', id)).filter((doc) => completions(doc) > 0);
    expect(applying).toHaveLength(2);
    expect(applying.every((doc) => (doc.consumedMessageIds as string[]).length === 0)).toBe(true);
    expect(await db.collection('SessionSlow.inbox').countDocuments({ instanceId: id })).toBe(0);
  });

  it('sends a result that outlasts episodeLingerMs through the inbox when the execution cache is off', async () => {
    const durably = await app('SessionSlowNoCache', 20, 0);
    const id = await durably.client.startNew(Doubling, { input: { steps: 2, slow: 'SessionSlowNoCache' } });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toBe(4);
    const applying = (await chunks('SessionSlowNoCache', id)).filter((doc) => completions(doc) > 0);
    expect(applying).toHaveLength(2);
    expect(applying.every((doc) => (doc.consumedMessageIds as string[]).length === 1)).toBe(true);
  });

  it('with episodeLingerMs 0, every result goes through the inbox', async () => {
    const durably = await app('SessionOff', 0);
    const id = await durably.client.startNew(Doubling, { input: { steps: 3 } });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toBe(8);
    const applying = (await chunks('SessionOff', id)).filter((doc) => completions(doc) > 0);
    expect(applying.length).toBeGreaterThan(0);
    expect(applying.reduce((sum, doc) => sum + (doc.consumedMessageIds as string[]).length, 0)).toBe(3);
  });
});

describe('finished job retention', () => {
  it('deletes the records of jobs finished longer ago than finishedJobRetentionMs', async () => {
    const started = await startTestApp({
      mongo, taskHub: 'Retention', orchestrators: [Doubling, FanOut], activities: [Double, SlowDouble],
      container: container.createChildContainer(), finishedJobRetentionMs: 5_000, episodeLingerMs: 20,
    });
    apps.push(started);
    // Slow activities: still running at the commit that schedules them, so their jobs are written.
    const id = await started.durably.client.startNew(Doubling, { input: { steps: 3, slow: 'Retention' } });
    expect((await started.durably.client.waitForCompletion(id, { timeoutMs: 20_000 })).output).toBe(8);
    const jobs = db.collection<Document>('Retention.jobs');
    expect(await jobs.countDocuments({ 'data.instanceId': id })).toBeGreaterThan(0);
    // Checked every second (the shortest period): gone a few seconds after the retention.
    const deadline = Date.now() + 30_000;
    while ((await jobs.countDocuments({ 'data.instanceId': id })) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await jobs.countDocuments({ 'data.instanceId': id })).toBe(0);
  });

  it('keeps them for the default retention (7 days)', async () => {
    const durably = await app('RetentionDefault', 20);
    const id = await durably.client.startNew(Doubling, { input: { steps: 2, slow: 'RetentionDefault' } });
    await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await db.collection('RetentionDefault.jobs').countDocuments({ 'data.instanceId': id })).toBe(2);
  });
});
