// Scenario 6: poison. An activity that process.exit(1)s its worker every time, and an orchestrator that throws during
// replay: each ends Failed with the reason after a bounded number of attempts; the other instances — running beside
// the poison, in the same workers — complete; the workers are not restarted endlessly.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

const waitUntil = async (check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('faults: poison work', () => {
  it('fails a worker-killing activity and a replay-throwing orchestrator with their reasons; the work beside them completes', async () => {
    const client = cluster.durably.client;
    const ledger = cluster.db.collection<{ pid: number; activity: string; key: string; at: Date }>('ledger');
    const MAX_DELIVERIES = 3;
    const FAN = 15;
    const SLOW_MS = 2_000;
    const fleet = cluster.supervise(2, { ...FAST_FAILOVER, MAX_ACTIVITY_DELIVERIES: String(MAX_DELIVERIES), SLOW_MS: String(SLOW_MS) });
    try {
      // Healthy work that keeps both workers' activity slots busy: fan-outs of slow activities, and chains.
      const fans = ['fan-0', 'fan-1', 'fan-2'];
      for (const id of fans) await client.startNew('FanOut', { instanceId: id, input: { id, n: FAN, activity: 'Slow' } });
      const chains = [0, 1, 2].map((i) => `chain-${i}`);
      for (const [i, id] of chains.entries()) await client.startNew('Chain', { instanceId: id, input: { id, v: i + 1 } });
      await client.startNew('ReplayThrower', { instanceId: 'thrower' });
      // Both workers are running slow activities: the poison starts beside them.
      await waitUntil(async () => (await ledger.distinct('pid', { activity: 'Slow' })).length === 2, 'slow activities running in both workers');
      await client.startNew('Poisoned', { instanceId: 'poisoned' });

      const poisoned = await client.waitForCompletion('poisoned', { timeoutMs: 90_000 });
      expect(poisoned.runtimeStatus).toBe('Failed');
      expect(poisoned.failureDetails?.innerFailure?.errorType).toBe('PoisonActivity');
      expect(poisoned.failureDetails?.errorMessage).toContain(`Activity 'Crash' was started ${MAX_DELIVERIES} times without finishing`);
      const thrower = await client.waitForCompletion('thrower', { timeoutMs: 60_000 });
      expect(thrower.runtimeStatus).toBe('Failed');
      expect(thrower.failureDetails?.errorMessage).toContain('ReplayThrower throws during replay');
      for (const id of fans) {
        const status = await client.waitForCompletion(id, { timeoutMs: 90_000 });
        expect({ id, status: status.runtimeStatus, failure: status.failureDetails }).toEqual({ id, status: 'Completed', failure: undefined });
        expect(status.output).toBe(FAN * (FAN - 1));
      }
      for (const [i, id] of chains.entries()) {
        const status = await client.waitForCompletion(id, { timeoutMs: 60_000 });
        expect({ id, status: status.runtimeStatus, failure: status.failureDetails }).toEqual({ id, status: 'Completed', failure: undefined });
        expect(status.output).toEqual([2 * (i + 1), 4 * (i + 1), 8 * (i + 1)]);
      }
      for (const id of ['poisoned', 'thrower', ...fans, ...chains]) expect(await cluster.historyProblems(id)).toEqual([]);

      // Bounded: the poison ran (and killed a worker) at most maxActivityDeliveries times.
      const crashes = await ledger.find({ activity: 'Crash' }).sort({ at: 1 }).toArray();
      expect(crashes.length).toBeGreaterThanOrEqual(1);
      expect(crashes.length).toBeLessThanOrEqual(MAX_DELIVERIES);
      expect(fleet.restarts()).toBe(crashes.length);
      // The innocent activities it killed beside it ran again elsewhere (alone, as suspects) and completed: every slow
      // activity the first crash's worker had begun less than SLOW_MS before the crash was still running when it died.
      // (How many there were depends on the machine's speed: on a loaded one the fan-outs may be done by then.)
      const runs = await ledger.find({ activity: 'Slow' }).toArray();
      const crash = crashes[0]!;
      const killed = runs.filter((r) => r.pid === crash.pid && r.at.getTime() <= crash.at.getTime() && crash.at.getTime() - r.at.getTime() < SLOW_MS);
      for (const run of killed) expect({ key: run.key, ranElsewhere: runs.some((o) => o.key === run.key && o.pid !== run.pid) }).toEqual({ key: run.key, ranElsewhere: true });
      console.info(`[poison] ${killed.length} slow activities were running beside the first crash; each ran again in another worker`);
    } finally {
      fleet.stop();
    }
  }, 180_000);
});
