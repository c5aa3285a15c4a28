import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container } from 'tsyringe';
import { PayloadTooLargeError } from '../../../src/core/errors/payload-too-large-error.js';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { waitFor } from '../../support/test-db.js';

const MAX_PAYLOAD = 1024;
const MAX_HISTORY = 40;
const MAX_ACTIONS = 20;
const ledger: string[] = [];

class CardDeclinedError extends Error {
  override name = 'CardDeclinedError';
}

class OrderInvalidError extends Error {
  override name = 'OrderInvalidError';
}

@Activity()
class ReserveStock {
  run(order: string): string {
    ledger.push(`reserve:${order}`);
    return `stock for ${order}`;
  }
}

@Activity()
class ReleaseStock {
  run(order: string): void {
    ledger.push(`release:${order}`);
  }
}

@Activity()
class ChargeCard {
  run(order: string): string {
    if (order.includes('declined')) throw new CardDeclinedError(`card declined for ${order}`, { cause: new Error('insufficient funds') });
    ledger.push(`charge:${order}`);
    return `charged ${order}`;
  }
}

@Activity()
class Produce {
  run(bytes: number): string {
    return 'x'.repeat(bytes);
  }
}

@Activity()
class Noop {
  async run(): Promise<void> {}
}

/** Charges without catching: a failure fails the orchestration. */
@Orchestrator()
class ChargeOnly {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(ChargeCard, ctx.input);
  }
}

/** Throws an error of its own. */
@Orchestrator()
class ValidateOrder {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    await ctx.callActivity(Noop);
    throw new OrderInvalidError(`order ${ctx.input} is invalid`);
  }
}

/** Reserves, charges, and releases the reservation when the charge fails (compensation). */
@Orchestrator()
class PlaceOrder {
  async run(ctx: OrchestrationContext<{ order: string; rethrow: boolean }>): Promise<string> {
    const { order, rethrow } = ctx.input;
    await ctx.callActivity(ReserveStock, order);
    try {
      return await ctx.callActivity(ChargeCard, order);
    } catch (error) {
      if (!(error instanceof TaskFailedError)) throw error;
      await ctx.callActivity(ReleaseStock, order);
      if (rethrow) throw error;
      return `compensated: ${error.failureDetails.errorType}`;
    }
  }
}

/** Calls an activity with an input of `bytes` characters. */
@Orchestrator()
class BigActivityInput {
  async run(ctx: OrchestrationContext<number>): Promise<string> {
    await ctx.callActivity(Noop);
    return ctx.callActivity(ReserveStock, 'y'.repeat(ctx.input));
  }
}

/** Has an activity return `bytes` characters. */
@Orchestrator()
class BigActivityResult {
  async run(ctx: OrchestrationContext<number>): Promise<string> {
    try {
      return await ctx.callActivity(Produce, ctx.input);
    } catch (error) {
      if (error instanceof TaskFailedError) return `caught ${error.failureDetails.errorType}`;
      throw error;
    }
  }
}

/** Returns `bytes` characters. */
@Orchestrator()
class BigOutput {
  async run(ctx: OrchestrationContext<number>): Promise<string> {
    await ctx.callActivity(Noop);
    return 'z'.repeat(ctx.input);
  }
}

/** Calls Noop `count` times, one after the other. */
@Orchestrator()
class LongLoop {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    for (let i = 0; i < ctx.input; i++) await ctx.callActivity(Noop);
    return ctx.input;
  }
}

/** Starts `count` activities in one episode. */
@Orchestrator()
class WideFanOut {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    const results = await ctx.whenAll(Array.from({ length: ctx.input }, () => ctx.callActivity(Noop)));
    return results.length;
  }
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    orchestrators: [ChargeOnly, ValidateOrder, PlaceOrder, BigActivityInput, BigActivityResult, BigOutput, LongLoop, WideFanOut],
    activities: [ReserveStock, ReleaseStock, ChargeCard, Produce, Noop],
    container: container.createChildContainer(),
    maxPayloadBytes: MAX_PAYLOAD,
    maxHistoryEvents: MAX_HISTORY,
    maxActionsPerEpisode: MAX_ACTIONS,
  });
});

