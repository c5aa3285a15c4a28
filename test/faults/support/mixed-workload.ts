import { expect } from '@jest/globals';
import { EntityId } from '../../../src/core/entity-id.js';
import type { FaultCluster } from './fault-cluster.js';

/** One started orchestration, what it must return, and the activity calls (ledger keys) it must have run. */
export interface Started {
  readonly id: string;
  readonly expected: (output: unknown) => void;
  readonly keys: readonly string[];
  /** Sub-orchestrations whose histories are checked too. */
  readonly children?: readonly string[];
  /** An entity whose final state must be this. */
  readonly entity?: { readonly key: string; readonly state: number };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const keysOf = (id: string, n: number): string[] => range(n).map((i) => `${id}:${i}`);

/**
 * Starts `rounds` of the mixed workload — per round: 3 chains, a fan-out of 50, 2 timers, 2 instances waiting for an
 * event (raised right away: an acknowledged raiseEvent must not be lost), a parent of 2 sub-orchestrations and an
 * orchestration calling an entity 3 times.
 */
/** Starts the mixed workload; `entityCalls` (default true) includes an orchestration that signals and calls an entity. */
export async function startMixedWorkload(cluster: FaultCluster, tag: string, rounds = 1, options: { readonly entityCalls?: boolean } = {}): Promise<Started[]> {
  const client = cluster.durably.client;
  const started: Started[] = [];
  for (let r = 0; r < rounds; r++) {
    const p = `${tag}-${r}`;
    for (let i = 0; i < 3; i++) {
      const id = `${p}-chain-${i}`;
      const v = i + 1;
      await client.startNew('Chain', { instanceId: id, input: { id, v } });
      started.push({ id, expected: (o) => expect(o).toEqual([2 * v, 4 * v, 8 * v]), keys: keysOf(id, 3) });
    }
    const fan = `${p}-fan`;
    await client.startNew('FanOut', { instanceId: fan, input: { id: fan, n: 50 } });
    started.push({ id: fan, expected: (o) => expect(o).toBe(50 * 49), keys: keysOf(fan, 50) });
    for (let i = 0; i < 2; i++) {
      const id = `${p}-timer-${i}`;
      await client.startNew('Timer', { instanceId: id, input: { id, ms: 300 + 200 * i, v: 5 } });
      started.push({
        id, keys: keysOf(id, 1),
        expected: (o) => {
          const { r: result, due, firedAt } = o as { r: number; due: number; firedAt: number };
          expect(result).toBe(10);
          expect(firedAt).toBeGreaterThanOrEqual(due);
        },
      });
    }
    for (let i = 0; i < 2; i++) {
      const id = `${p}-event-${i}`;
      await client.startNew('Eventful', { instanceId: id, input: { id } });
      await client.raiseEvent(id, 'go', 21 + i);
      started.push({ id, expected: (o) => expect(o).toBe(2 * (21 + i)), keys: keysOf(id, 1) });
    }
    const parent = `${p}-parent`;
    await client.startNew('Parent', { instanceId: parent, input: { id: parent, v: 3 } });
    started.push({
      id: parent, expected: (o) => expect(o).toEqual([6, 12, 24, 8, 16, 32]), keys: [...keysOf(`${parent}-a`, 3), ...keysOf(`${parent}-b`, 3)],
      children: [`${parent}-a`, `${parent}-b`],
    });
    if (options.entityCalls !== false) {
      const user = `${p}-entity`;
      await client.startNew('EntityUser', { instanceId: user, input: { key: user, n: 3 } });
      started.push({ id: user, expected: (o) => expect(o).toBe(3), keys: [], entity: { key: user, state: 3 } });
    }
  }
  return started;
}

/**
 * Waits for every instance and checks the final data: Completed with the right output, sound histories (parents and
 * children), every activity call run at least once, entities in their expected state.
 */
export async function verifyWorkload(cluster: FaultCluster, started: readonly Started[], timeoutMs = 120_000): Promise<void> {
  const client = cluster.durably.client;
  const deadline = Date.now() + timeoutMs;
  for (const s of started) {
    const status = await client.waitForCompletion(s.id, { timeoutMs: Math.max(1_000, deadline - Date.now()) });
    expect({ id: s.id, status: status.runtimeStatus, failure: status.failureDetails }).toEqual({ id: s.id, status: 'Completed', failure: undefined });
    s.expected(status.output);
  }
  const problems: string[] = [];
  for (const s of started) {
    for (const id of [s.id, ...(s.children ?? [])]) problems.push(...(await cluster.historyProblems(id)));
  }
  expect(problems).toEqual([]);
  const ran = await cluster.ledgerCounts();
  const missing = started.flatMap((s) => s.keys).filter((k) => (ran.get(k) ?? 0) < 1);
  expect(missing).toEqual([]);
  for (const s of started) {
    if (s.entity === undefined) continue;
    const state = await client.readEntityState<number>(new EntityId('Counter', s.entity.key));
    expect(state.entityState).toBe(s.entity.state);
  }
}
