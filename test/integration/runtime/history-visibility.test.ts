// Issue 19: status.historyLength / historySizeBytes (exact, also while a session holds the instance), and
// ctx.historyLength / historySizeBytes / continueAsNewSuggested (the same on replay as on the first run).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { historyEventBytes } from '../../../src/history/history-event-size.js';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

@Activity()
class Step {
  run(n: number): number {
    return n + 1;
  }
}

interface Seen { readonly length: number; readonly bytes: number; readonly suggested: boolean }

/** Runs `ctx.input` steps, noting what ctx says after each. */
@Orchestrator()
class Steps {
  async run(ctx: OrchestrationContext<number>): Promise<Seen[]> {
    const seen: Seen[] = [];
    for (let i = 0; i < ctx.input; i++) {
      await ctx.callActivity(Step, i);
      seen.push({ length: ctx.historyLength, bytes: ctx.historySizeBytes, suggested: ctx.continueAsNewSuggested });
    }
    return seen;
  }
}

/** Steps until continue-as-new is suggested, twice over; returns the history lengths it continued at. */
@Orchestrator()
class Eternal {
  async run(ctx: OrchestrationContext<number[]>): Promise<number[]> {
    for (let i = 0; ; i++) {
      await ctx.callActivity(Step, i);
      if (!ctx.continueAsNewSuggested) continue;
      const lengths = [...ctx.input, ctx.historyLength];
      if (lengths.length === 2) return lengths;
      ctx.continueAsNew(lengths);
      return [];
    }
  }
}

/** Waits for 'Go' forever, counting them, so that it stays Running. */
@Orchestrator()
class Listener {
  async run(ctx: OrchestrationContext): Promise<never> {
    for (;;) await ctx.waitForExternalEvent('Go');
  }
}

const bytesOf = (events: readonly HistoryEvent[]): number => events.reduce((sum, e) => sum + historyEventBytes(e), 0);

let cached: TestApp;
let replaying: TestApp;

beforeAll(async () => {
  const options = { orchestrators: [Steps, Eternal, Listener], activities: [Step], maxHistoryEvents: 60 };
  cached = await startTestApp({ ...options, taskHub: 'Cached' });
  // No execution cache: every episode replays the whole history.
  replaying = await startTestApp({ ...options, taskHub: 'Replaying', mongo: cached.mongo, executionCacheMaxInstances: 0 });
});

afterAll(async () => {
  await replaying.stop();
  await cached.stop();
});

describe('history visibility', () => {
  it('status.historyLength and historySizeBytes are those of getHistory', async () => {
    const client = cached.durably.client;
    await client.startNew(Steps, { instanceId: 'h-1', input: 3 });
    const status = await client.waitForCompletion('h-1', { timeoutMs: 20_000 });
    const history = await client.getHistory('h-1');
    expect(status.historyLength).toBe(history.length);
    expect(status.historySizeBytes).toBe(bytesOf(history));
  });

  it('is exact while a session holds the instance (its stored summary lags)', async () => {
    const client = cached.durably.client;
    await client.startNew(Listener, { instanceId: 'h-2' });
    for (let i = 0; i < 5; i++) await client.raiseEvent('h-2', 'Go', i);
    await until('five events applied', async () => (await client.getHistory('h-2')).filter((e) => e.type === 'EventRaised').length === 5);
    const history = await client.getHistory('h-2');
    expect(await client.getStatus('h-2')).toMatchObject({ runtimeStatus: 'Running', historyLength: history.length, historySizeBytes: bytesOf(history) });
    await client.terminate('h-2');
  });

  it('ctx.historyLength and historySizeBytes count the history up to the event the code reacts to, the same when replayed', async () => {
    const outputs: Seen[][] = [];
    for (const app of [cached, replaying]) {
      await app.durably.client.startNew(Steps, { instanceId: 'h-3', input: 4 });
      outputs.push((await app.durably.client.waitForCompletion('h-3', { timeoutMs: 20_000 })).output as Seen[]);
    }
    expect(outputs[1]).toEqual(outputs[0]);
    const history = await cached.durably.client.getHistory('h-3');
    for (const seen of outputs[0] as Seen[]) {
      expect(history[seen.length - 1]?.type).toBe('TaskCompleted');
      expect(seen.bytes).toBe(bytesOf(history.slice(0, seen.length)));
      expect(seen.suggested).toBe(seen.length >= 48);
    }
  });

  it('ctx.continueAsNewSuggested turns true at 80% of maxHistoryEvents, and continuing as new resets the count', async () => {
    for (const app of [cached, replaying]) {
      await app.durably.client.startNew(Eternal, { instanceId: 'h-4', input: [] });
      const status = await app.durably.client.waitForCompletion('h-4', { timeoutMs: 30_000 });
      expect(status.runtimeStatus).toBe('Completed');
      for (const length of status.output as number[]) {
        expect(length).toBeGreaterThanOrEqual(48);
        expect(length).toBeLessThan(60);
      }
    }
  });
});
