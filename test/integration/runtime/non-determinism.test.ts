import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { container } from 'tsyringe';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { waitFor } from '../../support/test-db.js';

const ran: string[] = [];

@Activity({ name: 'Prepare' })
class Prepare {
  run(input: string): string {
    ran.push(`Prepare:${input}`);
    return `prepared ${input}`;
  }
}

@Activity({ name: 'Validate' })
class Validate {
  run(input: string): string {
    ran.push(`Validate:${input}`);
    return `validated ${input}`;
  }
}

@Activity({ name: 'Finish' })
class Finish {
  run(input: string): string {
    ran.push(`Finish:${input}`);
    return `finished ${input}`;
  }
}

/** Version 1 of 'Flow', as deployed when the instances started. */
@Orchestrator({ name: 'Flow' })
class FlowV1 {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const prepared = await ctx.callActivity(Prepare, ctx.input);
    const approval = await ctx.waitForExternalEvent<string>('Approve');
    const finished = await ctx.callActivity(Finish, ctx.input);
    return [prepared, approval, finished];
  }
}

/** An incompatible version 2 of 'Flow': a different activity first. */
@Orchestrator({ name: 'Flow' })
class FlowV2 {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const validated = await ctx.callActivity(Validate, ctx.input);
    const prepared = await ctx.callActivity(Prepare, ctx.input);
    const approval = await ctx.waitForExternalEvent<string>('Approve');
    return [validated, prepared, approval];
  }
}

const TASK_HUB = 'Deploy';
let mongo: TestMongo;
const apps: TestApp[] = [];
const logs: { app: string; level: string; message: string }[] = [];

async function startApp(name: string, flow: typeof FlowV1 | typeof FlowV2): Promise<TestApp> {
  const app = await startTestApp({
    mongo,
    taskHub: TASK_HUB,
    orchestrators: [flow],
    activities: [Prepare, Validate, Finish],
    container: container.createChildContainer(),
    logger: (level, message) => logs.push({ app: name, level, message }),
  });
  apps.push(app);
  return app;
}

/** Waits until v1 of the instance has run Prepare and waits for its approval. */
async function waitingForApproval(app: TestApp, instanceId: string): Promise<boolean> {
  return waitFor(async () => {
    const history = await app.durably.client.getHistory(instanceId);
    return history.some((e) => e.type === 'TaskCompleted') && history.at(-1)?.type === 'OrchestratorCompleted';
  }, 10_000, 20);
}

/** Whether the instance's current error (shown while it is stuck) is a NonDeterminismError. */
async function isStuck(app: TestApp, instanceId: string): Promise<boolean> {
  return waitFor(async () => (await app.durably.client.getStatus(instanceId))?.failureDetails?.errorType === 'NonDeterminismError', 10_000, 20);
}

const stuckLines = (app: string, instanceId: string): number =>
  logs.filter((l) => l.app === app && l.level === 'error' && l.message.includes(`'${instanceId}'`) && l.message.includes('stuck')).length;

beforeAll(async () => {
  mongo = await startTestMongo();
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await mongo.stop();
});