afterAll(async () => {
  await app.stop();
});

describe('runtime: failures', () => {
  describe('errors and compensation', () => {
    it('fails the orchestration on an uncaught activity error, with its details in getStatus', async () => {
      const client = app.durably.client;
      const id = await client.startNew(ChargeOnly, { input: 'order-declined' });
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails).toMatchObject({
        errorType: 'TaskFailedError',
        errorMessage: expect.stringContaining('card declined for order-declined'),
        innerFailure: {
          errorType: 'CardDeclinedError',
          errorMessage: 'card declined for order-declined',
          stackTrace: expect.stringContaining('CardDeclinedError'),
          innerFailure: { errorType: 'Error', errorMessage: 'insufficient funds' },
        },
      });
      // Durable Functions reports a failed instance's output as its orchestrator shim's text around the error message.
      expect(status.output).toBe(`Orchestrator function 'ChargeOnly' failed: ${status.failureDetails?.errorMessage}`);
      const history = await client.getHistory(id);
      expect(history.find((e) => e.type === 'TaskFailed')).toMatchObject({ failureDetails: { errorType: 'CardDeclinedError' } });
      expect(history.find((e) => e.type === 'ExecutionCompleted')).toMatchObject({ orchestrationStatus: 'Failed' });
      const view = await client.getStatus(id, { showHistory: true });
      expect(view?.historyEvents?.find((e) => e.EventType === 'TaskFailed')).toMatchObject({ FunctionName: 'ChargeCard', Details: 'CardDeclinedError' });
    });

    it("fails the orchestration with the orchestrator's own error type", async () => {
      const client = app.durably.client;
      const id = await client.startNew(ValidateOrder, { input: 'o-7' });
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status).toMatchObject({ runtimeStatus: 'Failed', output: "Orchestrator function 'ValidateOrder' failed: order o-7 is invalid" });
      expect(status.failureDetails).toMatchObject({ errorType: 'OrderInvalidError', errorMessage: 'order o-7 is invalid' });
    });

    it('compensates in a catch block and completes', async () => {
      const client = app.durably.client;
      const id = await client.startNew(PlaceOrder, { input: { order: 'comp-declined', rethrow: false } });
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'compensated: CardDeclinedError' });
      expect(ledger.filter((l) => l.endsWith(':comp-declined'))).toEqual(['reserve:comp-declined', 'release:comp-declined']);
    });

    it('compensates, then fails by rethrowing', async () => {
      const client = app.durably.client;
      const id = await client.startNew(PlaceOrder, { input: { order: 'rethrow-declined', rethrow: true } });
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails?.errorType).toBe('TaskFailedError');
      expect(ledger.filter((l) => l.endsWith(':rethrow-declined'))).toEqual(['reserve:rethrow-declined', 'release:rethrow-declined']);
    });

    it('does not compensate when the charge succeeds', async () => {
      const client = app.durably.client;
      const id = await client.startNew(PlaceOrder, { input: { order: 'fine', rethrow: true } });
      expect(await client.waitForCompletion(id, { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 'charged fine' });
      expect(ledger.filter((l) => l.endsWith(':fine'))).toEqual(['reserve:fine', 'charge:fine']);
    });
  });

  describe(`payloads over maxPayloadBytes (${MAX_PAYLOAD})`, () => {
    it('rejects a too-large input at startNew, creating nothing', async () => {
      const client = app.durably.client;
      let error: unknown;
      try {
        await client.startNew(ChargeOnly, { instanceId: 'too-big', input: 'x'.repeat(2 * MAX_PAYLOAD) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', what: 'input', limit: MAX_PAYLOAD });
      expect((error as PayloadTooLargeError).size).toBeGreaterThan(MAX_PAYLOAD);
      expect((error as Error).message).toMatch(/input is \d+ bytes after encoding, over the limit of 1024 bytes/);
      expect(await client.getStatus('too-big')).toBeUndefined();
    });

    it('accepts an input just under the limit', async () => {
      const client = app.durably.client;
      const id = await client.startNew(LongLoop, { input: 1 });
      expect((await client.waitForCompletion(id, { timeoutMs: 10_000 })).runtimeStatus).toBe('Completed');
      const id2 = await client.startNew(ChargeOnly, { input: 'x'.repeat(MAX_PAYLOAD - 10) });
      expect((await client.waitForCompletion(id2, { timeoutMs: 10_000 })).runtimeStatus).toBe('Completed');
    });

    it('fails the orchestration when it passes a too-large input to an activity', async () => {
      const client = app.durably.client;
      const id = await client.startNew(BigActivityInput, { input: 2 * MAX_PAYLOAD });
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails).toMatchObject({ errorType: 'PayloadTooLargeError', errorMessage: expect.stringContaining("input of activity 'ReserveStock'") });
      expect(ledger.some((l) => l.startsWith('reserve:yyyy'))).toBe(false);
    });

    it('fails the activity task when its result is too large', async () => {
      const client = app.durably.client;
      const id = await client.startNew(BigActivityResult, { input: 2 * MAX_PAYLOAD });
      expect(await client.waitForCompletion(id, { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 'caught PayloadTooLargeError' });
    });

    it('fails the orchestration when its output is too large', async () => {
      const client = app.durably.client;
      const id = await client.startNew(BigOutput, { input: 2 * MAX_PAYLOAD });
      const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails).toMatchObject({ errorType: 'PayloadTooLargeError', errorMessage: expect.stringContaining('orchestrator output') });
    });

    it('rejects too-large event data at raiseEvent', async () => {
      const client = app.durably.client;
      const id = await client.startNew(LongLoop, { input: 3, startAt: new Date(Date.now() + 60_000) });
      await expect(client.raiseEvent(id, 'Big', 'e'.repeat(2 * MAX_PAYLOAD))).rejects.toBeInstanceOf(PayloadTooLargeError);
    });
  });

  describe('limits', () => {
    it(`fails an execution whose history exceeds maxHistoryEvents (${MAX_HISTORY}) with HistoryLimitExceeded`, async () => {
      const client = app.durably.client;
      const id = await client.startNew(LongLoop, { input: 30 });
      const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails).toMatchObject({ errorType: 'HistoryLimitExceeded', errorMessage: expect.stringContaining('continueAsNew') });
      const history = await client.getHistory(id);
      expect(history.length).toBeLessThanOrEqual(MAX_HISTORY + 4);
      expect(history.filter((e) => e.type === 'ExecutionCompleted')).toEqual([expect.objectContaining({ orchestrationStatus: 'Failed' })]);
      // Nothing more runs for it.
      const scheduled = history.filter((e) => e.type === 'TaskScheduled').length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await client.getHistory(id)).filter((e) => e.type === 'TaskScheduled')).toHaveLength(scheduled);
    });

    it(`fails an episode that starts more than maxActionsPerEpisode (${MAX_ACTIONS}) actions with FanOutLimitExceeded`, async () => {
      const client = app.durably.client;
      const id = await client.startNew(WideFanOut, { input: MAX_ACTIONS + 1 });
      const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.failureDetails?.errorType).toBe('FanOutLimitExceeded');
      // No activity of the refused fan-out was scheduled.
      expect((await client.getHistory(id)).filter((e) => e.type === 'TaskScheduled')).toHaveLength(0);
      const ok = await client.startNew(WideFanOut, { input: 5 });
      expect(await client.waitForCompletion(ok, { timeoutMs: 15_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 5 });
    });
  });

  it('keeps running other instances while some fail', async () => {
    const client = app.durably.client;
    const ids = await Promise.all([
      client.startNew(ChargeOnly, { input: 'mix-declined' }),
      client.startNew(ChargeOnly, { input: 'mix-ok' }),
    ]);
    expect(await waitFor(async () => {
      const statuses = await Promise.all(ids.map((id) => client.getStatus(id)));
      return statuses.every((s) => s?.runtimeStatus === 'Failed' || s?.runtimeStatus === 'Completed');
    }, 10_000, 20)).toBe(true);
    expect((await client.getStatus(ids[0] ?? ''))?.runtimeStatus).toBe('Failed');
    expect((await client.getStatus(ids[1] ?? ''))?.runtimeStatus).toBe('Completed');
  });
});
