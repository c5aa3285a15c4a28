// Code-level versioning through the public API: an instance started on v1 code and waiting for an event completes on
// the old path after v2 code guarded with ctx.patched() is deployed on the same database, while an instance started
// under v2 takes the new path (and its history records the patch's marker).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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

/** Version 1 of 'Order', as deployed when the first instance started. */
@Orchestrator({ name: 'Order' })
class OrderV1 {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const prepared = await ctx.callActivity(Prepare, ctx.input);
    const approval = await ctx.waitForExternalEvent<string>('Approve');
    const finished = await ctx.callActivity(Finish, ctx.input);
    return [prepared, approval, finished];
  }
}

/** Version 2: validates instead of preparing — guarded by a patch, so instances that prepared keep doing so. */
@Orchestrator({ name: 'Order' })
class OrderV2 {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const first = ctx.patched('validate-first')
      ? await ctx.callActivity(Validate, ctx.input)
      : await ctx.callActivity(Prepare, ctx.input);
    const approval = await ctx.waitForExternalEvent<string>('Approve');
    const finished = await ctx.callActivity(Finish, ctx.input);
    return [first, approval, finished];
  }
}

let mongo: TestMongo;
const apps: TestApp[] = [];

async function startApp(order: typeof OrderV1 | typeof OrderV2): Promise<TestApp> {
  const app = await startTestApp({
    mongo, taskHub: 'Patching', orchestrators: [order], activities: [Prepare, Validate, Finish], container: container.createChildContainer(),
  });
  apps.push(app);
  return app;
}

/** Waits until the instance ran its first activity and its episode is committed (it then waits for 'Approve'). */
function waitingForApproval(app: TestApp, instanceId: string): Promise<boolean> {
  return waitFor(async () => {
    const history = await app.durably.client.getHistory(instanceId);
    return history.some((e) => e.type === 'TaskCompleted') && history.at(-1)?.type === 'OrchestratorCompleted';
  }, 10_000, 20);
}

beforeAll(async () => {
  mongo = await startTestMongo();
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await mongo.stop();
});

describe('runtime: ctx.patched across a deploy', () => {
  it('completes an instance started on v1 on the old path, and runs a new one on the new path', async () => {
    const v1 = await startApp(OrderV1);
    const old = await v1.durably.client.startNew(OrderV1, { instanceId: 'order-old', input: 'o1' });
    expect(await waitingForApproval(v1, old)).toBe(true);
    await v1.stop();

    // v2 deploys on the same database; the old instance's approval arrives, and a new instance starts.
    const v2 = await startApp(OrderV2);
    await v2.durably.client.raiseEvent(old, 'Approve', 'alice');
    const fresh = await v2.durably.client.startNew(OrderV2, { instanceId: 'order-new', input: 'o2' });
    expect(await waitingForApproval(v2, fresh)).toBe(true);
    await v2.durably.client.raiseEvent(fresh, 'Approve', 'bob');

    const oldDone = await v2.durably.client.waitForCompletion(old, { timeoutMs: 15_000 });
    expect(oldDone).toMatchObject({ runtimeStatus: 'Completed', output: ['prepared o1', 'alice', 'finished o1'] });
    expect(oldDone.failureDetails).toBeUndefined();
    const freshDone = await v2.durably.client.waitForCompletion(fresh, { timeoutMs: 15_000 });
    expect(freshDone).toMatchObject({ runtimeStatus: 'Completed', output: ['validated o2', 'bob', 'finished o2'] });

    expect(ran.filter((r) => r.endsWith(':o1'))).toEqual(['Prepare:o1', 'Finish:o1']);
    expect(ran.filter((r) => r.endsWith(':o2'))).toEqual(['Validate:o2', 'Finish:o2']);
    // Only the instance that took the new path recorded the patch, once; it shows in the showHistory view too.
    expect((await v2.durably.client.getHistory(old)).filter((e) => e.type === 'PatchMarker')).toEqual([]);
    expect((await v2.durably.client.getHistory(fresh)).filter((e) => e.type === 'PatchMarker'))
      .toEqual([expect.objectContaining({ patchId: 'validate-first', eventId: -1 })]);
    const shown = await v2.durably.client.getStatus(fresh, { showHistory: true });
    expect(shown?.historyEvents).toContainEqual(expect.objectContaining({ EventType: 'PatchMarker', Name: 'validate-first' }));
  }, 40_000);
});
