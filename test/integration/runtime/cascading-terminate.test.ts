// Cascading terminate and purge (issue 18): terminating a parent terminates its running sub-orchestrations, down the
// tree, unless `recursive: false`; purging a parent purges its finished sub-orchestrations. Through the public client.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db } from 'mongodb';
import { DurableError } from '../../../src/core/durable-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Orchestrator } from '../../../src/registry/index.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

/** The grandchild: waits for 'Go' or a timer an hour away, whichever comes first. */
@Orchestrator()
class CascadeLeaf {
  async run(ctx: OrchestrationContext): Promise<string> {
    const go = ctx.waitForExternalEvent<string>('Go');
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 3_600_000));
    await ctx.whenAny([go, timer]);
    return go.isCompleted ? `leaf: ${String(go.result)}` : 'leaf: timed out';
  }
}

/** The child: runs the leaf under the ID it is given. */
@Orchestrator()
class CascadeMiddle {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return `middle(${await ctx.callSubOrchestrator(CascadeLeaf, undefined, { instanceId: ctx.input })})`;
  }
}

/** The parent: runs the middle one, which runs the leaf. */
@Orchestrator()
class CascadeRoot {
  async run(ctx: OrchestrationContext<{ middle: string; leaf: string }>): Promise<string> {
    return `root(${await ctx.callSubOrchestrator(CascadeMiddle, ctx.input.leaf, { instanceId: ctx.input.middle })})`;
  }
}

const ORCHESTRATORS = [CascadeRoot, CascadeMiddle, CascadeLeaf];
let mongo: TestMongo;
let app: TestApp;
let driver: MongoClient;
let db: Db;

beforeAll(async () => {
  mongo = await startTestMongo();
  app = await startTestApp({ orchestrators: ORCHESTRATORS, mongo });
  driver = await MongoClient.connect(mongo.uri);
  db = driver.db(mongo.dbName);
});

afterAll(async () => {
  await driver.close();
  await app.stop();
  await mongo.stop();
});

const statusOf = async (id: string): Promise<string | undefined> => (await app.durably.client.getStatus(id))?.runtimeStatus;

/** Starts root → middle → leaf under `prefix`-root, -middle, -leaf; resolves once the leaf runs (it then waits). */
async function startTree(prefix: string): Promise<{ root: string; middle: string; leaf: string }> {
  const ids = { root: `${prefix}-root`, middle: `${prefix}-middle`, leaf: `${prefix}-leaf` };
  await app.durably.client.startNew(CascadeRoot, { instanceId: ids.root, input: { middle: ids.middle, leaf: ids.leaf } });
  await until(`${ids.leaf} runs`, async () => (await statusOf(ids.leaf)) === 'Running', 30_000);
  return ids;
}

describe('cascading terminate', () => {
  it('terminating a parent terminates its running child and grandchild (recursive by default), with the same reason', async () => {
    const client = app.durably.client;
    const { root, middle, leaf } = await startTree('cascade');
    await client.terminate(root, 'shutting down');
    for (const id of [root, middle, leaf]) await until(`${id} is Terminated`, async () => (await statusOf(id)) === 'Terminated', 30_000);
    for (const id of [root, middle, leaf]) expect((await client.getStatus(id))?.output).toBe('shutting down');
    // The middle one reported its termination to the terminated root, which absorbs it: no second ending, no message left.
    await until('the reports to the terminated parents are absorbed', async () =>
      await db.collection('Durably.inbox').countDocuments({ instanceId: { $in: [root, middle] } }) === 0, 30_000);
    for (const id of [root, middle]) {
      const history = await client.getHistory(id);
      expect(history.filter((e) => e.type === 'ExecutionCompleted')).toHaveLength(1);
      expect(history.at(-2)).toMatchObject({ type: 'ExecutionCompleted', orchestrationStatus: 'Terminated' });
      expect((await client.getStatus(id))?.runtimeStatus).toBe('Terminated');
    }
    // The leaf's hour-long timer went with it: it fires nothing.
    expect(await db.collection('Durably.jobs').countDocuments({ 'data.instanceId': leaf })).toBe(0);
  });

  it('with recursive: false the children keep running, and finish on their own', async () => {
    const client = app.durably.client;
    const { root, middle, leaf } = await startTree('flat');
    await client.terminate(root, 'only the root', { recursive: false });
    await until(`${root} is Terminated`, async () => (await statusOf(root)) === 'Terminated', 30_000);
    expect(await statusOf(middle)).toBe('Running');
    expect(await statusOf(leaf)).toBe('Running');
    // Still alive: the leaf takes its event, the middle one its result, and the root ignores the middle one's report.
    await client.raiseEvent(leaf, 'Go', 'on my own');
    const done = await client.waitForCompletion(middle, { timeoutMs: 30_000 });
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 'middle(leaf: on my own)' });
    await until('the report to the terminated root is absorbed', async () => await db.collection('Durably.inbox').countDocuments({ instanceId: root }) === 0, 30_000);
    expect(await client.getStatus(root)).toMatchObject({ runtimeStatus: 'Terminated', output: 'only the root' });
  });

  it('a sub-orchestration terminated on its own is reported to its parent as a failure, as before', async () => {
    const client = app.durably.client;
    const { root, middle, leaf } = await startTree('own');
    await client.terminate(leaf, 'leaf only');
    // The middle one fails (its awaited call failed), and so does the root; nothing is terminated above the leaf.
    expect(await client.waitForCompletion(middle, { timeoutMs: 30_000 })).toMatchObject({ runtimeStatus: 'Failed' });
    expect(await client.waitForCompletion(root, { timeoutMs: 30_000 })).toMatchObject({ runtimeStatus: 'Failed' });
  });

  it('rejects a recursive option that is not a boolean', async () => {
    const bad = { recursive: 'yes' } as unknown as { recursive: boolean };
    await expect(app.durably.client.terminate('anything', 'x', bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(app.durably.client.purgeInstanceHistory('anything', bad)).rejects.toBeInstanceOf(DurableError);
  });
});

