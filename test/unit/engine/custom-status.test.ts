import { describe, expect, it } from '@jest/globals';
import { InvalidPayloadError } from '../../../src/core/errors/invalid-payload-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

/** Sets each input value as the status, in order, then waits for an activity. */
class SetsStatus {
  async run(ctx: OrchestrationContext<unknown[]>): Promise<void> {
    for (const value of ctx.input) ctx.setCustomStatus(value);
    await ctx.callActivity('Work');
  }
}

describe('custom status', () => {
  it('is undefined when never set', async () => {
    const decision = await replayHistory(SetsStatus, new HistoryBuilder({ name: 'SetsStatus', input: [] }));

    expect(decision.customStatus).toBeUndefined();
  });

  it('is the last value set, encoded with the codec', async () => {
    const history = new HistoryBuilder({ name: 'SetsStatus', input: ['starting', { step: 2, at: new Date('2026-01-01T00:00:00Z') }] });

    const decision = await replayHistory(SetsStatus, history);

    expect(decision.customStatus).toBe('{"step":2,"at":{"$date":"2026-01-01T00:00:00.000Z"}}');
  });

  it('can be cleared by setting undefined', async () => {
    class ClearsStatus {
      async run(ctx: OrchestrationContext): Promise<void> {
        ctx.setCustomStatus('busy');
        ctx.setCustomStatus(undefined);
        await ctx.callActivity('Work');
      }
    }

    const decision = await replayHistory(ClearsStatus, new HistoryBuilder({ name: 'ClearsStatus' }));

    expect(decision.customStatus).toBeUndefined();
  });

  it('is kept in the decision that completes the orchestration', async () => {
    const history = new HistoryBuilder({ name: 'SetsStatus', input: ['almost done'] })
      .taskScheduled('Work').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0);

    const decision = await replayHistory(SetsStatus, history);

    expect(decision.completion?.status).toBe('Completed');
    expect(decision.customStatus).toBe('"almost done"');
  });

  it('rejects a value that cannot be stored at the call site, naming the path', async () => {
    class BadStatus {
      caught: unknown;
      async run(ctx: OrchestrationContext): Promise<void> {
        try {
          ctx.setCustomStatus({ progress: 1, onDone: () => undefined });
        } catch (error) {
          this.caught = error;
        }
        await ctx.callActivity('Work');
      }
    }
    const orchestrator = new BadStatus();

    const decision = await replayHistory(orchestrator, new HistoryBuilder({ name: 'BadStatus' }));

    expect(orchestrator.caught).toBeInstanceOf(InvalidPayloadError);
    expect(orchestrator.caught).toMatchObject({ path: 'custom status.onDone' });
    expect(decision.customStatus).toBeUndefined();
  });
});
