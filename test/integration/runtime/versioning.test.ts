// Instance-level versions (Durable Functions' orchestration versioning): the version an instance starts with, what
// `ctx.version` and the status show, which workers run which versions (`versioning.match` / `onMismatch`), and that
// workers run on one database as a rolling deploy would leave them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { container } from 'tsyringe';
import { Durably } from '../../../src/app/durably.js';
import { compareVersions } from '../../../src/core/orchestration-version.js';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { VersioningOptions } from '../../../src/runtime/versioning-options.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

@Orchestrator({ name: 'VersionChild' })
class VersionChild {
  run(ctx: OrchestrationContext): string | null {
    return ctx.version ?? null;
  }
}

@Activity({ name: 'Shout' })
class Shout {
  run(input: string): string {
    return input.toUpperCase();
  }
}

/** Reports its own version, its children's (inherited, and named), and which path `compareVersions` chose. */
@Orchestrator({ name: 'Versioned' })
class Versioned {
  async run(ctx: OrchestrationContext<string>): Promise<Record<string, unknown>> {
    const inherited = await ctx.callSubOrchestrator(VersionChild);
    const named = await ctx.callSubOrchestrator(VersionChild, undefined, { version: '9.0' });
    const path = compareVersions(ctx.version, '1.10') >= 0 ? await ctx.callActivity(Shout, ctx.input) : ctx.input;
    return { version: ctx.version ?? null, inherited, named, path };
  }
}

/** Starts a child of version 2.0 and reports how that went. */
@Orchestrator({ name: 'ParentOfV2' })
class ParentOfV2 {
  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      return String(await ctx.callSubOrchestrator(VersionChild, undefined, { version: '2.0' }));
    } catch (error) {
      return error instanceof TaskFailedError ? `child failed: ${error.failureDetails.errorType}` : 'unexpected';
    }
  }
}

let mongo: TestMongo;
const apps: TestApp[] = [];
const logs: { level: string; message: string }[] = [];
let taskHubs = 0;

async function startApp(taskHub: string, options: { version?: string; versioning?: VersioningOptions; start?: boolean } = {}): Promise<TestApp> {
  const app = await startTestApp({
    mongo, taskHub, ...options, orchestrators: [Versioned, VersionChild, ParentOfV2], activities: [Shout], container: container.createChildContainer(),
    logger: (level, message) => logs.push({ level, message }),
  });
  apps.push(app);
  return app;
}

/** The stored instance document, as a worker's claim sees it. */
async function instanceDoc(taskHub: string, instanceId: string): Promise<{ runtimeStatus: string; claimAttempts: number; orchestrationVersion?: string } | null> {
  const client = await MongoClient.connect(mongo.uri);
  try {
    return await client.db(mongo.dbName).collection<{ _id: string; runtimeStatus: string; claimAttempts: number }>(`${taskHub}.instances`).findOne({ _id: instanceId });
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  mongo = await startTestMongo();
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await mongo.stop();
});

