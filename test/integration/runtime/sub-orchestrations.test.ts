import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container } from 'tsyringe';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

class OutOfStockError extends Error {
  override name = 'OutOfStockError';
}

@Activity()
class ReserveItem {
  run(item: string): string {
    if (item.startsWith('missing')) throw new OutOfStockError(`${item} is out of stock`);
    return `reserved ${item}`;
  }
}

/** A child: reserves every item of an order. */
@Orchestrator()
class ReserveOrder {
  async run(ctx: OrchestrationContext<string[]>): Promise<{ reservations: string[]; parent: string | undefined; self: string }> {
    const reservations = await ctx.whenAll(ctx.input.map((item) => ctx.callActivity(ReserveItem, item)));
    return { reservations, parent: ctx.parentInstanceId, self: ctx.instanceId };
  }
}

interface ParentOutput {
  readonly ok: boolean;
  readonly child?: unknown;
  readonly errorType?: string;
  readonly errorMessage?: string;
  readonly taskKind?: string;
  readonly taskName?: string;
}

/** A parent: runs the child, and catches its failure. */
@Orchestrator()
class PlaceOrder {
  async run(ctx: OrchestrationContext<{ items: string[]; childId?: string }>): Promise<ParentOutput> {
    try {
      const child = await ctx.callSubOrchestrator(ReserveOrder, ctx.input.items,
        ctx.input.childId === undefined ? undefined : { instanceId: ctx.input.childId });
      return { ok: true, child };
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
      return {
        ok: false, errorType: error.failureDetails.errorType, errorMessage: error.failureDetails.errorMessage,
        taskKind: error.taskKind, taskName: error.taskName,
      };
    }
  }
}

/** Fans out to several children at once. */
@Orchestrator()
class PlaceOrders {
  async run(ctx: OrchestrationContext<string[][]>): Promise<number> {
    const results = await ctx.whenAll(ctx.input.map((items) => ctx.callSubOrchestrator(ReserveOrder, items)));
    return results.reduce((n, r) => n + r.reservations.length, 0);
  }
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [ReserveOrder, PlaceOrder, PlaceOrders], activities: [ReserveItem], container: container.createChildContainer() });
});

afterAll(async () => {
  await app.stop();
});

describe('runtime: sub-orchestrations', () => {
  it('returns the child output to the parent', async () => {
    const client = app.durably.client;
    const id = await client.startNew(PlaceOrder, { input: { items: ['apple', 'pear'] } });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status.runtimeStatus).toBe('Completed');
    // The default child ID is <parent>:<sequence>.
    expect(status.output).toEqual({ ok: true, child: { reservations: ['reserved apple', 'reserved pear'], parent: id, self: `${id}:0` } });
    const child = await client.getStatus(`${id}:0`);
    expect(child).toMatchObject({ name: 'ReserveOrder', runtimeStatus: 'Completed', input: ['apple', 'pear'] });
    const view = await client.getStatus(id, { showHistory: true, showHistoryOutput: true });
    expect(view?.historyEvents?.find((e) => e.EventType === 'SubOrchestrationInstanceCompleted')).toMatchObject({ FunctionName: 'ReserveOrder' });
  });

  it('surfaces a failed child as a TaskFailedError the parent can catch', async () => {
    const client = app.durably.client;
    const id = await client.startNew(PlaceOrder, { input: { items: ['apple', 'missing-kiwi'] } });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status.runtimeStatus).toBe('Completed');
    const output = status.output as ParentOutput;
    expect(output).toMatchObject({ ok: false, taskKind: 'orchestrator', taskName: 'ReserveOrder' });
    // The child failed with the activity's TaskFailedError; its message names the original error.
    expect(output.errorType).toBe('TaskFailedError');
    expect(output.errorMessage).toContain('missing-kiwi is out of stock');
    const child = await client.getStatus(`${id}:0`);
    expect(child?.runtimeStatus).toBe('Failed');
    expect(child?.failureDetails?.errorMessage).toContain('missing-kiwi is out of stock');
  });

  it('runs the child under an explicit instance ID', async () => {
    const client = app.durably.client;
    const childId = `child-of-explicit-${Date.now()}`;
    const id = await client.startNew(PlaceOrder, { input: { items: ['fig'], childId } });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status.output).toEqual({ ok: true, child: { reservations: ['reserved fig'], parent: id, self: childId } });
    expect(await client.getStatus(childId)).toMatchObject({ runtimeStatus: 'Completed', name: 'ReserveOrder' });
    expect(await client.getStatus(`${id}:0`)).toBeUndefined();
  });

  it('fails the call when the explicit child ID belongs to a running instance', async () => {
    const client = app.durably.client;
    const blocker = await client.startNew(PlaceOrder, { input: { items: [] }, instanceId: 'busy-child', startAt: new Date(Date.now() + 60_000) });
    expect((await client.getStatus(blocker))?.runtimeStatus).toBe('Pending');
    const id = await client.startNew(PlaceOrder, { input: { items: ['fig'], childId: 'busy-child' } });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status.output).toMatchObject({ ok: false, errorType: 'InstanceAlreadyExistsError' });
  });

  it('fans out to several children', async () => {
    const client = app.durably.client;
    const id = await client.startNew(PlaceOrders, { input: [['a'], ['b', 'c'], ['d', 'e', 'f']] });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 6 });
    for (let seq = 0; seq < 3; seq++) expect((await client.getStatus(`${id}:${seq}`))?.runtimeStatus).toBe('Completed');
  });
});
