// The instance-store contract (see instance-store.contract.ts), part 1 of 3: the schema, starting, reading,
// listing and purging instances.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DurableError } from '../../src/core/durable-error.js';
import { InstanceAlreadyExistsError } from '../../src/core/errors/instance-already-exists-error.js';
import type { ChildInstance, ChildQuery, InstanceStore, RuntimeStatus } from '../../src/ports/instance-store.js';
import { at, claim, create, eventRaised, runEpisode, T0 } from './instance-store-fixtures.js';

/** The instance-store contract's tests of an instance as a whole: schema, start, read, list, purge. */
export function describeInstanceStoreLifecycle(current: () => InstanceStore): void {
  let store: InstanceStore;

  beforeEach(() => {
    store = current();
  });

  describe('ensureSchema', () => {
    it('is idempotent', async () => {
      await store.ensureSchema();
      await store.ensureSchema();
      await create(store, 'a');
      expect(await store.getInstance('a')).toBeDefined();
    });
  });

  describe('createInstance / getInstance', () => {
    it('creates a Pending instance with its start fields, no history and work to do', async () => {
      await store.createInstance({
        instanceId: 'a', executionId: 'e1', name: 'Orch', input: '{"x":1}', now: T0,
        parentInstance: { instanceId: 'p', executionId: 'pe', name: 'Parent', taskScheduledId: 4 },
      });
      expect(await store.getInstance('a')).toEqual({
        instanceId: 'a', executionId: 'e1', name: 'Orch', runtimeStatus: 'Pending', input: '{"x":1}',
        output: undefined, customStatus: undefined, createdTime: T0, lastUpdatedTime: T0,
        parentInstance: { instanceId: 'p', executionId: 'pe', name: 'Parent', taskScheduledId: 4 },
        historyLength: 0, version: 0, claimAttempts: 0,
      });
      expect(await store.loadHistory('a', 'e1')).toEqual([]);
      expect((await claim(store)).instance.instanceId).toBe('a');
    });

    it('returns Dates as Dates and an undefined input as undefined', async () => {
      await store.createInstance({ instanceId: 'a', executionId: 'e1', name: 'Orch', input: undefined, now: T0, scheduledStartTime: at(5000) });
      const state = await store.getInstance('a');
      expect(state?.createdTime).toBeInstanceOf(Date);
      expect(state?.scheduledStartTime).toEqual(at(5000));
      expect(state?.input).toBeUndefined();
      expect(state && 'failureDetails' in state ? state.failureDetails : undefined).toBeUndefined();
    });

    it('returns undefined for an unknown instance', async () => {
      expect(await store.getInstance('nope')).toBeUndefined();
    });

    it.each<RuntimeStatus>(['Pending', 'Running', 'Suspended', 'ContinuedAsNew'])('refuses to replace a %s instance', async (status) => {
      const executionId = await create(store, 'a');
      if (status !== 'Pending') await runEpisode(store, 'a', { runtimeStatus: status });
      const error = await create(store, 'a').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InstanceAlreadyExistsError);
      expect(error).toMatchObject({ code: 'INSTANCE_ALREADY_EXISTS', instanceId: 'a', runtimeStatus: status });
      expect((await store.getInstance('a'))?.executionId).toBe(executionId);
    });

    it('is a no-op for an active instance started with the same idempotencyKey', async () => {
      const executionId = await create(store, 'a', { idempotencyKey: 'k1' });
      await runEpisode(store, 'a', { runtimeStatus: 'Running' });
      await create(store, 'a', { idempotencyKey: 'k1', now: at(1000) });
      const state = await store.getInstance('a');
      expect(state).toMatchObject({ executionId, runtimeStatus: 'Running', version: 1 });
    });

    it('refuses an active instance started with another (or without an) idempotencyKey', async () => {
      await create(store, 'a', { idempotencyKey: 'k1' });
      await expect(create(store, 'a', { idempotencyKey: 'k2' })).rejects.toBeInstanceOf(InstanceAlreadyExistsError);
      await expect(create(store, 'a')).rejects.toBeInstanceOf(InstanceAlreadyExistsError);
      const other = await create(store, 'b');
      await expect(create(store, 'b', { idempotencyKey: 'k1' })).rejects.toBeInstanceOf(InstanceAlreadyExistsError);
      expect((await store.getInstance('b'))?.executionId).toBe(other);
    });

    it.each<RuntimeStatus>(['Completed', 'Failed', 'Terminated', 'Canceled'])(
      'replaces a %s instance, deleting its old history and messages',
      async (status) => {
        const old = await create(store, 'a');
        await runEpisode(store, 'a', { runtimeStatus: status, output: '"done"', completedTime: at(10) }, at(10));
        expect(await store.sendMessage('a', eventRaised('late', at(20)), { now: at(20) })).toBe(true);
        expect(await store.loadHistory('a', old)).toHaveLength(1);

        const fresh = await create(store, 'a', { now: at(100), input: '"again"' });
        expect(await store.getInstance('a')).toEqual({
          instanceId: 'a', executionId: fresh, name: 'Orch', runtimeStatus: 'Pending', input: '"again"',
          output: undefined, customStatus: undefined, createdTime: at(100), lastUpdatedTime: at(100),
          historyLength: 0, version: 0, claimAttempts: 0,
        });
        expect(await store.loadHistory('a', old)).toEqual([]);
        expect(await store.loadMessages('a')).toEqual([]);
        expect((await claim(store, at(100))).instance.executionId).toBe(fresh);
      },
    );

    it('is a no-op for a finished instance started again with the same idempotencyKey (a re-dispatched start)', async () => {
      const executionId = await create(store, 'a', { idempotencyKey: 'k1' });
      await runEpisode(store, 'a', { runtimeStatus: 'Completed', output: '1' });
      await create(store, 'a', { idempotencyKey: 'k1', now: at(1000) });
      expect(await store.getInstance('a')).toMatchObject({ executionId, runtimeStatus: 'Completed', output: '1' });
    });

    it('lets exactly one of two concurrent starts of the same new instance win', async () => {
      const results = await Promise.allSettled([create(store, 'a'), create(store, 'a')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(InstanceAlreadyExistsError);
    });

    it('rejects IDs that are not strings with a DurableError', async () => {
      const operator = { $ne: null } as unknown as string;
      await expect(store.getInstance(operator)).rejects.toBeInstanceOf(DurableError);
      await expect(store.getInstance('')).rejects.toBeInstanceOf(DurableError);
      await expect(create(store, operator)).rejects.toBeInstanceOf(DurableError);
      await expect(store.loadHistory('a', operator)).rejects.toBeInstanceOf(DurableError);
      await expect(store.sendMessage(operator, eventRaised('x', T0), { now: T0 })).rejects.toBeInstanceOf(DurableError);
      await expect(store.purgeInstance(operator)).rejects.toBeInstanceOf(DurableError);
    });

    it('stores user data as data: IDs and payloads that look like operators or paths are plain strings', async () => {
      for (const id of ['$where', 'a.b', '{"$gt":""}', 'ü-ß-𝄞']) {
        await create(store, id, { input: '{"$set":{"runtimeStatus":"Completed"}}' });
        expect(await store.getInstance(id)).toMatchObject({ instanceId: id, input: '{"$set":{"runtimeStatus":"Completed"}}', runtimeStatus: 'Pending' });
      }
      expect(await store.getInstance('a')).toBeUndefined();
    });
  });

  describe('listInstances', () => {
    async function seed(ids: string[], step = 10): Promise<void> {
      for (const [i, id] of ids.entries()) await create(store, id, { now: at(i * step) });
    }
    async function listAll(query: Parameters<InstanceStore['listInstances']>[0]): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.listInstances({ ...query, ...(token !== undefined && { continuationToken: token }) });
        ids.push(...page.instances.map((i) => i.instanceId));
        token = page.continuationToken;
        pages++;
      } while (token !== undefined && pages < 100);
      return { ids, pages };
    }

    it('lists by creation time then ID, page by page, with no token after the last page', async () => {
      await seed(['c', 'a', 'e', 'b', 'd']);
      await create(store, 'a2', { now: at(10) }); // same createdTime as 'a': the ID breaks the tie
      const first = await store.listInstances({ pageSize: 2 });
      expect(first.instances.map((i) => i.instanceId)).toEqual(['c', 'a']);
      expect(typeof first.continuationToken).toBe('string');
      expect(first.instances[0]).toMatchObject({ runtimeStatus: 'Pending', createdTime: T0, name: 'Orch' });
      expect(await listAll({ pageSize: 2 })).toEqual({ ids: ['c', 'a', 'a2', 'e', 'b', 'd'], pages: 3 });
      expect(await store.listInstances({})).toEqual({ instances: expect.any(Array) });
      expect((await store.listInstances({})).instances).toHaveLength(6);
    });

    it('pages in 100s by default', async () => {
      for (let i = 0; i < 101; i++) await create(store, `i${String(i).padStart(3, '0')}`, { now: at(i) });
      const page = await store.listInstances({});
      expect(page.instances).toHaveLength(100);
      const rest = await store.listInstances({ continuationToken: page.continuationToken! });
      expect(rest.instances.map((i) => i.instanceId)).toEqual(['i100']);
      expect(rest.continuationToken).toBeUndefined();
    });

    it('keeps its place when instances are created between pages', async () => {
      await seed(['a', 'b', 'c', 'd']);
      const first = await store.listInstances({ pageSize: 2 });
      expect(first.instances.map((i) => i.instanceId)).toEqual(['a', 'b']);
      await create(store, 'earlier', { now: at(-100) });
      await create(store, 'a-same-time', { now: at(10) }); // sorts before 'b' (same createdTime, lower ID): already passed
      await create(store, 'later', { now: at(1000) });
      const second = await store.listInstances({ pageSize: 2, continuationToken: first.continuationToken! });
      expect(second.instances.map((i) => i.instanceId)).toEqual(['c', 'd']);
      const third = await store.listInstances({ pageSize: 2, continuationToken: second.continuationToken! });
      expect(third.instances.map((i) => i.instanceId)).toEqual(['later']);
      expect(third.continuationToken).toBeUndefined();
    });

    it('filters by status, creation time (inclusive) and ID prefix', async () => {
      await seed(['order-1', 'order-2', 'order.3', 'ordex', 'invoice-1', 'order-4']);
      await runEpisode(store, 'order-1', { runtimeStatus: 'Completed', completedTime: at(100) }, at(100));
      await runEpisode(store, 'invoice-1', { runtimeStatus: 'Failed' }, at(100));
      expect((await listAll({ runtimeStatus: ['Completed', 'Failed'] })).ids).toEqual(['order-1', 'invoice-1']);
      expect((await listAll({ runtimeStatus: ['Pending'], pageSize: 1 })).ids).toEqual(['order-2', 'order.3', 'ordex', 'order-4']);
      expect((await listAll({ createdTimeFrom: at(10), createdTimeTo: at(30) })).ids).toEqual(['order-2', 'order.3', 'ordex']);
      expect((await listAll({ instanceIdPrefix: 'order' })).ids).toEqual(['order-1', 'order-2', 'order.3', 'order-4']);
      expect((await listAll({ instanceIdPrefix: 'order.' })).ids).toEqual(['order.3']);
      expect((await listAll({ instanceIdPrefix: 'ord', runtimeStatus: ['Pending'], createdTimeFrom: at(20) })).ids).toEqual(['order.3', 'ordex', 'order-4']);
      expect((await listAll({ instanceIdPrefix: '.*' })).ids).toEqual([]);
      expect((await listAll({ runtimeStatus: [] })).ids).toHaveLength(6);
    });

    it('matches ID prefixes literally, including non-ASCII ones', async () => {
      await seed(['ü1', 'ü2', 'üz', 'v', 'ü\u{10ffff}x', 'u', '𝄞a', '𝄞', '𝄟']);
      expect((await listAll({ instanceIdPrefix: 'ü' })).ids).toEqual(['ü1', 'ü2', 'üz', 'ü\u{10ffff}x']);
      expect((await listAll({ instanceIdPrefix: '𝄞' })).ids).toEqual(['𝄞a', '𝄞']);
    });

    it('refuses a malformed continuation token with INVALID_CONTINUATION_TOKEN', async () => {
      await seed(['a', 'b', 'c']);
      const good = (await store.listInstances({ pageSize: 1 })).continuationToken!;
      const bad = ['garbage!', '', Buffer.from('{"t":"x","id":"a"}').toString('base64url'), Buffer.from('[1]').toString('base64url'),
        Buffer.from('{"t":"2030-01-01T00:00:00.000Z"}').toString('base64url'), good.slice(0, -3), `${good}$`];
      for (const token of bad) {
        const error = await store.listInstances({ continuationToken: token }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DurableError);
        expect(error).toMatchObject({ code: 'INVALID_CONTINUATION_TOKEN' });
      }
    });

    it('refuses a bad page size', async () => {
      await expect(store.listInstances({ pageSize: 0 })).rejects.toBeInstanceOf(DurableError);
      await expect(store.listInstances({ pageSize: 1.5 })).rejects.toBeInstanceOf(DurableError);
    });
  });

  describe('readChildren', () => {
    const start = (instanceId: string, parent: string, parentExecutionId: string): Promise<void> => store.createInstance({
      instanceId, executionId: `${instanceId}-x`, name: 'Orch', input: undefined, now: T0,
      parentInstance: { instanceId: parent, executionId: parentExecutionId, name: 'Parent', taskScheduledId: 0 },
    });
    const read = async (parent: string, query?: ChildQuery): Promise<ChildInstance[]> => {
      const children: ChildInstance[] = [];
      for await (const child of store.readChildren(parent, query)) children.push(child);
      return children.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    };
    const ids = (children: readonly ChildInstance[]): string[] => children.map((c) => c.instanceId);

    it('reads the sub-orchestrations of a parent: all, one execution\'s, or only those not finished', async () => {
      await create(store, 'p');
      await start('c1', 'p', 'pe1');
      await start('c2', 'p', 'pe1');
      await start('c3', 'p', 'pe0');
      await start('other', 'q', 'pe1');
      await runEpisode(store, 'c2', { runtimeStatus: 'Completed' });
      expect(await read('p')).toEqual([
        { instanceId: 'c1', executionId: 'c1-x', runtimeStatus: 'Pending' },
        { instanceId: 'c2', executionId: 'c2-x', runtimeStatus: 'Completed' },
        { instanceId: 'c3', executionId: 'c3-x', runtimeStatus: 'Pending' },
      ]);
      expect(ids(await read('p', { parentExecutionId: 'pe1' }))).toEqual(['c1', 'c2']);
      expect(ids(await read('p', { activeOnly: true }))).toEqual(['c1', 'c3']);
      expect(ids(await read('p', { parentExecutionId: 'pe1', activeOnly: true }))).toEqual(['c1']);
      expect(await read('c1')).toEqual([]);
      expect(await read('nobody')).toEqual([]);
    });

    it('reads every child of a parent with more children than one batch', async () => {
      for (let i = 0; i < 250; i++) await start(`c-${String(i).padStart(3, '0')}`, 'p', 'pe');
      const children = await read('p');
      expect(children).toHaveLength(250);
      expect(new Set(ids(children)).size).toBe(250);
    });
  });

  describe('purgeInstance / purgeInstances', () => {
    it('deletes an instance with its history and messages', async () => {
      const executionId = await create(store, 'a');
      await runEpisode(store, 'a', { runtimeStatus: 'Completed' });
      await store.sendMessage('a', eventRaised('x', T0), { dedupeKey: 'k', now: T0 });
      await create(store, 'b');
      expect(await store.purgeInstance('a')).toBe(1);
      expect(await store.getInstance('a')).toBeUndefined();
      expect(await store.loadHistory('a', executionId)).toEqual([]);
      expect(await store.loadMessages('a')).toEqual([]);
      expect(await store.purgeInstance('a')).toBe(0);
      expect(await store.getInstance('b')).toBeDefined();
      // The ID is free again, dedupe keys included.
      await create(store, 'a');
      expect(await store.sendMessage('a', eventRaised('x', T0), { dedupeKey: 'k', now: T0 })).toBe(true);
    });

    it('purges every instance matching a query and counts them', async () => {
      for (let i = 0; i < 6; i++) await create(store, `i${i}`, { now: at(i * 10) });
      await runEpisode(store, 'i1', { runtimeStatus: 'Completed' }, at(100));
      await runEpisode(store, 'i2', { runtimeStatus: 'Completed' }, at(100));
      await runEpisode(store, 'i5', { runtimeStatus: 'Completed' }, at(100));
      expect(await store.purgeInstances({ createdTimeFrom: at(10), createdTimeTo: at(40), runtimeStatus: ['Completed'] })).toBe(2);
      const left = (await store.listInstances({})).instances.map((i) => i.instanceId);
      expect(left).toEqual(['i0', 'i3', 'i4', 'i5']);
      expect(await store.purgeInstances({ createdTimeFrom: T0 })).toBe(4);
      expect((await store.listInstances({})).instances).toEqual([]);
    });

    it('requires createdTimeFrom', async () => {
      await create(store, 'a');
      await expect(store.purgeInstances({})).rejects.toBeInstanceOf(DurableError);
      expect(await store.getInstance('a')).toBeDefined();
    });
  });
}
