// Scenario 9: entities under kills. 10 clients × 100 add(1) signals to one counter while its workers are killed
// several times: the final state is exactly 1,000 (every acknowledged signal applied, none twice).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EntityId } from '../../src/entities/entity-id.js';
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
});
