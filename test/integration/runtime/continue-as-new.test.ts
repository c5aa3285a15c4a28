import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container, injectable } from 'tsyringe';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { Gates } from '../../support/gate.js';
import { waitFor } from '../../support/test-db.js';

@injectable()
class Tally {
  readonly seen: number[] = [];
}

@Activity()
class RecordIteration {
  constructor(private readonly tally: Tally) {}
  run(count: number): number {
    this.tally.seen.push(count);
    return count + 1;
  }
}

/** An eternal counter loop, restarted with a fresh history on every iteration. */
@Orchestrator()
class CounterLoop {
  async run(ctx: OrchestrationContext<{ count: number; until: number }>): Promise<number> {
    const next = await ctx.callActivity(RecordIteration, ctx.input.count);
    ctx.setCustomStatus({ iteration: ctx.input.count });
    if (next >= ctx.input.until) return next;
    ctx.continueAsNew({ count: next, until: ctx.input.until });
    return -1; // ignored: the execution continues as new
  }
}

/** Holds the first item at a gate, so that the next events arrive while an execution is in flight. */
@Activity()
class HandleItem {
  constructor(private readonly gates: Gates) {}
  async run(input: { item: string; gate?: string }): Promise<string> {
    if (input.gate !== undefined) await this.gates.get(input.gate).passed();
    return input.item.toUpperCase();
  }
}

interface CollectorInput {
  readonly received: string[];
  readonly expected: number;
  readonly preserve: boolean;
  readonly gate: string;
}

/** Takes one 'Item' event per execution, handles it, then continues as new. */
@Orchestrator()
class ItemCollector {
  async run(ctx: OrchestrationContext<CollectorInput>): Promise<string[]> {
    const { received, expected, preserve, gate } = ctx.input;
    let item: string;
    try {
      item = await ctx.waitForExternalEvent<string>('Item', { timeoutMs: received.length === 0 ? 60_000 : 1_000 });
    } catch {
      return [...received, '<timed out>'];
    }
    const handled = await ctx.callActivity(HandleItem, { item, ...(received.length === 0 ? { gate } : {}) });
    const all = [...received, handled];
    if (all.length >= expected) return all;
    ctx.continueAsNew({ ...ctx.input, received: all }, { preserveUnprocessedEvents: preserve });
    return all;
  }
}

const gates = new Gates();
const appContainer = container.createChildContainer();
appContainer.registerSingleton(Tally);
appContainer.registerInstance(Gates, gates);
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [CounterLoop, ItemCollector], activities: [RecordIteration, HandleItem], container: appContainer });
});

afterAll(async () => {
  gates.openAll();
  await app.stop();
});

describe('runtime: continue-as-new', () => {
  it('loops a counter N times, each execution with a fresh history', async () => {
    const client = app.durably.client;
    const id = await client.startNew(CounterLoop, { input: { count: 0, until: 10 } });
    const status = await client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 10, input: { count: 9, until: 10 }, customStatus: { iteration: 9 } });
    expect(appContainer.resolve(Tally).seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Only the last execution's history is kept.
    const history = await client.getHistory(id);
    expect(history.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'TaskScheduled')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'ContinueAsNew')).toHaveLength(0);
    expect(history.at(-2)).toMatchObject({ type: 'ExecutionCompleted', orchestrationStatus: 'Completed' });
  });

  it('carries events raised during the loop into the next execution with preserveUnprocessedEvents', async () => {
    const client = app.durably.client;
    const id = await client.startNew(ItemCollector, { input: { received: [], expected: 5, preserve: true, gate: 'preserve' } });
    await client.raiseEvent(id, 'Item', 'a');
    // The first execution is now held in HandleItem('a'); the rest arrive while it is in flight.
    expect(await waitFor(() => gates.get('preserve').reached > 0, 10_000, 20)).toBe(true);
    for (const item of ['b', 'c', 'd', 'e']) await client.raiseEvent(id, 'Item', item);
    // They are recorded in the first execution's history, unconsumed, before it continues as new.
    expect(await waitFor(async () => (await client.getHistory(id)).filter((e) => e.type === 'EventRaised').length === 5, 10_000, 20)).toBe(true);
    gates.get('preserve').open();
    const status = await client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: ['A', 'B', 'C', 'D', 'E'] });
  });

  it('drops unprocessed events without preserveUnprocessedEvents', async () => {
    const client = app.durably.client;
    const id = await client.startNew(ItemCollector, { input: { received: [], expected: 3, preserve: false, gate: 'drop' } });
    await client.raiseEvent(id, 'Item', 'a');
    expect(await waitFor(() => gates.get('drop').reached > 0, 10_000, 20)).toBe(true);
    await client.raiseEvent(id, 'Item', 'b');
    expect(await waitFor(async () => (await client.getHistory(id)).filter((e) => e.type === 'EventRaised').length === 2, 10_000, 20)).toBe(true);
    gates.get('drop').open();
    const status = await client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: ['A', '<timed out>'] });
  });
});
