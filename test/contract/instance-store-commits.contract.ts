// The instance-store contract (see instance-store.contract.ts), part 3 of 3: episode commits and histories,
// continue-as-new, stuck instances, appended episodes.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DurableError } from '../../src/core/durable-error.js';
import type { HistoryEvent } from '../../src/history/history-event.js';
import type { InstanceStore, WorkItem } from '../../src/ports/instance-store.js';
import {
  allEvents, at, claim, create, episode, eventRaised, executionStarted, FAILURE, LEASE_MS, orchestratorCompleted,
  orchestratorStarted, T0, taskFailed, taskScheduled, timerCreated, timerFired,
} from './instance-store-fixtures.js';

/** The instance-store contract's tests of episode commits and histories. */
export function describeInstanceStoreCommits(current: () => InstanceStore): void {
  let store: InstanceStore;

  beforeEach(() => {
    store = current();
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
}
