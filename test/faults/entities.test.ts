// Scenario 9: entities under kills. 10 clients × 100 add(1) signals to one counter while its workers are killed
// several times: the final state is exactly 1,000 (every acknowledged signal applied, none twice).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EntityId } from '../../src/core/entity-id.js';
import { waitFor } from '../support/test-db.js';
import { FAST_FAILOVER, FaultCluster, LONG } from './support/fault-cluster.js';
import type { FaultWorker } from './support/fault-worker-process.js';

const KILLS = LONG ? 10 : 4;

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

describe('faults: entities under kills', () => {
  // Found a double apply in CI once (1,001): a signal to an entity that did not exist yet was deleted and re-sent
  // after its flag failed, while a worker had already applied the first copy. Fixed: the message is never withdrawn.
  it(`applies 10 clients × 100 add(1) exactly once with workers killed ${KILLS} times`, async () => {
    const client = cluster.durably.client;
    const counter = new EntityId('Counter', 'shared');
    const workers: FaultWorker[] = [cluster.spawn(FAST_FAILOVER), cluster.spawn(FAST_FAILOVER)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      const sending = Promise.all(Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 100; i++) await client.signalEntity(counter, 'add', 1);
      }));
      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 400));
        const victim = workers.filter((w) => w.alive())[k % 2];
        if (victim !== undefined) await victim.kill('SIGKILL');
        workers.push(cluster.spawn(FAST_FAILOVER));
      }
      await sending;
      const total = async (): Promise<number | undefined> => (await client.readEntityState<number>(counter)).entityState;
      await waitFor(async () => (await total()) === 1_000, 60_000, 200);
      expect(await total()).toBe(1_000);
      // And it stays there: no late re-application.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await total()).toBe(1_000);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 120_000);

  it(`keeps the total balance of 5 accounts under critical-section transfers with workers killed ${KILLS} times, and leaves no lock held`, async () => {
    const client = cluster.durably.client;
    const accounts = ['a', 'b', 'c', 'd', 'e'];
    const workers: FaultWorker[] = [cluster.spawn(FAST_FAILOVER), cluster.spawn(FAST_FAILOVER)];
    try {
      await Promise.all(workers.map((w) => w.ready));
      for (const key of accounts) await client.signalEntity(new EntityId('Account', key), 'add', 100);
      const balance = async (key: string): Promise<number> => (await client.readEntityState<number>(new EntityId('Account', key))).entityState ?? 0;
      await waitFor(async () => (await Promise.all(accounts.map(balance))).every((b) => b === 100), 30_000, 100);
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return Math.floor((seed / 2_147_483_648) * n);
      };
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const from = accounts[random(5)] as string;
        let to = accounts[random(5)] as string;
        if (to === from) to = accounts[(accounts.indexOf(from) + 1) % 5] as string;
        ids.push(await client.startNew('Transfer', { instanceId: `transfer-${i}`, input: { from, to, amount: 1 + random(60) } }));
      }
      // Kills land while the transfers run (they take a few hundred milliseconds in all without kills).
      for (let k = 0; k < KILLS; k++) {
        await new Promise((r) => setTimeout(r, 150));
        const victim = workers.filter((w) => w.alive())[k % 2];
        if (victim !== undefined) await victim.kill('SIGKILL');
        workers.push(cluster.spawn(FAST_FAILOVER));
      }
      const unfinishedAtLastKill = (await Promise.all(ids.map((id) => client.getStatus(id)))).filter((s) => s?.runtimeStatus !== 'Completed').length;
      console.info(`critical sections under kills: ${unfinishedAtLastKill} of ${ids.length} transfers were unfinished at the last kill`);
      for (const id of ids) {
        const status = await client.waitForCompletion(id, { timeoutMs: 90_000 });
        expect({ id, status: status.runtimeStatus }).toEqual({ id, status: 'Completed' });
        expect(['done', 'insufficient']).toContain(status.output);
      }
      await waitFor(async () => (await client.listEntities({ entityName: 'Account', pageSize: 100 })).entities.every((e) => e.lockedBy === undefined), 30_000, 100);
      expect((await client.listEntities({ entityName: 'Account', pageSize: 100 })).entities.filter((e) => e.lockedBy !== undefined)).toEqual([]);
      const balances = await Promise.all(accounts.map(balance));
      expect(balances.reduce((sum, b) => sum + b, 0)).toBe(500);
      expect(balances.every((b) => b >= 0)).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, 180_000);
});
