// Issue 19: startNew's instance ID policies (ifRunning / ifFinished), under concurrency too; suspend and resume refused
// (typed, nothing written) when the instance's state does not allow them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { InstanceAlreadyExistsError } from '../../../src/core/errors/instance-already-exists-error.js';
import { InstanceStateConflictError } from '../../../src/core/errors/instance-state-conflict-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

@Activity()
class Shout {
  run(value: string): string {
    return value.toUpperCase();
  }
}

/** Waits for 'Go', then shouts its input. */
@Orchestrator()
class Waiter {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    await ctx.waitForExternalEvent('Go');
    return ctx.callActivity(Shout, ctx.input);
  }
}

/** Starts a Waiter child under a fresh ID (`<own ID>-child-<guid>`), and waits for it. */
@Orchestrator()
class ParentOfWaiter {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callSubOrchestrator(Waiter, ctx.input, { instanceId: `${ctx.instanceId}-child-${ctx.newGuid()}` });
  }
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [Waiter, ParentOfWaiter], activities: [Shout] });
});

afterAll(async () => {
  await app.stop();
});

const client = () => app.durably.client;
const statusOf = async (id: string): Promise<string | undefined> => (await client().getStatus(id))?.runtimeStatus;
const reach = (id: string, status: string): Promise<void> => until(`${id} is ${status}`, async () => (await statusOf(id)) === status, 30_000);

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The instances whose ID starts with `prefix`, by status. */
async function statusesUnder(prefix: string): Promise<Record<string, string>> {
  const page = await client().listInstances({ instanceIdPrefix: prefix, pageSize: 1000 });
  return Object.fromEntries(page.instances.map((s) => [s.instanceId, s.runtimeStatus]));
}