describe('cascading purge', () => {
  it('purging a parent purges its finished children and grandchildren (recursive by default)', async () => {
    const client = app.durably.client;
    const { root, middle, leaf } = await startTree('purge');
    await client.terminate(root, 'to purge');
    for (const id of [root, middle, leaf]) await until(`${id} is Terminated`, async () => (await statusOf(id)) === 'Terminated', 30_000);
    expect(await client.purgeInstanceHistory(root)).toEqual({ instancesDeleted: 3 });
    for (const id of [root, middle, leaf]) {
      expect(await client.getStatus(id)).toBeUndefined();
      expect(await db.collection('Durably.history').countDocuments({ instanceId: id })).toBe(0);
      expect(await db.collection('Durably.inbox').countDocuments({ instanceId: id })).toBe(0);
    }
    expect(await client.purgeInstanceHistory(root)).toEqual({ instancesDeleted: 0 });
  });

  it('with recursive: false only the instance goes; a running child is never purged from under its work', async () => {
    const client = app.durably.client;
    const { root, middle, leaf } = await startTree('purge-flat');
    await client.terminate(root, 'root only', { recursive: false });
    await until(`${root} is Terminated`, async () => (await statusOf(root)) === 'Terminated', 30_000);
    // Recursive, but the middle one still runs: it and the leaf under it stay.
    expect(await client.purgeInstanceHistory(root)).toEqual({ instancesDeleted: 1 });
    expect(await statusOf(middle)).toBe('Running');
    expect(await statusOf(leaf)).toBe('Running');
    await client.terminate(middle, 'now');
    for (const id of [middle, leaf]) await until(`${id} is Terminated`, async () => (await statusOf(id)) === 'Terminated', 30_000);
    expect(await client.purgeInstanceHistory(middle, { recursive: false })).toEqual({ instancesDeleted: 1 });
    expect(await statusOf(leaf)).toBe('Terminated');
    expect(await client.purgeInstanceHistory(leaf)).toEqual({ instancesDeleted: 1 });
  });
});

describe('cascading terminate is durable', () => {
  it('a worker that committed a recursive termination but died before dispatching it: its successor terminates the children', async () => {
    const client = app.durably.client;
    const { root, middle, leaf } = await startTree('crash');
    await client.terminate(root, 'before the crash', { recursive: false });
    await until(`${root} is Terminated`, async () => (await statusOf(root)) === 'Terminated', 30_000);
    await app.stop();
    // What a crash right after the history commit of a recursive termination leaves behind: the chunk that records it
    // committed but not dispatched, the instance still flagged as having work, and no live lease.
    const chunks = db.collection('Durably.history');
    const last = await chunks.find({ instanceId: root, undispatched: { $exists: true } }).sort({ firstEventIndex: -1 }).limit(1).next();
    expect(last?.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'ExecutionTerminated', recursive: false })]));
    await chunks.updateOne({ _id: last?._id }, { $set: { 'events.$[t].recursive': true, undispatched: true } }, { arrayFilters: [{ 't.type': 'ExecutionTerminated' }] });
    await db.collection<{ _id: string }>('Durably.instances').updateOne({ _id: root }, { $set: { 'work.pending': true, 'work.availableAt': new Date(0) }, $unset: { lease: '' } });
    app = await startTestApp({ orchestrators: ORCHESTRATORS, mongo });
    for (const id of [middle, leaf]) await until(`${id} is Terminated`, async () => (await statusOf(id)) === 'Terminated', 30_000);
    expect((await app.durably.client.getStatus(leaf))?.output).toBe('before the crash');
    expect(await app.durably.client.getStatus(root)).toMatchObject({ runtimeStatus: 'Terminated', output: 'before the crash' });
  });
});
