// Retention and purges by completion time (issue 19): `Durably.create({ retention })` purges finished instances once
// they have been finished that long — with their sub-orchestrations, never a running one — swept by every worker
// without double counting; `client.purgeInstances` takes completion-time bounds. Through the public API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Durably } from '../../../src/app/durably.js';
import type { DurableClient } from '../../../src/client/durable-client.js';
import { HistoryEventType } from '../../../src/history/history-event.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Orchestrator } from '../../../src/registry/index.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

@Orchestrator()
class RetainedEcho {
  run(ctx: OrchestrationContext<string>): string {
    return ctx.input;
  }
}

@Orchestrator()
class RetainedFailure {
  run(ctx: OrchestrationContext<string>): string {
    throw new Error(`failed: ${ctx.input}`);
  }
}

/** Waits for 'Go'. */
@Orchestrator()
class RetainedWaiter {
  async run(ctx: OrchestrationContext): Promise<string> {
    return ctx.waitForExternalEvent<string>('Go');
  }
}

/** Continues as new once, then waits for 'Go': finished only when its last execution ends. */
@Orchestrator()
class RetainedLoop {
  async run(ctx: OrchestrationContext<number>): Promise<string> {
    if (ctx.input === 0) {
      ctx.continueAsNew(1);
      return 'continued';
    }
    return ctx.waitForExternalEvent<string>('Go');
  }
}

/** Runs RetainedEcho as a sub-orchestration under `${instanceId}-child`. */
@Orchestrator()
class RetainedParent {
  async run(ctx: OrchestrationContext): Promise<string> {
    return ctx.callSubOrchestrator(RetainedEcho, 'child', { instanceId: `${ctx.instanceId}-child` });
  }
}

/** Whether a RetainedLoop runs its second execution (the one after continue-as-new). */
async function continued(client: DurableClient, instanceId: string): Promise<boolean> {
  return (await client.getHistory(instanceId)).some((e) => e.type === HistoryEventType.ExecutionStarted && e.input === '1');
}

const ORCHESTRATORS = [RetainedEcho, RetainedFailure, RetainedWaiter, RetainedLoop, RetainedParent];
// Generous: the sweeps run every 500 ms here; this bounds a slow CI machine, not the feature.
const GONE_WITHIN_MS = 60_000;

describe('retention: { completedMs: 1000 }', () => {
  let app: TestApp;
  const warnings: unknown[] = [];

  beforeAll(async () => {
    app = await startTestApp({
      orchestrators: ORCHESTRATORS, retention: { completedMs: 1000 },
      // An instance failed on purpose is a warning of its own (instance.failed), not retention's.
      logger: (level, message, record) => {
        if ((level === 'warn' || level === 'error') && record.event !== 'instance.failed') warnings.push(message);
      },
    });
  });
  afterAll(async () => {
    await app.stop();
  });

  const exists = async (id: string): Promise<boolean> => (await app.durably.client.getStatus(id)) !== undefined;

  it('purges a completed instance (and its sub-orchestration) once it has been completed that long; running, continued and failed ones stay', async () => {
    const client = app.durably.client;
    await client.startNew(RetainedWaiter, { instanceId: 'running' });
    await client.startNew(RetainedLoop, { instanceId: 'looping', input: 0 });
    await client.startNew(RetainedFailure, { instanceId: 'failed', input: 'x' });
    await client.startNew(RetainedEcho, { instanceId: 'completed', input: 'x' });
    await client.startNew(RetainedParent, { instanceId: 'parent' });
    expect((await client.waitForCompletion('completed', { timeoutMs: 30_000 })).runtimeStatus).toBe('Completed');
    const completedAt = Date.now();
    expect((await client.waitForCompletion('parent', { timeoutMs: 30_000 })).runtimeStatus).toBe('Completed');
    expect((await client.waitForCompletion('failed', { timeoutMs: 30_000 })).runtimeStatus).toBe('Failed');
    await until('looping continued as new', async () => await continued(client, 'looping'), 30_000);

    await until('the completed instance is purged', async () => !(await exists('completed')), GONE_WITHIN_MS);
    const goneAfterMs = Date.now() - completedAt;
    expect(goneAfterMs).toBeGreaterThanOrEqual(900);
    await until('the parent and its child are purged', async () => !(await exists('parent')) && !(await exists('parent-child')), GONE_WITHIN_MS);
    expect(await client.getHistory('running')).not.toEqual([]);
    expect((await client.getStatus('running'))?.runtimeStatus).toBe('Running');
    expect((await client.getStatus('looping'))?.runtimeStatus).toBe('Running');
    expect((await client.getStatus('failed'))?.runtimeStatus).toBe('Failed');

    // Once it finishes, the one that was running goes too.
    await client.raiseEvent('running', 'Go', 'now');
    expect((await client.waitForCompletion('running', { timeoutMs: 30_000 })).output).toBe('now');
    await until('the instance that finished later is purged', async () => !(await exists('running')), GONE_WITHIN_MS);
    expect(await exists('failed')).toBe(true);
    expect(warnings).toEqual([]);
    if (process.env.DURABLY_TEST_REPORT !== undefined) console.info(`completed instance purged ${goneAfterMs} ms after it completed`);
  });

  it('stops sweeping on stop(): a stopped app does not hold the process', async () => {
    const other = await startTestApp({ orchestrators: ORCHESTRATORS, retention: { failedMs: 60_000 }, mongo: app.mongo, taskHub: 'Quiet' });
    await other.stop();
    await other.stop();
  });
});

