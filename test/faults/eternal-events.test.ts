// Scenario 8: events sent as fast as possible to an eternal orchestration that calls continueAsNew after each one:
// the final count is exactly the number of events sent (none lost across the executions, none applied twice).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FAST_FAILOVER, FaultCluster, LONG } from './support/fault-cluster.js';

const EVENTS = LONG ? 1_000 : 300;

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('faults: events to an eternal orchestration', () => {
  it(`counts exactly ${EVENTS} events across ${EVENTS} continueAsNew executions`, async () => {
    const client = cluster.durably.client;
    const workers = [cluster.spawn(FAST_FAILOVER), cluster.spawn(FAST_FAILOVER)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const id = 'eternal';
      await client.startNew('Eternal', { instanceId: id, input: { count: 0, target: EVENTS } });
      // 10 senders at once, as fast as they can.
      await Promise.all(Array.from({ length: 10 }, async (_, s) => {
        for (let i = s; i < EVENTS; i += 10) await client.raiseEvent(id, 'inc', i);
      }));
      const status = await client.waitForCompletion(id, { timeoutMs: 120_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(EVENTS);
      expect(await cluster.historyProblems(id)).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 180_000);

  it('applies events sent to a suspended instance in order after it is resumed', async () => {
    const client = cluster.durably.client;
    const worker = cluster.spawn(FAST_FAILOVER);
    try {
      await worker.ready;
      const id = 'collector';
      await client.startNew('Collector', { instanceId: id, input: { n: 20 } });
      await client.raiseEvent(id, 'e', -1);
      await client.suspend(id, 'paused by the test');
      for (let i = 0; i < 19; i++) await client.raiseEvent(id, 'e', i);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await client.getStatus(id))?.runtimeStatus).toBe('Suspended');
      await client.resume(id, 'resumed by the test');
      const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toEqual([-1, ...Array.from({ length: 19 }, (_, i) => i)]);
    } finally {
      await worker.kill('SIGKILL');
    }
  }, 60_000);
});
