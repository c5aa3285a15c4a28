// Scenario 10: 50 concurrent starts of the same instance ID: exactly one is accepted and runs, the rest are refused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InstanceAlreadyExistsError } from '../../src/core/errors/instance-already-exists-error.js';
import { HistoryEventType } from '../../src/history/history-event.js';
import { FAST_FAILOVER, FaultCluster } from './support/fault-cluster.js';

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('faults: idempotent start', () => {
  it('accepts one of 50 concurrent starts of one instance ID and runs it once', async () => {
    const client = cluster.durably.client;
    const id = 'once';
    // The worker starts after the 50 starts have settled: a finished instance's ID may be reused (Durable Functions'
    // rule), so a chain that completed before the last start arrived would rightly accept that start too.
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => client.startNew('Chain', { instanceId: id, input: { id, v: i + 1 } })));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(49);
    for (const r of refused) expect(r.reason).toBeInstanceOf(InstanceAlreadyExistsError);

    const worker = cluster.spawn(FAST_FAILOVER);
    await worker.ready;

    const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(status.runtimeStatus).toBe('Completed');
    const v = (status.output as number[])[0]! / 2;
    expect(status.output).toEqual([2 * v, 4 * v, 8 * v]);
    const history = await client.getHistory(id);
    expect(history.filter((e) => e.type === HistoryEventType.ExecutionStarted)).toHaveLength(1);
    expect(await cluster.historyProblems(id)).toEqual([]);
    // One execution: each of its three activity calls ran exactly once (no faults here).
    for (let i = 0; i < 3; i++) expect(await cluster.db.collection('ledger').countDocuments({ key: `${id}:${i}` })).toBe(1);
    expect(await cluster.db.collection('ledger').countDocuments({})).toBe(3);
  }, 60_000);
});