describe('runtime: non-determinism after a deploy', () => {
  it('leaves an instance visibly stuck under incompatible code, and resumes it under the original code', async () => {
    // App A (v1) starts the instances; they wait for their approval.
    const a = await startApp('A', FlowV1);
    const id = await a.durably.client.startNew(FlowV1, { instanceId: 'flow-1', input: 'order-1' });
    const doomed = await a.durably.client.startNew(FlowV1, { instanceId: 'flow-2', input: 'order-2' });
    for (const instance of [id, doomed]) {
      expect(await waitFor(async () => (await a.durably.client.getHistory(instance)).some((e) => e.type === 'TaskCompleted'), 10_000, 20)).toBe(true);
      expect(await waitFor(async () => {
        const history = await a.durably.client.getHistory(instance);
        return history.at(-1)?.type === 'OrchestratorCompleted' && history.filter((e) => e.type === 'OrchestratorStarted').length === 2;
      }, 10_000, 20)).toBe(true);
    }
    await a.stop();

    // App B deploys an incompatible 'Flow' on the same database and task hub; the approval comes in.
    const b = await startApp('B', FlowV2);
    await b.durably.client.raiseEvent(id, 'Approve', 'alice');
    expect(await waitFor(async () => (await b.durably.client.getStatus(id))?.failureDetails !== undefined, 10_000, 20)).toBe(true);
    const stuck = await b.durably.client.getStatus(id);
    expect(stuck?.runtimeStatus).toBe('Running');
    expect(stuck?.failureDetails).toMatchObject({
      errorType: 'NonDeterminismError',
      errorMessage: expect.stringContaining("activity 'Prepare'"),
    });
    expect(stuck?.failureDetails?.errorMessage).toContain("activity 'Validate'");
    expect(logs.some((l) => l.app === 'B' && l.level === 'error' && l.message.includes("'flow-1'") && l.message.includes('stuck'))).toBe(true);
    // Nothing of v2 ran, and the history is untouched (the event is still queued, not applied).
    expect(ran.filter((r) => r.startsWith('Validate'))).toEqual([]);
    const history = await b.durably.client.getHistory(id);
    expect(history.some((e) => e.type === 'EventRaised')).toBe(false);
    await b.stop();

    // App C is the original code again: the instance resumes on its own (after the stuck retry backoff) and completes.
    const c = await startApp('C', FlowV1);
    const done = await c.durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: ['prepared order-1', 'alice', 'finished order-1'] });
    expect(done.failureDetails).toBeUndefined();
    expect(ran.filter((r) => r.endsWith('order-1'))).toEqual(['Prepare:order-1', 'Finish:order-1']);

    // The other instance never met v2: it just carries on under C.
    await c.durably.client.raiseEvent(doomed, 'Approve', 'bob');
    expect(await c.durably.client.waitForCompletion(doomed, { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', output: ['prepared order-2', 'bob', 'finished order-2'] });
    await c.stop();
  }, 30_000);

  it('terminates an instance that is stuck on incompatible code', async () => {
    const a = await startApp('A2', FlowV1);
    const id = await a.durably.client.startNew(FlowV1, { instanceId: 'flow-3', input: 'order-3' });
    expect(await waitingForApproval(a, id)).toBe(true);
    await a.stop();
    const b = await startApp('B2', FlowV2);
    await b.durably.client.raiseEvent(id, 'Approve', 'carol');
    expect(await isStuck(b, id)).toBe(true);
    // The orchestrator code cannot replay, but terminating does not need it (applied at the next stuck retry).
    await b.durably.client.terminate(id, 'abandoned after the deploy');
    const status = await b.durably.client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Terminated', output: 'abandoned after the deploy' });
    expect(status.failureDetails).toBeUndefined();
    expect((await b.durably.client.getHistory(id)).at(-2)).toMatchObject({ type: 'ExecutionCompleted', orchestrationStatus: 'Terminated' });
    await b.stop();
  }, 25_000);

  it('backs off further on every retry of a stuck instance (5 s, then 30 s, ...)', async () => {
    const a = await startApp('A3', FlowV1);
    const id = await a.durably.client.startNew(FlowV1, { instanceId: 'flow-4', input: 'order-4' });
    expect(await waitingForApproval(a, id)).toBe(true);
    await a.stop();
    const b = await startApp('B3', FlowV2);
    await b.durably.client.raiseEvent(id, 'Approve', 'dave');
    expect(await isStuck(b, id)).toBe(true);
    expect(stuckLines('B3', id)).toBe(1);
    // The first retry comes after about 5 s, and fails the same way.
    expect(await waitFor(() => stuckLines('B3', id) === 2, 10_000, 50)).toBe(true);
    // The next one must wait longer (30 s), not another 5 s.
    const client = await MongoClient.connect(mongo.uri);
    try {
      const doc = await client.db(mongo.dbName).collection<{ _id: string; work: { availableAt: Date } }>(`${TASK_HUB}.instances`).findOne({ _id: id });
      expect((doc?.work.availableAt.getTime() ?? 0) - Date.now()).toBeGreaterThan(20_000);
    } finally {
      await client.close();
      await b.stop();
    }
  }, 25_000);
});
