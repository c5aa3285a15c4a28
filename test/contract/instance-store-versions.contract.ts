// The instance-store contract (see instance-store.contract.ts): what instance versions and stuck retries ask of a
// store — an instance's orchestration version, claims limited to the versions a worker accepts, and making stuck
// instances claimable before their backoff (by instance, or by the code fingerprint they got stuck under).
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { InstanceStore, WorkItem } from '../../src/ports/instance-store.js';
import type { VersionClaim } from '../../src/ports/work-claims.js';
import { at, claim, episode, FAILURE, LEASE_MS, orchestratorCompleted, orchestratorStarted, runEpisode, T0 } from './instance-store-fixtures.js';

/** The instance-store contract's tests of versions and stuck retries. */
export function describeInstanceStoreVersions(current: () => InstanceStore): void {
  let store: InstanceStore;

  beforeEach(() => {
    store = current();
  });

  const start = (instanceId: string, version?: string, now = T0): Promise<void> => store.createInstance({
    instanceId, executionId: `${instanceId}-e1`, name: 'Orch', input: undefined, now, ...(version === undefined ? {} : { orchestrationVersion: version }),
  });

  /** Every instance a worker with `versions` can claim now, in claim order (each claimed once, leases kept). */
  async function claimable(versions: VersionClaim): Promise<string[]> {
    const ids: string[] = [];
    for (let item = await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(100), versions }); item !== undefined;
      item = await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(100), versions })) ids.push(item.instance.instanceId);
    return ids;
  }

  /** Claims `instanceId` and marks it stuck under `fingerprint`, released with a retry time 5 s later. */
  async function stuck(instanceId: string, fingerprint: string | undefined, now: Date): Promise<WorkItem> {
    const item = await claim(store, now);
    expect(item.instance.instanceId).toBe(instanceId);
    await store.markStuck(instanceId, item.leaseToken, FAILURE, { fail: false, now, ...(fingerprint === undefined ? {} : { fingerprint }) });
    await store.releaseWork(item, { moreWork: true, succeeded: true, retryAt: new Date(now.getTime() + 5_000), now });
    return item;
  }

  describe('orchestration versions', () => {
    it('keeps the version an instance was started with, apart from the concurrency version', async () => {
      await start('v', '1.10');
      await start('none');
      expect(await store.getInstance('v')).toMatchObject({ orchestrationVersion: '1.10', version: 0 });
      expect((await store.getInstance('none'))?.orchestrationVersion).toBeUndefined();
      expect((await store.listInstances({})).instances.find((i) => i.instanceId === 'v')?.orchestrationVersion).toBe('1.10');
    });

    it('claims only the versions asked for, compared numerically; no version is the oldest', async () => {
      await start('none', undefined, at(1));
      await start('v1.9', '1.9', at(2));
      await start('v1.10', '1.10', at(3));
      await start('v1.010', '1.010', at(4));
      await start('v1.11', '1.11', at(5));
      await start('v2', '2', at(6));
      expect(await claimable({ match: 'currentOrOlder', version: '1.10' })).toEqual(['none', 'v1.9', 'v1.10', 'v1.010']);
    });

    it("'strict' claims exactly its version ('1.010' is '1.10'); a worker without a version claims unversioned instances", async () => {
      await start('none', undefined, at(1));
      await start('v1.10', '1.10', at(2));
      await start('v1.010', '1.010', at(3));
      await start('v2', '2', at(4));
      expect(await claimable({ match: 'strict', version: '1.10' })).toEqual(['v1.10', 'v1.010']);
      expect(await claimable({ match: 'strict', version: undefined })).toEqual(['none']);
    });

    it('claimInstance respects the versions asked for', async () => {
      await start('v2', '2');
      await runEpisode(store, 'v2', { runtimeStatus: 'Running' }, at(0));
      const options = { workerId: 'w', leaseMs: LEASE_MS, now: at(1) };
      expect(await store.claimInstance('v2', 'v2-e1', { ...options, versions: { match: 'strict', version: '1' } })).toBeUndefined();
      expect((await store.claimInstance('v2', 'v2-e1', { ...options, versions: { match: 'currentOrOlder', version: '2.0' } }))?.instance.instanceId).toBe('v2');
    });
  });

  describe('retryStuck', () => {
    it('makes one stuck instance claimable now, before its retry time; not one that is not stuck', async () => {
      await start('s');
      await stuck('s', 'code-a', at(0));
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(10) })).toBeUndefined();
      expect(await store.retryStuck({ instanceId: 's', now: at(10) })).toBe(1);
      expect((await claim(store, at(10))).instance.instanceId).toBe('s');
      await start('fine', undefined, at(20));
      expect(await store.retryStuck({ instanceId: 'fine', now: at(30) })).toBe(0);
      expect(await store.retryStuck({ instanceId: 'none-such', now: at(30) })).toBe(0);
    });

    it('retries the instances stuck under another fingerprint, not those stuck under the same one or none', async () => {
      await start('a', undefined, at(0));
      await start('b', undefined, at(1));
      await start('poison', undefined, at(2));
      await stuck('a', 'code-a', at(10));
      await stuck('b', 'code-b', at(11));
      await stuck('poison', undefined, at(12));
      expect(await store.retryStuck({ exceptFingerprint: 'code-b', now: at(20) })).toBe(1);
      expect((await claim(store, at(20))).instance.instanceId).toBe('a');
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(20) })).toBeUndefined();
    });

    it('forgets the fingerprint with the stuck marker: a commit clears both', async () => {
      await start('s');
      await stuck('s', 'code-a', at(0));
      const item = await claim(store, at(6_000));
      const ok = await store.commitEpisode(episode(item, [orchestratorStarted(at(6_000)), orchestratorCompleted(at(6_000))], { firstEventIndex: 0, now: at(6_000) }));
      expect(ok).toBe(true);
      await store.releaseWork(item, { moreWork: true, succeeded: true, retryAt: at(60_000), now: at(6_000) });
      expect((await store.getInstance('s'))?.stuck).toBeUndefined();
      expect(await store.retryStuck({ exceptFingerprint: 'other', now: at(7_000) })).toBe(0);
    });
  });
}
