// Deploys resume at once: an instance stuck under one code (non-determinism after an incompatible deploy) is retried
// as soon as a worker with other code starts — a rollback or a fix — not after its stuck backoff; a restart of the
// same code leaves the backoff alone; `client.retryNow` clears the backoff for the operator. Two apps on one database
// simulate the deploys (as non-determinism.test.ts does).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { container } from 'tsyringe';
import { InstanceNotFoundError } from '../../../src/core/errors/instance-not-found-error.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

@Activity({ name: 'Step' })
class Step {
  run(input: string): string {
    return `step ${input}`;
  }
}

@Activity({ name: 'Check' })
class Check {
  run(input: string): string {
    return `checked ${input}`;
  }
}

/** Version 1 of 'Order', as deployed when the instances started. */
@Orchestrator({ name: 'Order' })
class OrderV1 {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const first = await ctx.callActivity(Step, ctx.input);
    const approval = await ctx.waitForExternalEvent<string>('Approve');
    return [first, approval];
  }
}

/** An incompatible version 2 of 'Order': another activity first. */
@Orchestrator({ name: 'Order' })
class OrderV2 {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const checked = await ctx.callActivity(Check, ctx.input);
    const approval = await ctx.waitForExternalEvent<string>('Approve');
    return [checked, approval];
  }
}

const TASK_HUB = 'Deploys';
let mongo: TestMongo;
let db: MongoClient;
const running = new Set<TestApp>();
const logs: { level: string; message: string }[] = [];

interface StoredInstance {
  _id: string;
  stuckSince?: Date;
  stuckFingerprint?: string;
  work: { availableAt: Date };
}

const instanceDoc = (id: string): Promise<StoredInstance | null> => db.db(mongo.dbName).collection<StoredInstance>(`${TASK_HUB}.instances`).findOne({ _id: id });

async function deploy(order: typeof OrderV1 | typeof OrderV2): Promise<TestApp> {
  const app = await startTestApp({
    mongo, taskHub: TASK_HUB, orchestrators: [order], activities: [Step, Check], container: container.createChildContainer(),
    logger: (level, message) => logs.push({ level, message }),
  });
  running.add(app);
  return app;
}

async function stop(app: TestApp): Promise<void> {
  running.delete(app);
  await app.stop();
}

/** Starts an instance on v1 code and leaves it waiting for its approval (v1's app stopped). */
async function waitingOnV1(instanceId: string): Promise<void> {
  const v1 = await deploy(OrderV1);
  await v1.durably.client.startNew(OrderV1, { instanceId, input: instanceId });
  await until(`${instanceId} waits for its approval`, async () => {
    const history = await v1.durably.client.getHistory(instanceId);
    return history.some((e) => e.type === 'TaskCompleted') && history.at(-1)?.type === 'OrchestratorCompleted';
  });
  await stop(v1);
}

/** Deploys v2 and raises the approval: the instance gets stuck on non-determinism. Returns v2's app. */
async function stuckOnV2(instanceId: string): Promise<TestApp> {
  const v2 = await deploy(OrderV2);
  await v2.durably.client.raiseEvent(instanceId, 'Approve', 'ok');
  await until(`${instanceId} is stuck`, async () => (await v2.durably.client.getStatus(instanceId))?.stuckSince !== undefined);
  return v2;
}

/** The stuck instance once released with its retry time (the release follows the stuck marking). */
async function waitingForRetry(instanceId: string): Promise<StoredInstance> {
  let doc: StoredInstance | null = null;
  await until(`${instanceId} waits for its retry`, async () => {
    doc = await instanceDoc(instanceId);
    return doc?.stuckSince !== undefined && doc.work.availableAt > doc.stuckSince;
  });
  return doc as unknown as StoredInstance;
}

beforeAll(async () => {
  mongo = await startTestMongo();
  db = await MongoClient.connect(mongo.uri);
});

afterAll(async () => {
  for (const app of running) await app.stop();
  await db.close();
  await mongo.stop();
});

describe('runtime: deploys resume stuck instances at once', () => {
  it('a rollback resumes a stuck instance at once, before its stuck backoff is over; a restart of the same code does not', async () => {
    await waitingOnV1('rollback-1');
    const v2 = await stuckOnV2('rollback-1');
    const status = await v2.durably.client.getStatus('rollback-1');
    expect(status).toMatchObject({ runtimeStatus: 'Running', failureDetails: { errorType: 'NonDeterminismError' } });
    const stuck = await waitingForRetry('rollback-1');
    expect(stuck.stuckFingerprint).toEqual(expect.any(String));
    await stop(v2);

    // The same code again (a restart, a scale-out): the backoff stands.
    const again = await deploy(OrderV2);
    expect((await instanceDoc('rollback-1'))?.work.availableAt).toEqual(stuck.work.availableAt);
    await stop(again);

    // The rollback: v1's worker retries it as it starts, and the instance completes before its retry was due.
    const rollback = await deploy(OrderV1);
    const done = await rollback.durably.client.waitForCompletion('rollback-1', { timeoutMs: 15_000 });
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: ['step rollback-1', 'ok'] });
    expect(done.stuckSince).toBeUndefined();
    expect(done.lastUpdatedTime.getTime()).toBeLessThan(stuck.work.availableAt.getTime());
    expect(logs.some((l) => l.level === 'info' && l.message.includes('retrying 1 stuck instance'))).toBe(true);
    const after = await instanceDoc('rollback-1');
    expect(after?.stuckFingerprint).toBeUndefined();
    expect(after?.stuckSince).toBeUndefined();
    await stop(rollback);
  }, 40_000);

  it('client.retryNow retries a stuck instance now; it refuses instances that are not stuck', async () => {
    await waitingOnV1('retry-1');
    const v2 = await stuckOnV2('retry-1');
    const client = v2.durably.client;
    const stuckLines = (): number => logs.filter((l) => l.level === 'error' && l.message.includes("'retry-1'") && l.message.includes('stuck')).length;
    const first = await waitingForRetry('retry-1');
    const retryAt = first.work.availableAt.getTime();
    expect(stuckLines()).toBe(1);
    await client.retryNow('retry-1');
    // Retried — and stuck again, as the code is the same, so backed off again — long before its retry time.
    await until('the retry ran and backed off again', async () => ((await instanceDoc('retry-1'))?.work.availableAt.getTime() ?? 0) > retryAt);
    expect(stuckLines()).toBe(2);
    const status = await client.getStatus('retry-1');
    expect(status?.lastUpdatedTime.getTime()).toBeLessThan(retryAt);
    expect(status?.stuckSince).toEqual(first.stuckSince);

    await expect(client.retryNow('no-such-instance')).rejects.toBeInstanceOf(InstanceNotFoundError);
    const done = await client.startNew(OrderV2, { instanceId: 'retry-running', input: 'x' });
    await expect(client.retryNow(done)).rejects.toMatchObject({ code: 'INSTANCE_NOT_STUCK' });
    await client.terminate('retry-1');
    await client.waitForCompletion('retry-1', { timeoutMs: 15_000 });
    await expect(client.retryNow('retry-1')).rejects.toMatchObject({ code: 'INSTANCE_NOT_STUCK' });
    await stop(v2);
  }, 40_000);
});
