// Scenario 7: timers across downtime. Every worker is down while the timers come due; after a restart each fires
// exactly once, none before its time.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HistoryEventType } from '../../src/history/history-event.js';
import { waitFor } from '../support/test-db.js';
import { FAST_FAILOVER, FaultCluster, LONG } from './support/fault-cluster.js';

const TIMERS = LONG ? 500 : 60;

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('faults: timers across downtime', () => {
  it(`fires ${TIMERS} timers that came due while every worker was down exactly once, none early`, async () => {
    const client = cluster.durably.client;
    const first = cluster.spawn(FAST_FAILOVER);
    await first.ready;
    const ids = Array.from({ length: TIMERS }, (_, i) => `timer-${i}`);
    // Due 3–4 s after their start: all of them are created before the worker dies.
    for (const [i, id] of ids.entries()) await client.startNew('Timer', { instanceId: id, input: { id, ms: 3_000 + (i % 10) * 100, v: i } });
    const created = await waitFor(async () => {
      for (const id of ids) {
        if (!(await client.getHistory(id)).some((e) => e.type === HistoryEventType.TimerCreated)) return false;
      }
      return true;
    }, 30_000, 200);
    expect(created).toBe(true);
    await first.kill('SIGKILL');
    // Down until every timer is overdue.
    await new Promise((r) => setTimeout(r, 4_500));
    const workers = [cluster.spawn(FAST_FAILOVER), cluster.spawn(FAST_FAILOVER)];
    try {
      for (const [i, id] of ids.entries()) {
        const status = await client.waitForCompletion(id, { timeoutMs: 60_000 });
        expect(status.runtimeStatus).toBe('Completed');
        const { r, due, firedAt } = status.output as { r: number; due: number; firedAt: number };
        expect(r).toBe(2 * i);
        expect(firedAt).toBeGreaterThanOrEqual(due);
        const history = await client.getHistory(id);
        expect(history.filter((e) => e.type === HistoryEventType.TimerFired)).toHaveLength(1);
        expect(await cluster.historyProblems(id)).toEqual([]);
      }
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 120_000);
});
