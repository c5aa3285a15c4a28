// Scenario 6: poison. An activity that process.exit(1)s its worker every time, and an orchestrator that throws during
// replay: each ends Failed with the reason after a bounded number of attempts; the other instances complete; the
// workers are not restarted endlessly.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('faults: poison work', () => {
  it('fails a worker-killing activity and a replay-throwing orchestrator with their reasons; the rest complete', async () => {
    const client = cluster.durably.client;
    const MAX_DELIVERIES = 2;
    const fleet = cluster.supervise(2, { ...FAST_FAILOVER, MAX_ACTIVITY_DELIVERIES: String(MAX_DELIVERIES) });
    try {
      const runChains = async (tag: string): Promise<string[]> => {
        const ids = [0, 1, 2].map((i) => `${tag}-${i}`);
        for (const [i, id] of ids.entries()) await client.startNew('Chain', { instanceId: id, input: { id, v: i + 1 } });
        for (const [i, id] of ids.entries()) {
          const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
          expect({ id, status: status.runtimeStatus, failure: status.failureDetails?.errorMessage }).toEqual({ id, status: 'Completed', failure: undefined });
          expect(status.output).toEqual([2 * (i + 1), 4 * (i + 1), 8 * (i + 1)]);
        }
        return ids;
      };
      // The replay-throwing orchestrator beside healthy ones.
      await client.startNew('ReplayThrower', { instanceId: 'thrower' });
      const before = await runChains('before');
      const thrower = await client.waitForCompletion('thrower', { timeoutMs: 30_000 });
      expect(thrower.runtimeStatus).toBe('Failed');
      expect(thrower.failureDetails?.errorMessage).toContain('ReplayThrower throws during replay');

      // The worker-killing activity. (Activities that happen to run in a worker it kills count that start toward
      // their own maxActivityDeliveries too: an innocent activity killed that often is failed as poison as well —
      // so the healthy instances here run before and after it, not beside it.)
      await client.startNew('Poisoned', { instanceId: 'poisoned' });
      const poisoned = await client.waitForCompletion('poisoned', { timeoutMs: 60_000 });
      expect(poisoned.runtimeStatus).toBe('Failed');
      expect(poisoned.failureDetails?.errorMessage).toMatch(/Crash/);
      const after = await runChains('after');
      const chains = [...before, ...after];

      for (const id of ['poisoned', 'thrower', ...chains]) expect(await cluster.historyProblems(id)).toEqual([]);
      // Bounded: the poison ran (and killed a worker) at most maxActivityDeliveries times.
      const crashes = await cluster.db.collection('ledger').countDocuments({ activity: 'Crash' });
      expect(crashes).toBeGreaterThanOrEqual(1);
      expect(crashes).toBeLessThanOrEqual(MAX_DELIVERIES);
      expect(fleet.restarts()).toBe(crashes);
    } finally {
      fleet.stop();
    }
  }, 120_000);
});
