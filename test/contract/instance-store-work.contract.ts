// The instance-store contract (see instance-store.contract.ts), part 2 of 3: messages, claims, leases and releases.
import { beforeEach, describe, expect, it } from '@jest/globals';
import type { InstanceStore } from '../../src/ports/instance-store.js';
import {
  at, claim, create, episode, eventRaised, LEASE_MS, orchestratorStarted, runEpisode, T0, taskCompleted, timerFired,
} from './instance-store-fixtures.js';

/** The instance-store contract's tests of work: messages that flag it, claims that take it, leases that hold it. */
export function describeInstanceStoreWork(current: () => InstanceStore): void {
  let store: InstanceStore;

  beforeEach(() => {
    store = current();
  });

  describe('sendMessage / loadMessages / deleteMessages', () => {
    it('queues messages oldest first, with their events intact', async () => {
      await create(store, 'a');
      const first = timerFired(2, at(5), at(4));
      const second = eventRaised('approve', at(6), '"yes"');
      expect(await store.sendMessage('a', first, { now: at(5) })).toBe(true);
      expect(await store.sendMessage('a', second, { now: at(6) })).toBe(true);
      const messages = await store.loadMessages('a');
      expect(messages.map((m) => m.event)).toEqual([first, second]);
      expect(messages.map((m) => m.createdAt)).toEqual([at(5), at(6)]);
      expect(messages.every((m) => m.instanceId === 'a' && typeof m.id === 'string')).toBe(true);
      expect(new Set(messages.map((m) => m.id)).size).toBe(2);
      const fired = messages[0]?.event;
      expect(fired?.timestamp).toBeInstanceOf(Date);
      expect(fired?.type === 'TimerFired' ? fired.fireAt : undefined).toBeInstanceOf(Date);
    });

    it('keeps the execution a message is for', async () => {
      const executionId = await create(store, 'a');
      await store.sendMessage('a', taskCompleted(0, T0, '1'), { executionId, dedupeKey: 'r0', now: T0 });
      await store.sendMessage('a', eventRaised('any', at(1)), { now: at(1) });
      const [result, raised] = await store.loadMessages('a');
      expect(result?.executionId).toBe(executionId);
      expect(raised?.executionId).toBeUndefined();
    });

    it('keeps the order of messages sent in the same millisecond', async () => {
      await create(store, 'a');
      for (let i = 0; i < 5; i++) await store.sendMessage('a', eventRaised(`e${i}`, T0), { now: T0 });
      expect((await store.loadMessages('a')).map((m) => (m.event.type === 'EventRaised' ? m.event.name : ''))).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    });

    it('absorbs a duplicate delivery with the same dedupeKey', async () => {
      await create(store, 'a');
      expect(await store.sendMessage('a', taskCompleted(0, T0, '1'), { dedupeKey: 'task-0', now: T0 })).toBe(true);
      expect(await store.sendMessage('a', taskCompleted(0, at(1), '1'), { dedupeKey: 'task-0', now: at(1) })).toBe(false);
      expect(await store.sendMessage('a', taskCompleted(1, at(2), '2'), { dedupeKey: 'task-1', now: at(2) })).toBe(true);
      expect(await store.sendMessage('a', eventRaised('x', at(3)), { now: at(3) })).toBe(true);
      expect(await store.sendMessage('a', eventRaised('x', at(3)), { now: at(3) })).toBe(true);
      expect(await store.loadMessages('a')).toHaveLength(4);
    });

    it('absorbs concurrent duplicate deliveries: exactly one is queued', async () => {
      await create(store, 'a');
      const results = await Promise.all([1, 2, 3].map(() => store.sendMessage('a', taskCompleted(0, T0), { dedupeKey: 'd', now: T0 })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.loadMessages('a')).toHaveLength(1);
    });

    it('returns false for an unknown instance and keeps nothing', async () => {
      expect(await store.sendMessage('ghost', eventRaised('x', T0), { dedupeKey: 'k', now: T0 })).toBe(false);
      expect(await store.loadMessages('ghost')).toEqual([]);
      // The dedupe key was not consumed by the refused message.
      await create(store, 'ghost');
      expect(await store.sendMessage('ghost', eventRaised('x', T0), { dedupeKey: 'k', now: T0 })).toBe(true);
    });

    it('flags an idle instance as having work', async () => {
      await create(store, 'a');
      const item = await claim(store);
      await store.releaseWork(item, { moreWork: false, succeeded: true, now: T0 });
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(1) })).toBeUndefined();
      await store.sendMessage('a', eventRaised('x', at(2)), { now: at(2) });
      const next = await claim(store, at(2));
      expect(next.instance.instanceId).toBe('a');
      expect(next.workSeq).toBeGreaterThan(item.workSeq);
    });

    it('does not make a scheduled instance claimable before its start', async () => {
      await create(store, 'a', { scheduledStartTime: at(60_000) });
      await store.sendMessage('a', eventRaised('early', at(1)), { now: at(1) });
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(2) })).toBeUndefined();
      expect((await claim(store, at(60_000))).instance.instanceId).toBe('a');
    });

    it('deleteMessages deletes exactly the given messages, and tolerates unknown IDs', async () => {
      await create(store, 'a');
      for (let i = 0; i < 3; i++) await store.sendMessage('a', eventRaised(`e${i}`, at(i)), { now: at(i) });
      const [m0, m1, m2] = await store.loadMessages('a');
      await store.deleteMessages([m0!.id, m2!.id, 'not-a-message']);
      expect((await store.loadMessages('a')).map((m) => m.id)).toEqual([m1!.id]);
      await store.deleteMessages([]);
      expect(await store.loadMessages('a')).toHaveLength(1);
    });
  });

  describe('claimWork', () => {
    it('returns undefined when there is no work', async () => {
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: T0 })).toBeUndefined();
    });

    it('leases a new instance and counts the attempt', async () => {
      const executionId = await create(store, 'a');
      const item = await claim(store);
      expect(item.instance).toMatchObject({ instanceId: 'a', executionId, runtimeStatus: 'Pending', claimAttempts: 1, version: 0 });
      expect(typeof item.leaseToken).toBe('string');
      expect(typeof item.workSeq).toBe('number');
      expect((await store.getInstance('a'))?.claimAttempts).toBe(1);
    });

    it('calls the first claim of a new instance fresh, and no claim after anything happened to it', async () => {
      await create(store, 'a');
      const first = await claim(store);
      expect(first.fresh).toBe(true);
      // Released without a commit and with nothing sent meanwhile: nothing happened, still fresh.
      await store.releaseWork(first, { moreWork: true, succeeded: true, now: T0 });
      const again = await claim(store);
      expect(again.fresh).toBe(true);
      // A failed attempt stays counted: not fresh.
      await store.releaseWork(again, { moreWork: true, succeeded: false, now: T0 });
      expect((await claim(store)).fresh).not.toBe(true);
      // A message sent before the first claim: the inbox is not empty.
      await create(store, 'b');
      await store.sendMessage('b', eventRaised('go', T0), { now: T0 });
      expect((await claim(store)).fresh).not.toBe(true);
      // A claim that took over an expired lease.
      await create(store, 'c');
      expect((await claim(store, T0, 'w1')).fresh).toBe(true);
      expect((await claim(store, at(LEASE_MS), 'w2')).fresh).not.toBe(true);
    });

    it('does not call a claim fresh once an episode of the execution committed', async () => {
      await create(store, 'a');
      await runEpisode(store, 'a', { runtimeStatus: 'Running' });
      await store.sendMessage('a', eventRaised('go', at(1)), { now: at(1) });
      expect((await claim(store, at(2))).fresh).not.toBe(true);
    });

    it('does not hand a leased instance to another worker until the lease expires', async () => {
      await create(store, 'a');
      const first = await claim(store, T0, 'w1');
      expect(await store.claimWork({ workerId: 'w2', leaseMs: LEASE_MS, now: at(LEASE_MS - 1) })).toBeUndefined();
      const second = await claim(store, at(LEASE_MS), 'w2');
      expect(second.instance.instanceId).toBe('a');
      expect(second.leaseToken).not.toBe(first.leaseToken);
      expect(second.instance.claimAttempts).toBe(2);
    });

    it('names the worker whose expired lease a claim took over, and none after a release', async () => {
      await create(store, 'a');
      const first = await claim(store, T0, 'w1');
      expect(first.takenOverFrom).toBeUndefined();
      const second = await claim(store, at(LEASE_MS), 'w2');
      expect(second.takenOverFrom).toBe('w1');
      await store.releaseWork(second, { moreWork: true, succeeded: true, now: at(LEASE_MS + 1) });
      expect((await claim(store, at(LEASE_MS + 2), 'w3')).takenOverFrom).toBeUndefined();
    });

    it('claims the oldest work first', async () => {
      await create(store, 'newer', { now: at(10) });
      await create(store, 'older', { now: at(5) });
      await create(store, 'scheduled', { now: at(0), scheduledStartTime: at(20) });
      expect((await claim(store, at(30))).instance.instanceId).toBe('older');
      expect((await claim(store, at(30))).instance.instanceId).toBe('newer');
      expect((await claim(store, at(30))).instance.instanceId).toBe('scheduled');
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(30) })).toBeUndefined();
    });

    it('waits for the scheduled start', async () => {
      await create(store, 'a', { scheduledStartTime: at(1000) });
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(999) })).toBeUndefined();
      expect((await claim(store, at(1000))).instance.scheduledStartTime).toEqual(at(1000));
    });

    it('gives each of many concurrent claimers a different instance', async () => {
      for (let i = 0; i < 5; i++) await create(store, `i${i}`, { now: at(i) });
      const items = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimWork({ workerId: `w${i}`, leaseMs: LEASE_MS, now: at(10) })));
      const claimed = items.flatMap((item) => (item === undefined ? [] : [item.instance.instanceId]));
      expect(claimed.sort()).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
    });
  });

  describe('nextWorkTime', () => {
    it('is undefined without pending work, and ignores work claimable now', async () => {
      expect(await store.nextWorkTime(T0)).toBeUndefined();
      await create(store, 'a');
      expect(await store.nextWorkTime(at(1))).toBeUndefined();
    });

    it('names the earliest scheduled start', async () => {
      await create(store, 'late', { scheduledStartTime: at(9000) });
      await create(store, 'soon', { scheduledStartTime: at(4000) });
      expect(await store.nextWorkTime(T0)).toEqual(at(4000));
      expect(await store.nextWorkTime(at(4000))).toEqual(at(9000));
    });

    it('names the expiry of a lease held on pending work', async () => {
      await create(store, 'a');
      await claim(store, T0);
      expect(await store.nextWorkTime(at(1))).toEqual(at(LEASE_MS));
      await create(store, 'b', { scheduledStartTime: at(100) });
      expect(await store.nextWorkTime(at(1))).toEqual(at(100));
    });

    it('ignores leased instances without pending work', async () => {
      await create(store, 'a');
      const item = await claim(store, T0);
      await store.releaseWork(item, { moreWork: false, succeeded: true, now: T0 });
      expect(await store.nextWorkTime(at(1))).toBeUndefined();
    });
  });

  describe('claimInstance', () => {
    it('claims a running instance of that execution without pending work, and tells that nothing is flagged', async () => {
      const executionId = await create(store, 'a');
      await runEpisode(store, 'a', { runtimeStatus: 'Running' });
      const item = await store.claimInstance('a', executionId, { workerId: 'w2', leaseMs: LEASE_MS, now: at(1) });
      expect(item).toMatchObject({ instance: { instanceId: 'a', claimAttempts: 1 }, workPending: false });
      expect(await store.claimWork({ workerId: 'w3', leaseMs: LEASE_MS, now: at(2) })).toBeUndefined();
      expect(await store.claimInstance('a', executionId, { workerId: 'w3', leaseMs: LEASE_MS, now: at(2) })).toBeUndefined();
      const takeover = await store.claimInstance('a', executionId, { workerId: 'w3', leaseMs: LEASE_MS, now: at(LEASE_MS + 2) });
      expect(takeover?.instance.instanceId).toBe('a');
      expect(takeover?.takenOverFrom).toBe('w2');
    });

    it('flags the instance it claims, so that it is claimed again if its worker dies holding the lease', async () => {
      const executionId = await create(store, 'a');
      await runEpisode(store, 'a', { runtimeStatus: 'Running' });
      expect(await store.claimInstance('a', executionId, { workerId: 'w2', leaseMs: LEASE_MS, now: at(1) })).toBeDefined();
      expect(await store.claimWork({ workerId: 'w3', leaseMs: LEASE_MS, now: at(2) })).toBeUndefined();
      const rescue = await store.claimWork({ workerId: 'w3', leaseMs: LEASE_MS, now: at(LEASE_MS + 2) });
      expect(rescue?.instance.instanceId).toBe('a');
      await store.releaseWork(rescue!, { moreWork: false, succeeded: true, now: at(LEASE_MS + 3) });
      expect(await store.claimWork({ workerId: 'w3', leaseMs: LEASE_MS, now: at(LEASE_MS + 4) })).toBeUndefined();
    });

    it('reports flagged work, and refuses another execution, a finished instance and a pending one', async () => {
      const executionId = await create(store, 'a');
      expect(await store.claimInstance('a', executionId, { workerId: 'w', leaseMs: LEASE_MS, now: T0 })).toBeUndefined();
      await runEpisode(store, 'a', { runtimeStatus: 'Running' });
      await store.sendMessage('a', eventRaised('go', at(1)), { now: at(1) });
      expect(await store.claimInstance('a', 'other', { workerId: 'w', leaseMs: LEASE_MS, now: at(1) })).toBeUndefined();
      const item = await store.claimInstance('a', executionId, { workerId: 'w', leaseMs: LEASE_MS, now: at(1) });
      expect(item?.workPending).toBe(true);
      await store.releaseWork(item!, { moreWork: true, succeeded: true, now: at(1) });
      await runEpisode(store, 'a', { runtimeStatus: 'Completed', completedTime: at(2) }, at(2));
      expect(await store.claimInstance('a', executionId, { workerId: 'w', leaseMs: LEASE_MS, now: at(3) })).toBeUndefined();
    });
  });

  describe('renewLease', () => {
    it('extends the lease of its holder, so no other worker claims the instance meanwhile', async () => {
      await create(store, 'a');
      const item = await claim(store, T0, 'w1');
      expect(await store.renewLease(item, { leaseMs: LEASE_MS, now: at(LEASE_MS - 1) })).toBe(true);
      expect(await store.claimWork({ workerId: 'w2', leaseMs: LEASE_MS, now: at(2 * LEASE_MS - 2) })).toBeUndefined();
      expect((await claim(store, at(2 * LEASE_MS - 1), 'w2')).instance.instanceId).toBe('a');
    });

    it('answers false once another worker holds the lease, and leaves that lease alone', async () => {
      await create(store, 'a');
      const stale = await claim(store, T0, 'w1');
      const current = await claim(store, at(LEASE_MS), 'w2');
      expect(await store.renewLease(stale, { leaseMs: 10 * LEASE_MS, now: at(LEASE_MS + 1) })).toBe(false);
      // w2's lease still ends at 2 × LEASE_MS: the stale renewal did not extend it.
      expect((await claim(store, at(2 * LEASE_MS), 'w3')).leaseToken).not.toBe(current.leaseToken);
    });
  });

  describe('releaseWork', () => {
    it('clears the work flag when nothing arrived and no more work is reported; resets claimAttempts on success', async () => {
      await create(store, 'a');
      const item = await claim(store);
      expect(await store.releaseWork(item, { moreWork: false, succeeded: true, now: at(1) })).toBe(true);
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(2) })).toBeUndefined();
      expect(await store.nextWorkTime(at(2))).toBeUndefined();
      expect((await store.getInstance('a'))?.claimAttempts).toBe(0);
    });

    it('keeps the instance claimable when more work is reported', async () => {
      await create(store, 'a');
      const item = await claim(store);
      await store.releaseWork(item, { moreWork: true, succeeded: true, now: at(1) });
      expect((await claim(store, at(1))).instance.instanceId).toBe('a');
    });

    it('keeps the instance flagged when a message arrived after the claim', async () => {
      await create(store, 'a');
      const item = await claim(store);
      await store.sendMessage('a', eventRaised('late', at(1)), { now: at(1) });
      await store.releaseWork(item, { moreWork: false, succeeded: true, now: at(2) });
      const next = await claim(store, at(2));
      expect(next.instance.instanceId).toBe('a');
      expect(await store.loadMessages('a')).toHaveLength(1);
    });

    it('never loses a message racing with the release', async () => {
      for (let round = 0; round < 10; round++) {
        const id = `r${round}`;
        await create(store, id, { now: at(round) });
        const item = await claim(store, at(round));
        expect(item.instance.instanceId).toBe(id);
        await Promise.all([
          store.releaseWork(item, { moreWork: false, succeeded: true, now: at(round) }),
          store.sendMessage(id, eventRaised('race', at(round)), { now: at(round) }),
        ]);
        const next = await claim(store, at(round));
        expect(next.instance.instanceId).toBe(id);
        await store.deleteMessages((await store.loadMessages(id)).map((m) => m.id));
        await store.releaseWork(next, { moreWork: false, succeeded: true, now: at(round) });
      }
    });

    it('with retryAt, keeps the instance flagged but not claimable before then', async () => {
      await create(store, 'a');
      const item = await claim(store);
      await store.releaseWork(item, { moreWork: false, succeeded: true, retryAt: at(5000), now: at(1) });
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(4999) })).toBeUndefined();
      expect(await store.nextWorkTime(at(2))).toEqual(at(5000));
      expect((await claim(store, at(5000))).instance.instanceId).toBe('a');
    });

    it('with retryAt, also delays work that arrived during the episode', async () => {
      await create(store, 'a');
      const item = await claim(store);
      await store.sendMessage('a', eventRaised('late', at(1)), { now: at(1) });
      await store.releaseWork(item, { moreWork: true, succeeded: false, retryAt: at(5000), now: at(2) });
      expect(await store.claimWork({ workerId: 'w', leaseMs: LEASE_MS, now: at(4999) })).toBeUndefined();
      expect((await claim(store, at(5000))).instance.instanceId).toBe('a');
    });

    it('counts consecutive unsuccessful claims', async () => {
      await create(store, 'a');
      for (let i = 1; i <= 3; i++) {
        const item = await claim(store, at(i));
        expect(item.instance.claimAttempts).toBe(i);
        await store.releaseWork(item, { moreWork: true, succeeded: false, now: at(i) });
      }
      const item = await claim(store, at(10));
      await store.releaseWork(item, { moreWork: true, succeeded: true, now: at(10) });
      expect((await store.getInstance('a'))?.claimAttempts).toBe(0);
    });

    it('takes back the claim\'s count when the failure was not the instance\'s (uncounted)', async () => {
      await create(store, 'a');
      const first = await claim(store, at(1));
      await store.releaseWork(first, { moreWork: true, succeeded: false, now: at(1) });
      for (let i = 2; i <= 5; i++) {
        const item = await claim(store, at(i));
        // The count the claim made is withdrawn again: only the one counted failure remains.
        expect(item.instance.claimAttempts).toBe(2);
        await store.releaseWork(item, { moreWork: true, succeeded: false, uncounted: true, now: at(i), ...(i === 5 ? { retryAt: at(50) } : {}) });
        expect((await store.getInstance('a'))?.claimAttempts).toBe(1);
      }
      // With a message arriving meanwhile (the release's second path), the same.
      const item = await claim(store, at(50));
      await store.sendMessage('a', eventRaised('late', at(51)), { now: at(51) });
      await store.releaseWork(item, { moreWork: false, succeeded: false, uncounted: true, now: at(52) });
      expect((await store.getInstance('a'))?.claimAttempts).toBe(1);
    });

    it('uncountClaim takes back one count, never below 0', async () => {
      await create(store, 'a');
      const first = await claim(store, at(1));
      await store.releaseWork(first, { moreWork: true, succeeded: false, now: at(1) });
      await claim(store, at(2));
      expect((await store.getInstance('a'))?.claimAttempts).toBe(2);
      await store.uncountClaim('a');
      expect((await store.getInstance('a'))?.claimAttempts).toBe(1);
      await store.uncountClaim('a');
      await store.uncountClaim('a');
      expect((await store.getInstance('a'))?.claimAttempts).toBe(0);
      await store.uncountClaim('missing');
    });

    it("does not release another worker's lease", async () => {
      await create(store, 'a');
      const stale = await claim(store, T0, 'w1');
      const current = await claim(store, at(LEASE_MS), 'w2');
      expect(await store.releaseWork(stale, { moreWork: false, succeeded: true, now: at(LEASE_MS + 1) })).toBe(false);
      expect(await store.claimWork({ workerId: 'w3', leaseMs: LEASE_MS, now: at(LEASE_MS + 2) })).toBeUndefined();
      expect(await store.commitEpisode(episode(current, [orchestratorStarted(at(LEASE_MS))]))).toBe(true);
    });
  });
}
