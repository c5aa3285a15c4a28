/**
 * DBOS Transact's side of the workload: the registered step and workflows every DBOS shape runs, the closest DBOS
 * equivalents of Durably's (see docs/performance.md). Registered at import, before `DBOS.launch()`, by the side child
 * and the cross-process worker alike.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';

/** Application name (DBOS scopes queues by it): the side, its client and its worker must agree. */
export const APP_NAME = 'durably-bench';
export const QUEUE_NAME = 'bench';

/** Start times of steps run in this process while `recording` is on, indexed by the step's input (as Durably's). */
export const stepStarts: { recording: boolean; stamps: number[] } = { recording: false, stamps: [] };

/** The activity: a registered step. */
export const step = DBOS.registerStep((input: number): Promise<number> => {
  if (stepStarts.recording) stepStarts.stamps[input] = performance.timeOrigin + performance.now();
  return Promise.resolve(input);
}, { name: 'step' });

/** `n` steps in sequence. */
export const chain = DBOS.registerWorkflow(async (n: number): Promise<number> => {
  for (let i = 0; i < n; i++) await step(i);
  return n;
}, { name: 'chain' });

/** `n` steps at once (`Promise.all`; DBOS assigns step ids synchronously, so this replays deterministically). */
export const fanOut = DBOS.registerWorkflow(async (n: number): Promise<number> => {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => step(i)));
  return results.length;
}, { name: 'fanOut' });

/** One durable sleep; returns when the workflow resumed after it (epoch ms), to set against the sleep's recorded end. */
export const sleeper = DBOS.registerWorkflow(async (delayMs: number): Promise<number> => {
  await DBOS.sleep(delayMs);
  return Date.now();
}, { name: 'sleeper' });

/**
 * The hot entity: one long-running workflow that applies `add` messages (`DBOS.recv`, each one durable) to its total
 * until it reached `expected`.
 */
export const counter = DBOS.registerWorkflow(async (expected: number): Promise<number> => {
  let total = 0;
  while (total < expected) {
    const amount = await DBOS.recv<number>('add', 120);
    if (amount === null) throw new Error(`counter: no message within 120 s at ${total}/${expected}`);
    total += amount;
  }
  return total;
}, { name: 'counter' });