describe('retention swept by two workers at once', () => {
  let mongo: TestMongo;
  const apps: TestApp[] = [];
  const purged: number[] = [];
  const warnings: unknown[] = [];

  beforeAll(async () => {
    mongo = await startTestMongo();
    for (let i = 0; i < 2; i++) {
      apps.push(await startTestApp({
        orchestrators: ORCHESTRATORS, retention: { completedMs: 300, terminatedMs: 300 }, mongo, taskHub: 'Shared',
        logger: (level, message, record) => {
          const count = /^retention: purged (\d+) /.exec(message)?.[1];
          if (count !== undefined) purged.push(Number(count));
          if ((level === 'warn' || level === 'error') && record.event !== 'instance.failed') warnings.push(message);
        },
      }));
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await mongo.stop();
  });

  it('purges each instance once, with no errors', async () => {
    const client = apps[0]!.durably.client;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await client.startNew(RetainedEcho, { instanceId: `shared-${i}`, input: String(i) }));
    ids.push(await client.startNew(RetainedWaiter, { instanceId: 'shared-terminated' }));
    await until('the waiter runs', async () => (await client.getStatus('shared-terminated'))?.runtimeStatus === 'Running', 30_000);
    await client.terminate('shared-terminated', 'done');
    await until('all are purged', async () => (await client.listInstances({ instanceIdPrefix: 'shared-' })).instances.length === 0, GONE_WITHIN_MS);
    // A sweep reports its count when it ends: stopping waits for the sweeps in flight.
    for (const app of apps.splice(0)) await app.stop();
    expect(purged.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(warnings).toEqual([]);
  });
});

describe('retention options', () => {
  it.each([
    [{ completedMs: 0 }], [{ failedMs: -1 }], [{ terminatedMs: Number.POSITIVE_INFINITY }], [{ completedMs: Number.NaN }],
    [{ completedMs: '1000' }], [{ completedMS: 1000 }], ['7d'], [null], [[1000]],
  ])('rejects %p with INVALID_OPTIONS', async (retention) => {
    await expect(Durably.create({ retention: retention as never })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('client.purgeInstances by completion time', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ orchestrators: ORCHESTRATORS });
  });
  afterAll(async () => {
    await app.stop();
  });

  it('purges every way an instance finishes — completed, failed, terminated — and nothing running or continued as new', async () => {
    const client = app.durably.client;
    await client.startNew(RetainedEcho, { instanceId: 'before', input: 'x' });
    await client.waitForCompletion('before');
    const from = new Date();
    await client.startNew(RetainedEcho, { instanceId: 'p-completed', input: 'x' });
    await client.startNew(RetainedFailure, { instanceId: 'p-failed', input: 'x' });
    await client.startNew(RetainedWaiter, { instanceId: 'p-terminated' });
    await client.startNew(RetainedWaiter, { instanceId: 'p-running' });
    await client.startNew(RetainedLoop, { instanceId: 'p-looping', input: 0 });
    await client.waitForCompletion('p-completed');
    await client.waitForCompletion('p-failed');
    await until('the waiters run', async () => (await client.getStatus('p-terminated'))?.runtimeStatus === 'Running' && (await client.getStatus('p-running'))?.runtimeStatus === 'Running', 30_000);
    await client.terminate('p-terminated');
    await client.waitForCompletion('p-terminated');
    await until('looping continued as new', async () => await continued(client, 'p-looping'), 30_000);

    expect(await client.purgeInstances({ completedTimeFrom: from, runtimeStatus: ['Failed'] })).toEqual({ instancesDeleted: 1 });
    expect(await client.purgeInstances({ completedTimeFrom: from })).toEqual({ instancesDeleted: 2 });
    for (const id of ['p-completed', 'p-failed', 'p-terminated']) expect(await client.getStatus(id)).toBeUndefined();
    for (const id of ['p-running', 'p-looping']) expect((await client.getStatus(id))?.runtimeStatus).toBe('Running');
    expect(await client.getStatus('before')).toBeDefined();
    expect(await client.purgeInstances({ completedTimeTo: from })).toEqual({ instancesDeleted: 1 });
    expect(await client.purgeInstances({ completedTimeTo: new Date() })).toEqual({ instancesDeleted: 0 });
  });

  it('still purges by creation time, and refuses a purge with no lower creation bound and no completion bound', async () => {
    const client = app.durably.client;
    const from = new Date();
    await client.startNew(RetainedEcho, { instanceId: 'c-completed', input: 'x' });
    await client.waitForCompletion('c-completed');
    await expect(client.purgeInstances({ createdTimeTo: new Date() })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.purgeInstances({ completedTimeTo: new Date(Number.NaN) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await client.purgeInstances({ createdTimeFrom: from, runtimeStatus: ['Completed'] })).toEqual({ instancesDeleted: 1 });
  });
});
