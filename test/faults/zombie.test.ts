// Scenario 3: a zombie worker. SIGSTOP a worker mid-episode for longer than its lease, let another worker take
// over, then SIGCONT: the stale worker's commit is rejected, nothing forks, the output is correct.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HistoryEventType } from '../../src/history/history-event.js';
import { hogProcesses } from './support/cpu-hog.js';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';

let cluster: FaultCluster;

beforeAll(async () => {
  // A CPU-bound neighbour at least (more with `npm run test:faults -- --hog=N`).
  cluster = await FaultCluster.start({ hog: hogProcesses(1) });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('faults: zombie worker', () => {
  it('rejects the commit of a worker frozen past its lease; the instance completes once, from the rescuer', async () => {
    const client = cluster.durably.client;
    // Lease 2 s; the zombie's first episode spins 1.5 s, and is frozen during it for 4 s.
    const zombie = cluster.spawn({ ...FAST_FAILOVER, SPIN_MS: '1500' });
    await zombie.ready;
    const id = 'zombie-1';
    await client.startNew('Zombie', { instanceId: id, input: 7 });
    await zombie.waitForEvent('spinning', 10_000);
    zombie.freeze();

    const rescuer = cluster.spawn(FAST_FAILOVER);
    const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toBe(14);
    const before = await client.getHistory(id);

    zombie.thaw();
    // The zombie finishes its spin and commits its stale episode: the commit must lose.
    await sleep(3_000);
    expect(zombie.alive()).toBe(true);
    const after = await client.getStatus(id);
    expect(after?.runtimeStatus).toBe('Completed');
    expect(after?.output).toBe(14);
    const history = await client.getHistory(id);
    expect(history).toEqual(before);
    expect(history.filter((e) => e.type === HistoryEventType.TaskScheduled)).toHaveLength(1);
    expect(await cluster.historyProblems(id)).toEqual([]);
    // The zombie never dispatched its episode's activity: it ran once, on the rescuer.
    const runs = await cluster.db.collection('ledger').find({ key: `${id}:0` }).toArray();
    expect(runs.map((r) => r.pid as number)).toEqual([rescuer.pid]);
  }, 60_000);
});
