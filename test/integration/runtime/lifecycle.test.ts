import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { container } from 'tsyringe';
import { DurableError } from '../../../src/core/durable-error.js';
import { InstanceAlreadyExistsError } from '../../../src/core/errors/instance-already-exists-error.js';
import { InstanceNotFoundError } from '../../../src/core/errors/instance-not-found-error.js';
import { TimeoutError } from '../../../src/core/errors/timeout-error.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { Gates } from '../../support/gate.js';
import { waitFor } from '../../support/test-db.js';

const gates = new Gates();
const ran: string[] = [];

@Activity()
class Echo {
  run(value: string): string {
    ran.push(`Echo:${value}`);
    return `echo ${value}`;
  }
}

@Activity()
class PassGate {
  constructor(private readonly gates: Gates) {}
  async run(gate: string): Promise<string> {
    await this.gates.get(gate).passed();
    ran.push(`PassGate:${gate}`);
    return `passed ${gate}`;
  }
}

/** One activity; completes at once. */
@Orchestrator()
class Quick {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Echo, ctx.input);
  }
}

/** Waits for a 'Go' event. */
@Orchestrator()
class WaitForGo {
  async run(ctx: OrchestrationContext<string | undefined>): Promise<string> {
    return `go: ${await ctx.waitForExternalEvent<string>('Go')}`;
  }
}

/** Passes a gate, then takes three 'E' events, then runs Echo. */
@Orchestrator()
class GatedThenEvents {
  async run(ctx: OrchestrationContext<string>): Promise<{ first: string; events: string[]; last: string }> {
    const first = await ctx.callActivity(PassGate, ctx.input);
    ctx.setCustomStatus('past the gate');
    const events: string[] = [];
    for (let i = 0; i < 3; i++) events.push(await ctx.waitForExternalEvent<string>('E'));
    const last = await ctx.callActivity(Echo, `after ${ctx.input}`);
    return { first, events, last };
  }
}

const appContainer = container.createChildContainer();
appContainer.registerInstance(Gates, gates);
let app: TestApp;
let mongo: MongoClient;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [Quick, WaitForGo, GatedThenEvents], activities: [Echo, PassGate], container: appContainer });
  mongo = await MongoClient.connect(app.mongo.uri);
});

