// Scenarios 4 and 5: duplicate and out-of-order delivery, and an activity outliving its job lock.
// - Completions delivered three times, all of them before their scheduling commit: one recorded completion each, no
//   non-determinism.
// - An activity whose worker freezes past the job lock (no heartbeat can renew it) runs again on another worker:
//   at most two executions, one recorded completion. With the heartbeat running, a slow activity runs once.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoInstanceStore } from '../../src/adapters/mongodb/mongo-instance-store.js';
import { encodePayload } from '../../src/core/codec.js';
import { HistoryEventType } from '../../src/history/history-event.js';
import { waitFor } from '../support/test-db.js';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

const ledgerRuns = (key: string): Promise<number> => cluster.db.collection('ledger').countDocuments({ key });

describe('faults: duplicate and out-of-order delivery', () => {
  it('records one completion each when every completion arrives three times, before its scheduling commit', async () => {
    const client = cluster.durably.client;
    const store = new MongoInstanceStore(cluster.db, { taskHub: 'Faults' });
    const id = 'dup';
    // No worker yet: the completions land before the orchestration has scheduled anything.
    await client.startNew('Chain', { instanceId: id, input: { id, v: 1 } });
    const { executionId } = (await store.getInstance(id))!;
    for (let copy = 0; copy < 3; copy++) {
      for (const [sequence, result] of [[0, 2], [1, 4], [2, 8]] as const) {
        await store.sendMessage(id, {
          type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: new Date(), taskScheduledId: sequence, result: encodePayload(result, 'result'),
        }, { dedupeKey: `redelivery-${copy}-${sequence}`, executionId, now: new Date() });
      }
    }
    const worker = cluster.spawn(FAST_FAILOVER);
    try {
      const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toEqual([2, 4, 8]);
      expect(status.failureDetails).toBeUndefined();
      expect(await cluster.historyProblems(id)).toEqual([]);
      const history = await client.getHistory(id);
      expect(history.filter((e) => e.type === HistoryEventType.TaskCompleted)).toHaveLength(3);
    } finally {
      await worker.kill('SIGKILL');
    }
  }, 60_000);
});

describe('faults: job lock expiry while an activity runs', () => {
  it('runs a slow activity once while its lock is renewed (lock 1 s, activity 3 s, two workers)', async () => {
    const client = cluster.durably.client;
    const env = { ...FAST_FAILOVER, ACTIVITY_LOCK_MS: '1000', SLOW_MS: '3000' };
    const workers = [cluster.spawn(env), cluster.spawn(env)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const ids = ['renewed-0', 'renewed-1', 'renewed-2'];
      for (const [i, id] of ids.entries()) await client.startNew('SlowOne', { instanceId: id, input: i });
      for (const [i, id] of ids.entries()) {
        const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
        expect(status.output).toBe(2 * i);
        expect(await cluster.historyProblems(id)).toEqual([]);
        expect(await ledgerRuns(`${id}:0`)).toBe(1);
      }
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 60_000);

  it('runs an activity at most twice when its worker freezes past the lock, and records it once', async () => {
    const client = cluster.durably.client;
    const env = { ...FAST_FAILOVER, ACTIVITY_LOCK_MS: '1000', SLOW_MS: '2000' };
    const frozen = cluster.spawn(env);
    await frozen.ready;
    const id = 'expired';
    await client.startNew('SlowOne', { instanceId: id, input: 21 });
    expect(await waitFor(async () => (await ledgerRuns(`${id}:0`)) === 1, 20_000, 20)).toBe(true);
    frozen.freeze();
    const rescuer = cluster.spawn(env);
    try {
      const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(42);
      frozen.thaw();
      // The frozen worker's run finishes too, and its result is absorbed.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(frozen.alive()).toBe(true);
      expect(await ledgerRuns(`${id}:0`)).toBe(2);
      expect(await cluster.historyProblems(id)).toEqual([]);
      expect((await client.getHistory(id)).filter((e) => e.type === HistoryEventType.TaskCompleted)).toHaveLength(1);
      expect((await client.getStatus(id))?.output).toBe(42);
    } finally {
      await Promise.all([frozen.kill('SIGKILL'), rescuer.kill('SIGKILL')]);
    }
  }, 60_000);
});
