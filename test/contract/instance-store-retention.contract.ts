// The instance-store contract (see instance-store.contract.ts): what retention and purges by completion time ask of a
// store — finding finished instances in completion order, and purging one only while it is the execution found.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DurableError } from '../../src/core/durable-error.js';
import type { InstanceStore, RuntimeStatus } from '../../src/ports/instance-store.js';
import { at, claim, create, FAILURE, runEpisode } from './instance-store-fixtures.js';

/** The instance-store contract's tests of finished instances: `findFinishedInstances`, conditional `purgeInstance`. */
export function describeInstanceStoreRetention(current: () => InstanceStore): void {
  let store: InstanceStore;

  beforeEach(() => {
    store = current();
  });

  /** Creates `id` at `createdMs` and ends it with `status` at `completedMs` (a commit setting completedTime). */
  async function finish(id: string, status: 'Completed' | 'Failed' | 'Terminated', createdMs: number, completedMs: number): Promise<string> {
    const executionId = await create(store, id, { now: at(createdMs) });
    await runEpisode(store, id, { runtimeStatus: status, completedTime: at(completedMs) }, at(completedMs));
    return executionId;
  }

  const ids = (found: readonly { instanceId: string }[]): string[] => found.map((f) => f.instanceId);

  describe('findFinishedInstances', () => {
    it('reads finished instances in completion order, within the range and statuses asked, never running ones', async () => {
      await finish('late-created', 'Completed', 50, 100);
      await finish('early-created', 'Completed', 10, 300);
      const failedExecution = await finish('failed', 'Failed', 20, 200);
      await finish('terminated', 'Terminated', 30, 400);
      await create(store, 'running', { now: at(5) });
      await runEpisode(store, 'running', { runtimeStatus: 'Running' }, at(50));

      const all = await store.findFinishedInstances({ limit: 100 });
      expect(ids(all)).toEqual(['late-created', 'failed', 'early-created', 'terminated']);
      expect(all[1]).toEqual({ instanceId: 'failed', executionId: failedExecution, runtimeStatus: 'Failed', completedTime: at(200) });
      expect(ids(await store.findFinishedInstances({ completedTimeTo: at(250), limit: 100 }))).toEqual(['late-created', 'failed']);
      expect(ids(await store.findFinishedInstances({ completedTimeFrom: at(200), completedTimeTo: at(300), limit: 100 }))).toEqual(['failed', 'early-created']);
      expect(ids(await store.findFinishedInstances({ runtimeStatus: ['Completed'], limit: 100 }))).toEqual(['late-created', 'early-created']);
      expect(ids(await store.findFinishedInstances({ createdTimeFrom: at(20), createdTimeTo: at(40), limit: 100 }))).toEqual(['failed', 'terminated']);
      expect(await store.findFinishedInstances({ runtimeStatus: ['Running', 'Pending'], limit: 100 })).toEqual([]);
    });

    it('reads a bounded batch and resumes after a position', async () => {
      for (let i = 0; i < 5; i++) await finish(`i${i}`, 'Completed', i, 100 + (i % 2));
      const first = await store.findFinishedInstances({ limit: 2 });
      expect(ids(first)).toEqual(['i0', 'i2']);
      const last = first[1]!;
      const next = await store.findFinishedInstances({ limit: 10, after: { completedTime: last.completedTime, instanceId: last.instanceId } });
      expect(ids(next)).toEqual(['i4', 'i1', 'i3']);
    });

    it("names a sub-orchestration's parent execution", async () => {
      await store.createInstance({
        instanceId: 'child', executionId: 'ce', name: 'Orch', input: undefined, now: at(0),
        parentInstance: { instanceId: 'parent', executionId: 'pe', name: 'Parent', taskScheduledId: 3 },
      });
      await runEpisode(store, 'child', { runtimeStatus: 'Completed', completedTime: at(10) }, at(10));
      expect(await store.findFinishedInstances({ limit: 10 })).toEqual([
        { instanceId: 'child', executionId: 'ce', runtimeStatus: 'Completed', completedTime: at(10), parent: { instanceId: 'parent', executionId: 'pe' } },
      ]);
    });

    it('finds an instance failed by markStuck (a poison episode) by the time it failed', async () => {
      await create(store, 'poison', { now: at(0) });
      const item = await claim(store, at(5));
      await store.markStuck('poison', item.leaseToken, FAILURE, { fail: true, now: at(7) });
      expect(await store.findFinishedInstances({ limit: 10 })).toMatchObject([{ instanceId: 'poison', runtimeStatus: 'Failed', completedTime: at(7) }]);
    });

    it('rejects an invalid query', async () => {
      await expect(store.findFinishedInstances({ limit: 0 })).rejects.toBeInstanceOf(DurableError);
      await expect(store.findFinishedInstances({ limit: 10, completedTimeTo: new Date(Number.NaN) })).rejects.toBeInstanceOf(DurableError);
      await expect(store.findFinishedInstances({ limit: 10, runtimeStatus: ['Done' as RuntimeStatus] })).rejects.toBeInstanceOf(DurableError);
    });
  });

  describe('purgeInstance with only an execution', () => {
    it('purges the finished execution it names, once', async () => {
      const executionId = await finish('a', 'Completed', 0, 10);
      expect(await store.purgeInstance('a', { executionId: 'other' })).toBe(0);
      expect(await store.purgeInstance('a', { executionId })).toBe(1);
      expect(await store.purgeInstance('a', { executionId })).toBe(0);
      expect(await store.getInstance('a')).toBeUndefined();
      expect(await store.loadHistory('a', executionId)).toEqual([]);
    });

    it('leaves an instance that runs again (restarted under the same ID) with its history', async () => {
      const old = await finish('a', 'Completed', 0, 10);
      const restarted = await create(store, 'a', { now: at(20) });
      await runEpisode(store, 'a', { runtimeStatus: 'Running' }, at(30));
      expect(await store.purgeInstance('a', { executionId: old })).toBe(0);
      expect(await store.purgeInstance('a', { executionId: restarted })).toBe(0);
      expect((await store.getInstance('a'))?.runtimeStatus).toBe('Running');
      expect(await store.loadHistory('a', restarted)).not.toEqual([]);
    });
  });
}