describe('startNew: ifRunning', () => {
  it("'fail' (the default) throws InstanceAlreadyExistsError for a running ID", async () => {
    await client().startNew(Waiter, { instanceId: 'p-fail', input: 'a' });
    await reach('p-fail', 'Running');
    const error = await errorOf(client().startNew(Waiter, { instanceId: 'p-fail', input: 'b' }));
    expect(error).toBeInstanceOf(InstanceAlreadyExistsError);
    expect(await errorOf(client().startNew(Waiter, { instanceId: 'p-fail', input: 'b', ifRunning: 'fail' }))).toMatchObject({ code: 'INSTANCE_ALREADY_EXISTS', runtimeStatus: 'Running' });
  });

  it("'useExisting' returns the running instance's ID without starting anything", async () => {
    await client().startNew(Waiter, { instanceId: 'p-use', input: 'first' });
    await reach('p-use', 'Running');
    const before = await client().getHistory('p-use');
    expect(await client().startNew(Waiter, { instanceId: 'p-use', input: 'second', ifRunning: 'useExisting' })).toBe('p-use');
    expect(await client().getHistory('p-use')).toEqual(before);
    await client().raiseEvent('p-use', 'Go');
    expect((await client().waitForCompletion('p-use', { timeoutMs: 20_000 })).output).toBe('FIRST');
  });

  it("'terminate' ends the running instance and its sub-orchestrations, then starts the new one", async () => {
    await client().startNew(ParentOfWaiter, { instanceId: 'p-term', input: 'old' });
    await until('the first child runs', async () => Object.values(await statusesUnder('p-term-child-')).includes('Running'), 30_000);
    const [firstChild] = Object.keys(await statusesUnder('p-term-child-'));
    expect(await client().startNew(ParentOfWaiter, { instanceId: 'p-term', input: 'new', ifRunning: 'terminate' })).toBe('p-term');
    await reach(firstChild as string, 'Terminated');
    expect((await client().getStatus(firstChild as string))?.output).toMatch(/ifRunning: 'terminate'/);
    await until('the second child runs', async () => Object.values(await statusesUnder('p-term-child-')).filter((s) => s === 'Running').length === 1, 30_000);
    const children = await statusesUnder('p-term-child-');
    const second = Object.keys(children).find((id) => children[id] === 'Running') as string;
    expect((await client().getStatus(second))?.input).toBe('new');
    await client().raiseEvent(second, 'Go');
    expect(await client().waitForCompletion('p-term', { timeoutMs: 20_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 'NEW', input: 'new' });
  });

  it('rejects an unknown policy before writing anything', async () => {
    const error = await errorOf(client().startNew(Waiter, { instanceId: 'p-bad', ifRunning: 'replace' as never }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await client().getStatus('p-bad')).toBeUndefined();
  });
});

describe('startNew: ifFinished', () => {
  it("'start' (the default) replaces a finished instance; 'fail' refuses it", async () => {
    await client().startNew(Waiter, { instanceId: 'f-1', input: 'one' });
    await reach('f-1', 'Running');
    await client().raiseEvent('f-1', 'Go');
    await client().waitForCompletion('f-1', { timeoutMs: 20_000 });
    const error = await errorOf(client().startNew(Waiter, { instanceId: 'f-1', input: 'two', ifFinished: 'fail' }));
    expect(error).toBeInstanceOf(InstanceAlreadyExistsError);
    expect(error).toMatchObject({ runtimeStatus: 'Completed' });
    expect((await client().getStatus('f-1'))?.output).toBe('ONE');
    await client().startNew(Waiter, { instanceId: 'f-1', input: 'two' });
    await reach('f-1', 'Running');
    expect((await client().getStatus('f-1'))?.input).toBe('two');
  });
});

describe('concurrent starts of one ID', () => {
  const parallel = (id: string, policy: 'fail' | 'useExisting' | 'terminate') => Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => client().startNew(ParentOfWaiter, { instanceId: id, input: `in-${i}`, ifRunning: policy })),
  );

  /** Exactly one instance runs under `id`, with exactly one running child; every other child was terminated. */
  async function expectOneRunning(id: string): Promise<void> {
    await until(`${id} settles on one running tree`, async () => {
      const children = Object.values(await statusesUnder(`${id}-child-`));
      return (await statusOf(id)) === 'Running' && children.filter((s) => s === 'Running').length === 1 &&
        children.every((s) => s === 'Running' || s === 'Terminated');
    }, 60_000);
  }

  it("'fail': one start wins, nine get InstanceAlreadyExistsError", async () => {
    const results = await parallel('c-fail', 'fail');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect(r.reason).toBeInstanceOf(InstanceAlreadyExistsError);
    await expectOneRunning('c-fail');
  });

  it("'useExisting': all ten return the ID, one instance started", async () => {
    const results = await parallel('c-use', 'useExisting');
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual(Array(10).fill('c-use'));
    await expectOneRunning('c-use');
    const started = (await client().getHistory('c-use')).filter((e) => e.type === 'ExecutionStarted');
    expect(started).toHaveLength(1);
  });

  it("'terminate' on a running ID: all ten succeed, and one tree runs in the end", async () => {
    await client().startNew(ParentOfWaiter, { instanceId: 'c-term', input: 'original' });
    await reach('c-term', 'Running');
    const results = await parallel('c-term', 'terminate');
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual(Array(10).fill('c-term'));
    await expectOneRunning('c-term');
  }, 120_000);

  it("'fail' on a finished ID: one start replaces it, nine get InstanceAlreadyExistsError", async () => {
    await client().startNew(Waiter, { instanceId: 'c-done', input: 'x' });
    await reach('c-done', 'Running');
    await client().terminate('c-done');
    await reach('c-done', 'Terminated');
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => client().startNew(Waiter, { instanceId: 'c-done', input: `in-${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await reach('c-done', 'Running');
  });
});

describe('suspend and resume refused by the state, nothing written', () => {
  it('resume of a running instance, suspend of a suspended one: InstanceStateConflictError; suspend then resume at once is fine', async () => {
    await client().startNew(Waiter, { instanceId: 's-1', input: 's' });
    await reach('s-1', 'Running');
    const before = await client().getHistory('s-1');
    const resume = await errorOf(client().resume('s-1'));
    expect(resume).toBeInstanceOf(InstanceStateConflictError);
    expect(resume).toMatchObject({ code: 'INSTANCE_NOT_SUSPENDED', operation: 'resume', runtimeStatus: 'Running' });

    await client().suspend('s-1', 'maintenance');
    // Not applied yet, perhaps: the queued suspend counts.
    expect(await errorOf(client().suspend('s-1'))).toMatchObject({ code: 'INSTANCE_ALREADY_SUSPENDED' });
    await reach('s-1', 'Suspended');
    expect(await errorOf(client().suspend('s-1'))).toBeInstanceOf(InstanceStateConflictError);
    await client().resume('s-1');
    await client().suspend('s-1');
    await client().resume('s-1');
    await reach('s-1', 'Running');
    await until('the last resume is applied', async () => (await client().getHistory('s-1')).filter((e) => e.type === 'ExecutionResumed').length === 2);
    const types = (await client().getHistory('s-1')).slice(before.length).map((e) => e.type).filter((t) => t.startsWith('Execution'));
    expect(types).toEqual(['ExecutionSuspended', 'ExecutionResumed', 'ExecutionSuspended', 'ExecutionResumed']);
    expect(await errorOf(client().resume('s-1'))).toMatchObject({ code: 'INSTANCE_NOT_SUSPENDED' });
  });

  it('suspend or resume of a finished instance: INSTANCE_NOT_RUNNING', async () => {
    await client().startNew(Waiter, { instanceId: 's-2', input: 's' });
    await reach('s-2', 'Running');
    await client().raiseEvent('s-2', 'Go');
    await client().waitForCompletion('s-2', { timeoutMs: 20_000 });
    const length = (await client().getHistory('s-2')).length;
    for (const call of [client().suspend('s-2'), client().resume('s-2')]) {
      const error = await errorOf(call);
      expect(error).toBeInstanceOf(DurableError);
      expect(error).toMatchObject({ code: 'INSTANCE_NOT_RUNNING' });
    }
    expect((await client().getHistory('s-2')).length).toBe(length);
  });
});
