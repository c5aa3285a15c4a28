// The behavioural contract of InstanceStore (src/ports/instance-store.ts), written once and run against every
// adapter (see mongo-instance-store.test.ts). Everything here is observable through the port alone; adapter-specific
// storage details (document shapes, chunk splitting, indexes) are tested next to the adapter.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DurableError } from '../../src/core/durable-error.js';
import { InstanceAlreadyExistsError } from '../../src/core/errors/instance-already-exists-error.js';
import type { HistoryEvent } from '../../src/history/history-event.js';
import type { InstanceStore, RuntimeStatus, WorkItem } from '../../src/ports/instance-store.js';
import {
  allEvents, at, claim, create, episode, eventRaised, executionStarted, FAILURE, LEASE_MS, orchestratorCompleted,
  orchestratorStarted, runEpisode, T0, taskCompleted, taskFailed, taskScheduled, timerCreated, timerFired,
} from './instance-store-fixtures.js';

/** A fresh, empty store (with its schema ensured) and how to dispose of it. */
export type InstanceStoreFactory = () => Promise<{ store: InstanceStore; close(): Promise<void> }>;

/** Registers the instance-store contract for one adapter. Each test gets a fresh store from `factory`. */
export function describeInstanceStoreContract(name: string, factory: InstanceStoreFactory): void {
  describe(`InstanceStore contract: ${name}`, () => {
    let store: InstanceStore;
    let close: () => Promise<void>;

    beforeEach(async () => {
      ({ store, close } = await factory());
    });
    afterEach(async () => {
      await close();
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

      it('does not hand a leased instance to another worker until the lease expires', async () => {
        await create(store, 'a');
        const first = await claim(store, T0, 'w1');
        expect(await store.claimWork({ workerId: 'w2', leaseMs: LEASE_MS, now: at(LEASE_MS - 1) })).toBeUndefined();
        const second = await claim(store, at(LEASE_MS), 'w2');
        expect(second.instance.instanceId).toBe('a');
        expect(second.leaseToken).not.toBe(first.leaseToken);
        expect(second.instance.claimAttempts).toBe(2);
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

    describe('commitEpisode / loadHistory', () => {
      it('commits an episode: history appended, instance updated, consumed messages deleted', async () => {
        const executionId = await create(store, 'a');
        await store.sendMessage('a', eventRaised('go', at(1)), { now: at(1) });
        await store.sendMessage('a', eventRaised('other', at(2)), { now: at(2) });
        const item = await claim(store, at(3));
        const [consumed] = await store.loadMessages('a');
        const events = [orchestratorStarted(at(3)), executionStarted('a', executionId, at(3)), eventRaised('go', at(3)), taskScheduled(0, at(3), '"x"'), orchestratorCompleted(at(3))];
        const ok = await store.commitEpisode(episode(item, events, { consumedMessageIds: [consumed!.id], update: { runtimeStatus: 'Running', customStatus: '"step1"' }, now: at(4) }));
        expect(ok).toBe(true);
        expect(await store.getInstance('a')).toMatchObject({
          runtimeStatus: 'Running', customStatus: '"step1"', historyLength: 5, version: 1, lastUpdatedTime: at(4), createdTime: T0,
        });
        expect(await store.loadHistory('a', executionId)).toEqual([{ firstEventIndex: 0, events, consumedMessageIds: [consumed!.id], undispatched: true }]);
        expect((await store.loadMessages('a')).map((m) => m.event)).toEqual([eventRaised('other', at(2))]);
      });

      it('appends later episodes after earlier ones', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        const e1 = [orchestratorStarted(T0), executionStarted('a', executionId, T0), timerCreated(0, T0, at(50)), orchestratorCompleted(T0)];
        expect(await store.commitEpisode(episode(item, e1))).toBe(true);
        await store.releaseWork(item, { moreWork: false, succeeded: true, now: T0 });
        await store.sendMessage('a', timerFired(0, at(50), at(50)), { now: at(50) });
        const next = await claim(store, at(50));
        expect(next.instance).toMatchObject({ historyLength: 4, version: 1 });
        const e2 = [orchestratorStarted(at(50)), timerFired(0, at(50), at(50)), orchestratorCompleted(at(50))];
        expect(await store.commitEpisode(episode(next, e2, { update: { runtimeStatus: 'Completed', output: '"ok"', completedTime: at(50) }, now: at(50) }))).toBe(true);
        const chunks = await store.loadHistory('a', executionId);
        expect(chunks.map((c) => c.firstEventIndex)).toEqual([0, 4]);
        expect(chunks.flatMap((c) => c.events)).toEqual([...e1, ...e2]);
        expect(await store.getInstance('a')).toMatchObject({ runtimeStatus: 'Completed', output: '"ok"', completedTime: at(50), historyLength: 7, version: 2 });
      });

      it('round-trips every kind of value in events: Dates as Dates, nested failures, undefined payloads', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        const events: HistoryEvent[] = [
          orchestratorStarted(new Date('2030-01-01T00:00:00.123Z')),
          executionStarted('a', executionId, T0, undefined),
          taskScheduled(0, T0, undefined),
          taskFailed(0, at(1), FAILURE),
          timerCreated(1, at(1), new Date('2031-06-15T12:34:56.789Z')),
          { type: 'ExecutionCompleted', eventId: -1, timestamp: at(2), orchestrationStatus: 'Failed', failureDetails: FAILURE },
          { type: 'ContinueAsNew', eventId: -1, timestamp: at(2), input: '[1,2]', carryoverEvents: [eventRaised('carry', at(1), '{"a":[1,{"b":null}]}')] },
          { type: 'GenericEvent', eventId: 7, timestamp: at(3), data: 'ünïcødé 𝄞 \u0001' },
        ];
        expect(await store.commitEpisode(episode(item, events))).toBe(true);
        const loaded = await allEvents(store, 'a', executionId);
        expect(loaded).toEqual(events);
        const timer = loaded[4];
        expect(timer?.type === 'TimerCreated' && timer.fireAt instanceof Date).toBe(true);
        expect(loaded.every((e) => e.timestamp instanceof Date)).toBe(true);
        const started = loaded[1];
        expect(started?.type === 'ExecutionStarted' ? started.scheduledStartTime : undefined).toBeInstanceOf(Date);
      });

      it('of two concurrent commits of the same episode, exactly one succeeds', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        const mine = [orchestratorStarted(T0), executionStarted('a', executionId, T0), taskScheduled(0, T0), orchestratorCompleted(T0)];
        const theirs = [orchestratorStarted(at(1)), executionStarted('a', executionId, at(1)), timerCreated(0, at(1), at(9)), orchestratorCompleted(at(1))];
        const results = await Promise.all([store.commitEpisode(episode(item, mine)), store.commitEpisode(episode(item, theirs, { now: at(1) }))]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] === true ? mine : theirs;
        expect(await store.loadHistory('a', executionId)).toEqual([{ firstEventIndex: 0, events: winner, consumedMessageIds: [], undispatched: true }]);
        expect(await store.getInstance('a')).toMatchObject({ version: 1, historyLength: 4 });
      });

      it('fails a commit whose expected version is stale, leaving the instance as it was', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        expect(await store.commitEpisode(episode(item, [orchestratorStarted(T0), executionStarted('a', executionId, T0)], { update: { runtimeStatus: 'Running', customStatus: '"1"' } }))).toBe(true);
        const stale = episode(item, [orchestratorStarted(at(1)), taskScheduled(0, at(1))], { firstEventIndex: 2, expectedVersion: 0, update: { runtimeStatus: 'Completed' } });
        expect(await store.commitEpisode(stale)).toBe(false);
        expect(await store.getInstance('a')).toMatchObject({ runtimeStatus: 'Running', customStatus: '"1"', version: 1, historyLength: 2 });
      });

      it('fails the commit of a worker whose lease expired and was taken over', async () => {
        const executionId = await create(store, 'a');
        const stale = await claim(store, T0, 'w1');
        const current = await claim(store, at(LEASE_MS), 'w2');
        const events = [orchestratorStarted(at(LEASE_MS)), executionStarted('a', executionId, at(LEASE_MS))];
        expect(await store.commitEpisode(episode(current, events, { now: at(LEASE_MS) }))).toBe(true);
        expect(await store.commitEpisode(episode(stale, [orchestratorStarted(T0), executionStarted('a', executionId, T0)]))).toBe(false);
        expect(await allEvents(store, 'a', executionId)).toEqual(events);
      });

      it('keeps work flagged when a worker that lost its lease still got its chunk in first', async () => {
        // The chunk is history (the source of truth) even though the instance update failed: some worker must run
        // another episode to re-dispatch its actions and bring the instance up to date.
        const executionId = await create(store, 'a');
        const stale = await claim(store, T0, 'w1');
        const current = await claim(store, at(LEASE_MS), 'w2');
        const staleEvents = [orchestratorStarted(T0), executionStarted('a', executionId, T0), taskScheduled(0, T0)];
        expect(await store.commitEpisode(episode(stale, staleEvents))).toBe(false);
        expect(await store.commitEpisode(episode(current, [orchestratorStarted(at(LEASE_MS))], { now: at(LEASE_MS) }))).toBe(false);
        await store.releaseWork(current, { moreWork: false, succeeded: false, now: at(LEASE_MS) });
        const next = await claim(store, at(LEASE_MS + 1), 'w3');
        const history = await store.loadHistory('a', executionId);
        expect(history).toEqual([{ firstEventIndex: 0, events: staleEvents, consumedMessageIds: [], undispatched: true }]);
        expect(await store.commitEpisode(episode(next, [orchestratorStarted(at(LEASE_MS + 1))], { firstEventIndex: 3, now: at(LEASE_MS + 1) }))).toBe(true);
        expect((await store.getInstance('a'))?.historyLength).toBe(4);
      });

      it('discards the late commit of a worker whose execution ended meanwhile, keeping the messages it read', async () => {
        const old = await create(store, 'a');
        const stale = await claim(store, T0, 'w1');
        const current = await claim(store, at(LEASE_MS), 'w2');
        expect(await store.commitEpisode(episode(current, [orchestratorStarted(at(LEASE_MS)), executionStarted('a', old, at(LEASE_MS))], { now: at(LEASE_MS) }))).toBe(true);
        expect(await store.continueAsNew({ instanceId: 'a', leaseToken: current.leaseToken, executionId: 'e2', input: '"2"', carryoverEvents: [], now: at(LEASE_MS) })).toBe(true);
        await store.sendMessage('a', eventRaised('for-e2', at(LEASE_MS + 1)), { now: at(LEASE_MS + 1) });
        const [message] = await store.loadMessages('a');
        const late = episode(stale, [orchestratorStarted(T0), executionStarted('a', old, T0), eventRaised('for-e2', T0)], { consumedMessageIds: [message!.id] });
        expect(await store.commitEpisode(late)).toBe(false);
        expect(await store.loadHistory('a', old)).toEqual([]);
        expect((await store.loadMessages('a')).map((m) => m.id)).toEqual([message!.id]);
        expect(await store.getInstance('a')).toMatchObject({ executionId: 'e2', version: 2, historyLength: 0 });
      });

      it("takes the chunk's firstEventIndex as authoritative when the instance's historyLength lags", async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        const ok = await store.commitEpisode(episode(item, [orchestratorStarted(T0), executionStarted('a', executionId, T0)], { firstEventIndex: 3 }));
        expect(ok).toBe(true);
        expect((await store.getInstance('a'))?.historyLength).toBe(5);
        expect((await store.loadHistory('a', executionId))[0]?.firstEventIndex).toBe(3);
      });

      it('sets and clears instance fields as the update says', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        await store.commitEpisode(episode(item, [orchestratorStarted(T0), executionStarted('a', executionId, T0)], { update: { runtimeStatus: 'Running', customStatus: '"c"' } }));
        await store.commitEpisode(episode({ ...item, instance: { ...item.instance, version: 1, historyLength: 2 } }, [orchestratorStarted(at(1))], {
          update: { runtimeStatus: 'Failed', failureDetails: FAILURE, completedTime: at(1), customStatus: undefined }, now: at(1),
        }));
        const state = await store.getInstance('a');
        expect(state).toMatchObject({ runtimeStatus: 'Failed', failureDetails: FAILURE, completedTime: at(1), version: 2, historyLength: 3 });
        expect(state?.customStatus).toBeUndefined();
      });

      it('refuses an empty episode', async () => {
        await create(store, 'a');
        const item = await claim(store);
        await expect(store.commitEpisode(episode(item, []))).rejects.toBeInstanceOf(DurableError);
      });

      it('tracks dispatch: undispatched until markDispatched', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        await store.commitEpisode(episode(item, [orchestratorStarted(T0), executionStarted('a', executionId, T0), taskScheduled(0, T0)]));
        expect((await store.loadHistory('a', executionId))[0]?.undispatched).toBe(true);
        await store.markDispatched('a', executionId, 0);
        await store.markDispatched('a', executionId, 0);
        expect((await store.loadHistory('a', executionId))[0]?.undispatched).toBe(false);
        await store.markDispatched('a', executionId, 99); // no such chunk: nothing to do
      });

      it('commits and loads back an episode of 9 MiB of events', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        const payload = 'x'.repeat(96 * 1024);
        const events: HistoryEvent[] = [orchestratorStarted(T0), executionStarted('a', executionId, T0)];
        for (let i = 0; i < 96; i++) events.push(taskScheduled(i, at(i), `"${payload}${i}"`));
        events.push(orchestratorCompleted(T0));
        expect(await store.commitEpisode(episode(item, events, { consumedMessageIds: [] }))).toBe(true);
        const chunks = await store.loadHistory('a', executionId);
        expect(chunks).toHaveLength(1);
        expect(chunks[0]?.firstEventIndex).toBe(0);
        expect(chunks[0]?.events).toEqual(events);
        expect((await store.getInstance('a'))?.historyLength).toBe(99);
        await store.markDispatched('a', executionId, 0);
        expect((await store.loadHistory('a', executionId))[0]?.undispatched).toBe(false);
      }, 120_000);
    });

    describe('continueAsNew', () => {
      it('starts a new execution under the lease and deletes the old history', async () => {
        const old = await create(store, 'a');
        const item = await claim(store);
        await store.commitEpisode(episode(item, [orchestratorStarted(T0), executionStarted('a', old, T0)], { update: { runtimeStatus: 'Running', output: '"o"', customStatus: '"c"' } }));
        expect(await store.continueAsNew({ instanceId: 'a', leaseToken: item.leaseToken, executionId: 'e2', input: '"next"', carryoverEvents: [eventRaised('kept', at(4), '1')], now: at(5) })).toBe(true);
        const state = await store.getInstance('a');
        expect(state).toMatchObject({ executionId: 'e2', runtimeStatus: 'Running', input: '"next"', historyLength: 0, version: 2, lastUpdatedTime: at(5), createdTime: T0 });
        expect(state?.output).toBeUndefined();
        expect(state?.customStatus).toBeUndefined();
        expect(state?.carryoverEvents).toEqual([eventRaised('kept', at(4), '1')]);
        expect(state?.carryoverEvents?.[0]?.timestamp).toBeInstanceOf(Date);
        expect(await store.loadHistory('a', old)).toEqual([]);
        // Flagged as having work: even a release that reports no more work leaves it claimable.
        await store.releaseWork(item, { moreWork: false, succeeded: true, now: at(5) });
        const next = await claim(store, at(6));
        expect(next.instance).toMatchObject({ executionId: 'e2', historyLength: 0, version: 2 });
        expect(next.instance.carryoverEvents).toEqual([eventRaised('kept', at(4), '1')]);
        const first = [orchestratorStarted(at(6)), executionStarted('a', 'e2', at(6), '"next"'), eventRaised('kept', at(4), '1')];
        expect(await store.commitEpisode(episode(next, first, { now: at(6) }))).toBe(true);
        // Applied by the first episode: history now, no longer carried.
        expect((await store.getInstance('a'))?.carryoverEvents).toBeUndefined();
      });

      it('clears carry-over events left by an earlier continue-as-new', async () => {
        await create(store, 'a');
        const item = await claim(store);
        await store.continueAsNew({ instanceId: 'a', leaseToken: item.leaseToken, executionId: 'e2', input: '1', carryoverEvents: [eventRaised('x', T0)], now: T0 });
        await store.continueAsNew({ instanceId: 'a', leaseToken: item.leaseToken, executionId: 'e3', input: '2', carryoverEvents: [], now: at(1) });
        expect(await store.getInstance('a')).toMatchObject({ executionId: 'e3', input: '2', version: 2 });
        expect((await store.getInstance('a'))?.carryoverEvents).toBeUndefined();
      });

      it('returns false without the lease', async () => {
        await create(store, 'a');
        await claim(store);
        expect(await store.continueAsNew({ instanceId: 'a', leaseToken: 'not-mine', executionId: 'e2', input: undefined, carryoverEvents: [], now: T0 })).toBe(false);
        expect(await store.continueAsNew({ instanceId: 'ghost', leaseToken: 'x', executionId: 'e2', input: undefined, carryoverEvents: [], now: T0 })).toBe(false);
        expect((await store.getInstance('a'))?.executionId).not.toBe('e2');
      });
    });

    describe('markStuck', () => {
      it('records why an episode cannot run, until the next commit clears it', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        await store.markStuck('a', item.leaseToken, FAILURE, { fail: false, now: at(1) });
        expect(await store.getInstance('a')).toMatchObject({ stuck: FAILURE, runtimeStatus: 'Pending', lastUpdatedTime: at(1) });
        await store.commitEpisode(episode(item, [orchestratorStarted(at(2)), executionStarted('a', executionId, at(2))], { now: at(2) }));
        const state = await store.getInstance('a');
        expect(state?.stuck).toBeUndefined();
        expect(state?.runtimeStatus).toBe('Running');
      });

      it('fails the instance when asked to', async () => {
        await create(store, 'a');
        const item = await claim(store);
        await store.markStuck('a', item.leaseToken, FAILURE, { fail: true, now: at(1) });
        expect(await store.getInstance('a')).toMatchObject({ stuck: FAILURE, runtimeStatus: 'Failed', failureDetails: FAILURE, completedTime: at(1) });
      });

      it('does nothing without the lease', async () => {
        await create(store, 'a');
        await claim(store);
        await store.markStuck('a', 'not-mine', FAILURE, { fail: true, now: at(1) });
        const state = await store.getInstance('a');
        expect(state?.runtimeStatus).toBe('Pending');
        expect(state?.stuck).toBeUndefined();
      });
    });

    describe('appendEpisode / releaseWork progress', () => {
      const append = (item: WorkItem, events: HistoryEvent[], firstEventIndex: number, consumedMessageIds: string[] = []) => store.appendEpisode({
        instanceId: item.instance.instanceId, executionId: item.instance.executionId, leaseToken: item.leaseToken, now: at(5),
        chunk: { firstEventIndex, events, consumedMessageIds, undispatched: true },
      });

      it('appends a chunk in one write, leaving the instance as it was until the release brings its summary forward', async () => {
        const executionId = await create(store, 'a');
        await store.sendMessage('a', eventRaised('go', at(1)), { now: at(1) });
        const item = await claim(store, at(2));
        const first = [orchestratorStarted(at(2)), executionStarted('a', executionId, at(2)), orchestratorCompleted(at(2))];
        expect(await store.commitEpisode(episode(item, first, { now: at(2) }))).toBe(true);
        const [queued] = await store.loadMessages('a');
        const second = [orchestratorStarted(at(5)), eventRaised('go', at(5)), orchestratorCompleted(at(5))];
        expect(await append(item, second, 3, [queued!.id])).toBe(true);
        expect(await store.loadMessages('a')).toEqual([]);
        expect(await allEvents(store, 'a', executionId)).toEqual([...first, ...second]);
        expect(await store.getInstance('a')).toMatchObject({ historyLength: 3, version: 1, lastUpdatedTime: at(2) });
        await store.releaseWork(item, { moreWork: false, succeeded: true, now: at(6), progress: { historyLength: 6, lastUpdatedTime: at(5) } });
        expect(await store.getInstance('a')).toMatchObject({ historyLength: 6, version: 1, lastUpdatedTime: at(5) });
      });

      it('tells whether the history holds more than a given length, whatever the summary says', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        expect(await store.hasHistoryBeyond('a', executionId, 0)).toBe(false);
        expect(await append(item, [orchestratorStarted(at(1)), orchestratorCompleted(at(1))], 0)).toBe(true);
        expect(await append(item, [orchestratorStarted(at(2)), orchestratorCompleted(at(2))], 2)).toBe(true);
        expect(await store.getInstance('a')).toMatchObject({ historyLength: 0 });
        expect(await store.hasHistoryBeyond('a', executionId, 0)).toBe(true);
        expect(await store.hasHistoryBeyond('a', executionId, 2)).toBe(true);
        expect(await store.hasHistoryBeyond('a', executionId, 4)).toBe(false);
        expect(await store.hasHistoryBeyond('a', 'another-execution', 0)).toBe(false);
        await expect(store.hasHistoryBeyond('a', executionId, -1)).rejects.toBeInstanceOf(DurableError);
      });

      it('lets exactly one of two appends at the same index land, whatever the leases say', async () => {
        const executionId = await create(store, 'a');
        const item = await claim(store);
        const results = await Promise.all([append(item, [orchestratorStarted(at(1))], 0), append(item, [orchestratorStarted(at(2))], 0)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await allEvents(store, 'a', executionId)).toHaveLength(1);
      });

      it('rejects an empty chunk', async () => {
        await create(store, 'a');
        const item = await claim(store);
        await expect(append(item, [], 0)).rejects.toBeInstanceOf(DurableError);
      });

      it('never moves the summary backwards (a late release of an older session)', async () => {
        await create(store, 'a');
        const item = await claim(store);
        await store.releaseWork(item, { moreWork: true, succeeded: true, now: at(1), progress: { historyLength: 9, lastUpdatedTime: at(9) } });
        const next = await claim(store, at(1));
        await store.releaseWork(next, { moreWork: false, succeeded: true, now: at(2), progress: { historyLength: 4, lastUpdatedTime: at(4) } });
        expect(await store.getInstance('a')).toMatchObject({ historyLength: 9, lastUpdatedTime: at(9) });
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
        expect((await store.claimInstance('a', executionId, { workerId: 'w3', leaseMs: LEASE_MS, now: at(LEASE_MS + 2) }))?.instance.instanceId).toBe('a');
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
  });
}
