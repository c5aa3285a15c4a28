import { describe, expect, it } from '@jest/globals';
import { InvalidPayloadError } from '../../../src/core/errors/invalid-payload-error.js';
import { HistoryEventType } from '../../../src/history/history-event.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

/** Calls 'Resize' with the input it is given; keeps what the call threw. */
class CallsResize {
  caught: unknown;

  constructor(private readonly input: unknown) {}

  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      void ctx.callActivity('Resize', this.input);
    } catch (error) {
      this.caught = error;
      return 'rejected at the call site';
    }
    await ctx.createTimer(ctx.currentUtcDateTime);
    return 'scheduled';
  }
}

describe('payloads at the call site', () => {
  it('an activity input holding a function throws InvalidPayloadError naming the path', async () => {
    const orchestrator = new CallsResize({ image: 'a.png', options: { sizes: [1, 2], onProgress: () => undefined } });

    const decision = await replayHistory(orchestrator, new HistoryBuilder({ name: 'CallsResize' }));

    expect(orchestrator.caught).toBeInstanceOf(InvalidPayloadError);
    expect(orchestrator.caught).toMatchObject({
      path: "input of activity 'Resize'.options.onProgress",
      message: expect.stringContaining('functions cannot cross the durable boundary'),
    });
    expect(decision.actions).toEqual([]);
  });

  it('an activity input with a circular reference throws InvalidPayloadError naming the path', async () => {
    const input: { items: Array<{ parent?: unknown }> } = { items: [{}] };
    (input.items[0] as { parent?: unknown }).parent = input;
    const orchestrator = new CallsResize(input);

    await replayHistory(orchestrator, new HistoryBuilder({ name: 'CallsResize' }));

    expect(orchestrator.caught).toMatchObject({
      path: "input of activity 'Resize'.items[0].parent",
      reason: "circular reference to input of activity 'Resize'",
    });
  });

  it('uncaught, it fails the orchestration with errorType InvalidPayloadError', async () => {
    class Uncaught {
      async run(ctx: OrchestrationContext): Promise<unknown> {
        return await ctx.callActivity('Resize', { callback: () => 1 });
      }
    }

    const decision = await replayHistory(Uncaught, new HistoryBuilder({ name: 'Uncaught' }));

    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorType: 'InvalidPayloadError' } });
  });

  it('an orchestrator output that cannot be stored fails the orchestration', async () => {
    class ReturnsMap {
      run(): Map<string, number> {
        return new Map([['a', 1]]);
      }
    }

    const decision = await replayHistory(ReturnsMap, new HistoryBuilder({ name: 'ReturnsMap' }));

    expect(decision.completion).toMatchObject({
      status: 'Failed',
      failureDetails: { errorType: 'InvalidPayloadError', errorMessage: expect.stringContaining('Cannot store orchestrator output') },
    });
  });
});

describe('Dates through history', () => {
  const due = new Date('2026-03-04T05:06:07.089Z');
  const shipped = new Date('2026-03-05T00:00:00.000Z');

  class Shipping {
    async run(ctx: OrchestrationContext<{ due: Date }>): Promise<{ due: Date; shipped: Date; event: Date; kinds: string[] }> {
      const shippedAt = await ctx.callActivity<Date>('Ship', { due: ctx.input.due });
      const event = await ctx.waitForExternalEvent<Date>('Delivered');
      const kinds = [ctx.input.due, shippedAt, event].map((value) => (value instanceof Date ? 'Date' : typeof value));
      return { due: ctx.input.due, shipped: shippedAt, event, kinds };
    }
  }

  it('a Date in an activity input is stored tagged', async () => {
    const decision = await replayHistory(Shipping, new HistoryBuilder({ name: 'Shipping', input: { due } }));

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 0, name: 'Ship', input: '{"due":{"$date":"2026-03-04T05:06:07.089Z"}}' }]);
  });

  it('orchestration input, activity output and event data come back as Date, and the output stores them as Date', async () => {
    const history = new HistoryBuilder({ name: 'Shipping', input: { due } })
      .taskScheduled('Ship', { due }).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0, shipped).eventRaised('Delivered', shipped);

    const decision = await replayHistory(Shipping, history);

    expect(decision.completion).toEqual({
      status: 'Completed',
      output: JSON.stringify({
        due: { $date: due.toISOString() }, shipped: { $date: shipped.toISOString() }, event: { $date: shipped.toISOString() }, kinds: ['Date', 'Date', 'Date'],
      }),
    });
  });

  it('a stored result that cannot be decoded fails the task with InvalidPayloadError', async () => {
    class ReadsResult {
      caught: unknown;
      async run(ctx: OrchestrationContext): Promise<void> {
        try {
          await ctx.callActivity('Ship');
        } catch (error) {
          this.caught = error;
        }
      }
    }
    const orchestrator = new ReadsResult();
    const history = new HistoryBuilder({ name: 'ReadsResult' })
      .taskScheduled('Ship').orchestratorCompleted()
      .advance(1_000).orchestratorStarted();
    history.append([{ type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: history.now, taskScheduledId: 0, result: '{"$date":"yesterday"}' }]);

    await replayHistory(orchestrator, history);

    expect(orchestrator.caught).toBeInstanceOf(InvalidPayloadError);
    expect(orchestrator.caught).toMatchObject({ message: expect.stringContaining('Cannot decode <stored payload>') });
  });
});