afterAll(async () => {
  gates.openAll();
  await mongo.close();
  await app.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('runtime: instance lifecycle', () => {
  describe('starting', () => {
    it('starts with an explicit ID', async () => {
      const client = app.durably.client;
      const id = await client.startNew(Quick, { instanceId: 'order-1', input: 'one' });
      expect(id).toBe('order-1');
      expect(await client.waitForCompletion(id, { timeoutMs: 10_000 })).toMatchObject({ instanceId: 'order-1', name: 'Quick', runtimeStatus: 'Completed', output: 'echo one' });
    });

    it('generates an ID when none is given', async () => {
      const client = app.durably.client;
      const a = await client.startNew(Quick, { input: 'gen-a' });
      const b = await client.startNew(Quick, { input: 'gen-b' });
      expect(a).toMatch(/^[0-9a-f]{32}$/);
      expect(b).not.toBe(a);
      await client.waitForCompletion(a, { timeoutMs: 10_000 });
      await client.waitForCompletion(b, { timeoutMs: 10_000 });
    });

    it('rejects a duplicate of an active instance with InstanceAlreadyExistsError', async () => {
      const client = app.durably.client;
      await client.startNew(WaitForGo, { instanceId: 'dup-1' });
      const error = await errorOf(client.startNew(WaitForGo, { instanceId: 'dup-1' }));
      expect(error).toBeInstanceOf(InstanceAlreadyExistsError);
      expect(error).toMatchObject({ code: 'INSTANCE_ALREADY_EXISTS', instanceId: 'dup-1' });
      // Also while it runs (not only while Pending).
      expect(await waitFor(async () => (await client.getStatus('dup-1'))?.runtimeStatus === 'Running', 10_000, 20)).toBe(true);
      await expect(client.startNew(Quick, { instanceId: 'dup-1', input: 'x' })).rejects.toBeInstanceOf(InstanceAlreadyExistsError);
      await client.raiseEvent('dup-1', 'Go', 'first');
      expect((await client.waitForCompletion('dup-1', { timeoutMs: 10_000 })).output).toBe('go: first');
    });

    it('reuses the ID of a finished instance for a new run', async () => {
      const client = app.durably.client;
      await client.startNew(Quick, { instanceId: 'reuse-1', input: 'first' });
      expect((await client.waitForCompletion('reuse-1', { timeoutMs: 10_000 })).output).toBe('echo first');
      await client.startNew(Quick, { instanceId: 'reuse-1', input: 'second' });
      const status = await client.waitForCompletion('reuse-1', { timeoutMs: 10_000 });
      expect(status).toMatchObject({ runtimeStatus: 'Completed', input: 'second', output: 'echo second' });
      // The history is the new run's only.
      const history = await client.getHistory('reuse-1');
      expect(history.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
      expect(history.filter((e) => e.type === 'TaskScheduled')).toEqual([expect.objectContaining({ input: '"second"' })]);
    });

    it.each([
      ['a slash', 'a/b'],
      ['a backslash', 'a\\b'],
      ['a hash', 'a#b'],
      ['a question mark', 'a?b'],
      ['a leading @', '@x'],
      ['257 characters', 'x'.repeat(257)],
      ['a control character', 'a\u0001b'],
      ['a newline', 'a\nb'],
      ['a DEL', 'a\u007fb'],
      ['an empty string', ''],
    ])('rejects an instance ID with %s (INVALID_INSTANCE_ID)', async (_what, instanceId) => {
      const error = await errorOf(app.durably.client.startNew(Quick, { instanceId, input: 'x' }));
      expect(error).toBeInstanceOf(DurableError);
      expect(error).toMatchObject({ code: 'INVALID_INSTANCE_ID' });
      // Nothing was created (an empty ID is not even a valid lookup).
      if (instanceId === '') await expect(app.durably.client.getStatus(instanceId)).rejects.toMatchObject({ code: 'INVALID_INSTANCE_ID' });
      else expect(await app.durably.client.getStatus(instanceId)).toBeUndefined();
    });

    it('accepts an instance ID of 256 characters', async () => {
      const client = app.durably.client;
      const id = await client.startNew(Quick, { instanceId: 'y'.repeat(256), input: 'long' });
      expect((await client.waitForCompletion(id, { timeoutMs: 10_000 })).output).toBe('echo long');
    });

    it('does not start an instance before startAt', async () => {
      const client = app.durably.client;
      const startAt = new Date(Date.now() + 2_000);
      const id = await client.startNew(Quick, { input: 'scheduled', startAt });
      await sleep(250);
      const early = (await client.getStatus(id))?.runtimeStatus;
      const ranEarly = ran.includes('Echo:scheduled');
      // What was seen before startAt must be Pending; a machine stalled past startAt saw nothing that tells (the
      // ExecutionStarted check below holds either way).
      if (Date.now() < startAt.getTime()) expect({ early, ranEarly }).toEqual({ early: 'Pending', ranEarly: false });
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status.output).toBe('echo scheduled');
      const started = (await client.getHistory(id)).find((e) => e.type === 'ExecutionStarted');
      expect(started?.timestamp.getTime()).toBeGreaterThanOrEqual(startAt.getTime());
      expect(started).toMatchObject({ scheduledStartTime: startAt });
    });
  });

  describe('terminating a scheduled instance', () => {
    it('terminates an instance whose startAt is far ahead at once, without running it', async () => {
      const client = app.durably.client;
      const id = await client.startNew(Quick, { input: 'never-started', startAt: new Date(Date.now() + 3_600_000) });
      await client.terminate(id, 'not needed after all');
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status.runtimeStatus).toBe('Terminated');
      expect(status.output).toBe('not needed after all');
      expect(ran).not.toContain('Echo:never-started');
    });
  });

  describe('suspend, resume, terminate, restart', () => {
    it('makes no progress while suspended, then applies what arrived, in order, after resume', async () => {
      const client = app.durably.client;
      const id = await client.startNew(GatedThenEvents, { input: 'suspend' });
      expect(await waitFor(() => gates.get('suspend').reached > 0, 10_000, 20)).toBe(true);
      await client.suspend(id, 'maintenance');
      expect(await waitFor(async () => (await client.getStatus(id))?.runtimeStatus === 'Suspended', 10_000, 20)).toBe(true);
      // The activity finishes and three events arrive while suspended.
      gates.get('suspend').open();
      for (const e of ['e1', 'e2', 'e3']) await client.raiseEvent(id, 'E', e);
      expect(await waitFor(() => ran.includes('PassGate:suspend'), 10_000, 20)).toBe(true);
      await sleep(400);
      const suspended = await client.getStatus(id);
      expect(suspended?.runtimeStatus).toBe('Suspended');
      expect(suspended?.customStatus).toBeUndefined(); // the code did not go past the gate
      expect(ran).not.toContain('Echo:after suspend');
      await client.resume(id, 'done');
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status).toMatchObject({
        runtimeStatus: 'Completed',
        output: { first: 'passed suspend', events: ['e1', 'e2', 'e3'], last: 'echo after suspend' },
      });
      const view = await client.getStatus(id, { showHistory: true });
      const types = view?.historyEvents?.map((e) => e.EventType) ?? [];
      expect(types.indexOf('ExecutionSuspended')).toBeGreaterThan(-1);
      expect(types.indexOf('ExecutionResumed')).toBeGreaterThan(types.indexOf('ExecutionSuspended'));
    });

    it('terminates: status Terminated, late activity results ignored', async () => {
      const client = app.durably.client;
      const id = await client.startNew(GatedThenEvents, { input: 'terminate' });
      expect(await waitFor(() => gates.get('terminate').reached > 0, 10_000, 20)).toBe(true);
      await client.terminate(id, 'no longer needed');
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
      // The activity that was running when the instance was terminated finishes now; its result is dropped.
      gates.get('terminate').open();
      expect(await waitFor(() => ran.includes('PassGate:terminate'), 10_000, 20)).toBe(true);
      await sleep(400);
      expect((await client.getStatus(id))?.runtimeStatus).toBe('Terminated');
      const history = await client.getHistory(id);
      expect(history.filter((e) => e.type === 'TaskCompleted')).toHaveLength(0);
      expect(history.filter((e) => e.type === 'ExecutionCompleted')).toEqual([expect.objectContaining({ orchestrationStatus: 'Terminated' })]);
      // Terminating again is a no-op; raising an event is refused.
      await client.terminate(id, 'again');
      await expect(client.raiseEvent(id, 'E', 'late')).rejects.toMatchObject({ code: 'INSTANCE_NOT_RUNNING' });
      expect((await client.getStatus(id))?.output).toBe('no longer needed');
    });

    it('restarts a finished instance under the same ID and under a new one', async () => {
      const client = app.durably.client;
      await client.startNew(Quick, { instanceId: 'restart-1', input: 'again' });
      const first = await client.waitForCompletion('restart-1', { timeoutMs: 10_000 });
      expect(await client.restart('restart-1')).toBe('restart-1');
      const second = await client.waitForCompletion('restart-1', { timeoutMs: 10_000 });
      expect(second).toMatchObject({ runtimeStatus: 'Completed', input: 'again', output: 'echo again' });
      expect(second.createdTime.getTime()).toBeGreaterThanOrEqual(first.createdTime.getTime());

      const newId = await client.restart('restart-1', { restartWithNewInstanceId: true });
      expect(newId).not.toBe('restart-1');
      expect(await client.waitForCompletion(newId, { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', name: 'Quick', input: 'again', output: 'echo again' });

      // A running instance cannot be restarted under its own ID.
      await client.startNew(WaitForGo, { instanceId: 'restart-running' });
      await expect(client.restart('restart-running')).rejects.toBeInstanceOf(InstanceAlreadyExistsError);
      await client.raiseEvent('restart-running', 'Go', 'x');
      await client.waitForCompletion('restart-running', { timeoutMs: 10_000 });
    });
  });

  describe('purging', () => {
    it('purgeInstanceHistory deletes the instance and its history', async () => {
      const client = app.durably.client;
      await client.startNew(Quick, { instanceId: 'purge-1', input: 'p' });
      await client.waitForCompletion('purge-1', { timeoutMs: 10_000 });
      const db = mongo.db(app.mongo.dbName);
      expect(await db.collection('Durably.history').countDocuments({ instanceId: 'purge-1' })).toBeGreaterThan(0);
      expect(await client.purgeInstanceHistory('purge-1')).toEqual({ instancesDeleted: 1 });
      expect(await client.getStatus('purge-1')).toBeUndefined();
      await expect(client.getHistory('purge-1')).rejects.toBeInstanceOf(InstanceNotFoundError);
      expect(await db.collection('Durably.history').countDocuments({ instanceId: 'purge-1' })).toBe(0);
      expect(await db.collection('Durably.inbox').countDocuments({ instanceId: 'purge-1' })).toBe(0);
      expect(await client.purgeInstanceHistory('purge-1')).toEqual({ instancesDeleted: 0 });
    });

    it('purgeInstances deletes the instances created in a range', async () => {
      const client = app.durably.client;
      await client.startNew(Quick, { instanceId: 'range-before', input: 'b' });
      await sleep(20);
      const from = new Date();
      await sleep(5);
      for (const id of ['range-in-1', 'range-in-2', 'range-in-3']) await client.startNew(Quick, { instanceId: id, input: id });
      await sleep(5);
      const to = new Date();
      await sleep(20);
      await client.startNew(Quick, { instanceId: 'range-after', input: 'a' });
      for (const id of ['range-before', 'range-in-1', 'range-in-2', 'range-in-3', 'range-after']) await client.waitForCompletion(id, { timeoutMs: 10_000 });

      // The status filter applies on top of the range.
      expect(await client.purgeInstances({ createdTimeFrom: from, createdTimeTo: to, runtimeStatus: ['Failed'] })).toEqual({ instancesDeleted: 0 });
      expect(await client.purgeInstances({ createdTimeFrom: from, createdTimeTo: to, runtimeStatus: ['Completed'] })).toEqual({ instancesDeleted: 3 });
      for (const id of ['range-in-1', 'range-in-2', 'range-in-3']) expect(await client.getStatus(id)).toBeUndefined();
      expect((await client.getStatus('range-before'))?.runtimeStatus).toBe('Completed');
      expect((await client.getStatus('range-after'))?.runtimeStatus).toBe('Completed');
      await expect(client.purgeInstances({})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });

  describe('listing', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `list-${String(i).padStart(2, '0')}`);
    let middle: Date;

    beforeAll(async () => {
      const client = app.durably.client;
      for (const [i, id] of ids.entries()) {
        await client.startNew(WaitForGo, { instanceId: id, input: id });
        if (i === 11) {
          await sleep(10);
          middle = new Date();
          await sleep(10);
        }
      }
      // The first ten complete; the others keep waiting.
      for (const id of ids.slice(0, 10)) {
        expect(await waitFor(async () => (await client.getStatus(id))?.runtimeStatus === 'Running', 10_000, 20)).toBe(true);
        await client.raiseEvent(id, 'Go', id);
      }
      for (const id of ids.slice(0, 10)) await client.waitForCompletion(id, { timeoutMs: 10_000 });
      for (const id of ids.slice(10)) {
        expect(await waitFor(async () => (await client.getStatus(id))?.runtimeStatus === 'Running', 10_000, 20)).toBe(true);
      }
    });

    it('pages through 25 instances 10 at a time: 3 pages, stable, no duplicates', async () => {
      const client = app.durably.client;
      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await client.listInstances({ instanceIdPrefix: 'list-', pageSize: 10, ...(token === undefined ? {} : { continuationToken: token }) });
        pages.push(page.instances.map((s) => s.instanceId));
        token = page.continuationToken;
      } while (token !== undefined && pages.length < 10);
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      const all = pages.flat();
      expect(new Set(all).size).toBe(25);
      // Creation order (the IDs were created in order).
      expect(all).toEqual(ids);
      // Listing again gives the same pages.
      const again = await client.listInstances({ instanceIdPrefix: 'list-', pageSize: 10 });
      expect(again.instances.map((s) => s.instanceId)).toEqual(pages[0]);
      const first = again.instances[0];
      expect(first).toMatchObject({ name: 'WaitForGo', instanceId: 'list-00', input: 'list-00', runtimeStatus: 'Completed', output: 'go: list-00' });
    });

    it('filters by runtime status, ID prefix and creation time', async () => {
      const client = app.durably.client;
      const list = async (query: Parameters<typeof client.listInstances>[0]): Promise<string[]> =>
        (await client.listInstances({ pageSize: 100, ...query })).instances.map((s) => s.instanceId);
      expect(await list({ instanceIdPrefix: 'list-', runtimeStatus: ['Completed'] })).toEqual(ids.slice(0, 10));
      expect(await list({ instanceIdPrefix: 'list-', runtimeStatus: ['Running'] })).toEqual(ids.slice(10));
      expect(await list({ instanceIdPrefix: 'list-', runtimeStatus: ['Completed', 'Running'] })).toEqual(ids);
      expect(await list({ instanceIdPrefix: 'list-', runtimeStatus: ['Failed'] })).toEqual([]);
      expect(await list({ instanceIdPrefix: 'list-1' })).toEqual(ids.slice(10, 20));
      expect(await list({ instanceIdPrefix: 'list-', createdTimeTo: middle })).toEqual(ids.slice(0, 12));
      expect(await list({ instanceIdPrefix: 'list-', createdTimeFrom: middle })).toEqual(ids.slice(12));
      expect(await list({ instanceIdPrefix: 'list-', createdTimeFrom: middle, runtimeStatus: ['Completed'] })).toEqual([]);
      // By orchestrator name: exact, and only that orchestrator's instances.
      expect(await list({ instanceIdPrefix: 'list-', name: 'WaitForGo' })).toEqual(ids);
      expect(await list({ instanceIdPrefix: 'list-', name: 'waitforgo' })).toEqual([]);
      expect((await client.listInstances({ name: 'WaitForGo', pageSize: 1000 })).instances.every((s) => s.name === 'WaitForGo')).toBe(true);
      await expect(client.listInstances({ name: { $ne: '' } as unknown as string })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // Without a prefix the others show up too, still in creation order.
      const everything = await list({});
      expect(everything).toEqual(expect.arrayContaining(ids));
      expect(everything.filter((id) => id.startsWith('list-'))).toEqual(ids);
    });
  });

  describe('errors', () => {
    it('waitForCompletion times out with TimeoutError', async () => {
      const client = app.durably.client;
      const id = await client.startNew(WaitForGo, { instanceId: 'never-done' });
      const started = Date.now();
      const error = await errorOf(client.waitForCompletion(id, { timeoutMs: 300 }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      // It gives up rather than waiting on; how soon after its timeout depends on the machine's load (generous bound).
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('getStatus of an unknown instance is undefined', async () => {
      expect(await app.durably.client.getStatus('no-such-instance')).toBeUndefined();
    });

    it('raiseEvent, terminate, suspend, resume, restart and waitForCompletion on an unknown instance fail with InstanceNotFoundError', async () => {
      const client = app.durably.client;
      // Each call is made where it is awaited: made all at once, a later one could reject while an earlier one is
      // still awaited, with nothing observing it yet (an unhandled rejection on a slow machine).
      const calls: [string, () => Promise<unknown>][] = [
        ['raiseEvent', () => client.raiseEvent('no-such-instance', 'Go', 1)],
        ['terminate', () => client.terminate('no-such-instance')],
        ['suspend', () => client.suspend('no-such-instance')],
        ['resume', () => client.resume('no-such-instance')],
        ['restart', () => client.restart('no-such-instance')],
        ['waitForCompletion', () => client.waitForCompletion('no-such-instance', { timeoutMs: 100 })],
        ['getHistory', () => client.getHistory('no-such-instance')],
      ];
      for (const [name, call] of calls) {
        const error = await errorOf(call());
        expect({ name, error }).toEqual({ name, error: expect.any(InstanceNotFoundError) });
        expect(error).toMatchObject({ code: 'INSTANCE_NOT_FOUND', instanceId: 'no-such-instance' });
      }
    });
  });

  describe('getStatus options', () => {
    it('shows the history, its outputs and the input only when asked', async () => {
      const client = app.durably.client;
      await client.startNew(Quick, { instanceId: 'status-1', input: 'shown' });
      await client.waitForCompletion('status-1', { timeoutMs: 10_000 });

      const plain = await client.getStatus('status-1');
      expect(plain).toMatchObject({ input: 'shown', output: 'echo shown' });
      expect(plain?.historyEvents).toBeUndefined();

      const noInput = await client.getStatus('status-1', { showInput: false });
      expect(noInput).not.toHaveProperty('input');
      expect(noInput?.output).toBe('echo shown');

      const withHistory = await client.getStatus('status-1', { showHistory: true });
      expect(withHistory?.historyEvents?.map((e) => e.EventType)).toEqual(['ExecutionStarted', 'TaskCompleted', 'ExecutionCompleted']);
      const completed = withHistory?.historyEvents?.[1];
      expect(completed).toMatchObject({ EventType: 'TaskCompleted', FunctionName: 'Echo' });
      expect(completed).not.toHaveProperty('Result');
      expect(withHistory?.historyEvents?.[2]).not.toHaveProperty('Result');
      expect(typeof completed?.ScheduledTime).toBe('string');
      expect(typeof completed?.Timestamp).toBe('string');

      const withOutput = await client.getStatus('status-1', { showHistory: true, showHistoryOutput: true });
      expect(withOutput?.historyEvents?.[1]).toMatchObject({ EventType: 'TaskCompleted', Result: 'echo shown' });
      expect(withOutput?.historyEvents?.[2]).toMatchObject({ EventType: 'ExecutionCompleted', OrchestrationStatus: 'Completed', Result: 'echo shown' });

      const withInput = await client.getStatus('status-1', { showHistory: true, showInput: true });
      expect(withInput?.historyEvents?.[0]).toMatchObject({ EventType: 'ExecutionStarted', FunctionName: 'Quick', Input: 'shown' });
      const hiddenInput = await client.getStatus('status-1', { showHistory: true, showInput: false });
      expect(hiddenInput?.historyEvents?.[0]).not.toHaveProperty('Input');
      expect(hiddenInput).not.toHaveProperty('input');
    });
  });
});
