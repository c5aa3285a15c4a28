// Scenario 11: graceful shutdown. SIGTERM while activities run: the worker finishes or releases its work within the
// drain timeout and exits 0; after a restart everything completes, and nothing stays locked or leased.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../support/test-db.js';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('faults: graceful shutdown', () => {
  it('drains on SIGTERM within the drain timeout; a restarted worker completes the rest; nothing stays locked', async () => {
    const client = cluster.durably.client;
    const env = { ...FAST_FAILOVER, SLOW_MS: '1500', DRAIN_MS: '5000' };
    const first = cluster.spawn(env);
    await first.ready;
    const ids = Array.from({ length: 8 }, (_, i) => `slow-${i}`);
    for (const [i, id] of ids.entries()) await client.startNew('SlowOne', { instanceId: id, input: i });
    // Wait until its activities are running, then ask it to stop.
    expect(await waitFor(async () => (await cluster.db.collection('ledger').countDocuments({ activity: 'Slow' })) >= 4, 20_000, 50)).toBe(true);
    const asked = Date.now();
    await first.kill('SIGTERM');
    expect(Date.now() - asked).toBeLessThan(5_000 + 3_000);
    expect((await first.exited).code).toBe(0);
    expect(first.output.some((line) => line.includes('"stopped"'))).toBe(true);

    const second = cluster.spawn(env);
    try {
      for (const [i, id] of ids.entries()) {
        const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
        expect(status.runtimeStatus).toBe('Completed');
        expect(status.output).toBe(2 * i);
        expect(await cluster.historyProblems(id)).toEqual([]);
      }
      await second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      // Nothing leased, nothing locked, nothing left to run.
      expect(await cluster.db.collection('Faults.instances').countDocuments({})).toBe(ids.length);
      expect(await cluster.db.collection('Faults.jobs').countDocuments({})).toBeGreaterThanOrEqual(ids.length);
      expect(await cluster.db.collection('Faults.instances').countDocuments({ lease: { $exists: true } })).toBe(0);
      expect(await cluster.db.collection('Faults.jobs').countDocuments({ lockedAt: { $ne: null } })).toBe(0);
    } finally {
      await second.kill('SIGKILL');
    }
  }, 90_000);
});