describe('runtime: orchestration versions', () => {
  it('records the version an instance starts with: the app default, or the one startNew names; children inherit it unless told', async () => {
    const app = await startApp(`Versions${++taskHubs}`, { version: '1.10' });
    const client = app.durably.client;
    const byDefault = await client.startNew(Versioned, { instanceId: 'v-default', input: 'new path' });
    const older = await client.startNew(Versioned, { instanceId: 'v-older', input: 'old path', version: '1.9' });
    const done = await client.waitForCompletion(byDefault, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ runtimeStatus: 'Completed', version: '1.10', output: { version: '1.10', inherited: '1.10', named: '9.0', path: 'NEW PATH' } });
    // Numeric-aware: 1.9 is older than 1.10, so this one stays on the old path.
    expect(await client.waitForCompletion(older, { timeoutMs: 10_000 })).toMatchObject({ version: '1.9', output: { version: '1.9', inherited: '1.9', named: '9.0', path: 'old path' } });
    expect((await client.getStatus(`${byDefault}:0`))?.version).toBe('1.10');
    // Recorded in the history, where a replay reads it.
    expect((await client.getHistory(older)).find((e) => e.type === 'ExecutionStarted')).toMatchObject({ version: '1.9' });
    // A restart keeps the version; the list shows it too.
    await client.restart(older, { restartWithNewInstanceId: false });
    expect((await client.waitForCompletion(older, { timeoutMs: 10_000 })).version).toBe('1.9');
    expect((await client.listInstances({ instanceIdPrefix: 'v-older' })).instances[0]?.version).toBe('1.9');
  });

  it('an app without a version starts instances without one', async () => {
    const app = await startApp(`Versions${++taskHubs}`);
    const id = await app.durably.client.startNew(Versioned, { input: 'x' });
    const done = await app.durably.client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done.output).toMatchObject({ version: null, inherited: null, named: '9.0', path: 'x' });
    expect(done.version).toBeUndefined();
  });

  it('rejects invalid versions and versioning options', async () => {
    const app = await startApp(`Versions${++taskHubs}`, { version: '1.0' });
    await expect(app.durably.client.startNew(Versioned, { version: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(app.durably.client.startNew(Versioned, { version: 'x'.repeat(101) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(Durably.create({ mongoUri: mongo.uri, dbName: mongo.dbName, version: '' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(Durably.create({ mongoUri: mongo.uri, dbName: mongo.dbName, versioning: { match: 'exact' as 'strict' } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(Durably.create({ mongoUri: mongo.uri, dbName: mongo.dbName, versioning: { onMismatch: 'drop' as 'fail' } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('runtime: which workers run which versions', () => {
  it("match 'strict', onMismatch 'reject': a worker never claims another version's instance; a worker of that version runs it at once", async () => {
    const taskHub = `Versions${++taskHubs}`;
    const v1 = await startApp(taskHub, { version: '1.0', versioning: { match: 'strict', onMismatch: 'reject' } });
    const waiting = await v1.durably.client.startNew(Versioned, { instanceId: 'strict-2.0', input: 'a', version: '2.0' });
    // Work started after the 2.0 instance completes: the v1 worker has been claiming all along, never that one.
    await v1.durably.client.waitForCompletion(await v1.durably.client.startNew(VersionChild), { timeoutMs: 10_000 });
    expect(await instanceDoc(taskHub, waiting)).toMatchObject({ runtimeStatus: 'Pending', claimAttempts: 0 });

    const v2 = await startApp(taskHub, { version: '2.0', versioning: { match: 'strict', onMismatch: 'reject' } });
    // The 2.0 worker runs it: its inherited child (2.0) completes, and the child named 9.0 is started ...
    const named = `${waiting}:1`;
    await until('the 9.0 child exists', async () => (await instanceDoc(taskHub, named)) !== null);
    await v2.durably.client.waitForCompletion(await v2.durably.client.startNew(VersionChild), { timeoutMs: 10_000 });
    // ... but runs nowhere: neither worker accepts 9.0.
    expect(await instanceDoc(taskHub, named)).toMatchObject({ runtimeStatus: 'Pending', claimAttempts: 0, orchestrationVersion: '9.0' });
    await startApp(taskHub, { version: '9.0', versioning: { match: 'strict' } });
    expect(await v2.durably.client.waitForCompletion(waiting, { timeoutMs: 10_000 })).toMatchObject({
      runtimeStatus: 'Completed', version: '2.0', output: { version: '2.0', inherited: '2.0', named: '9.0' },
    });
  });

  it("match 'currentOrOlder': a worker runs its version and older ones (no version is the oldest), never newer ones", async () => {
    const taskHub = `Versions${++taskHubs}`;
    // A 1.10 worker whose children (named 9.0) a 9.0 worker runs.
    const app = await startApp(taskHub, { version: '1.10', versioning: { match: 'currentOrOlder', onMismatch: 'reject' } });
    await startApp(taskHub, { version: '9.0', versioning: { match: 'strict' } });
    const client = app.durably.client;
    const newer = await client.startNew(VersionChild, { instanceId: 'coo-1.11', version: '1.11' });
    for (const version of ['1.9', '1.10', '1.01']) {
      expect(await client.waitForCompletion(await client.startNew(VersionChild, { version }), { timeoutMs: 10_000 })).toMatchObject({ output: version });
    }
    // Started by a client of an app without a version: no version at all.
    const { durably: bare } = await startApp(taskHub, { start: false });
    expect(await client.waitForCompletion(await bare.client.startNew(VersionChild), { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', output: null });
    expect(await instanceDoc(taskHub, newer)).toMatchObject({ runtimeStatus: 'Pending', claimAttempts: 0 });
  });

  it("onMismatch 'fail': the instance fails with a VersionMismatchError naming both versions, and its parent is told", async () => {
    const taskHub = `Versions${++taskHubs}`;
    const app = await startApp(taskHub, { version: '1.0', versioning: { match: 'strict', onMismatch: 'fail' } });
    const client = app.durably.client;
    const id = await client.startNew(VersionChild, { instanceId: 'fail-2.0', version: '2.0' });
    const failed = await client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(failed.runtimeStatus).toBe('Failed');
    expect(failed.failureDetails).toMatchObject({ errorType: 'VersionMismatchError', errorMessage: expect.stringContaining("version '2.0'") });
    expect(failed.failureDetails?.errorMessage).toContain("version '1.0'");
    expect(failed.stuckSince).toBeUndefined();
    expect(logs.some((l) => l.level === 'error' && l.message.includes("'fail-2.0'"))).toBe(true);
    const parent = await client.startNew(ParentOfV2, { version: '1.0' });
    expect(await client.waitForCompletion(parent, { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 'child failed: VersionMismatchError' });
  });
});
