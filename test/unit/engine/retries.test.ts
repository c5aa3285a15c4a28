import { describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { RetryOptions } from '../../../src/engine/retry-options.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

const SECOND = 1_000;
const start = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);

/** Calls 'Flaky' with the policy it is given; reports the error it finally sees. */
class CallsFlaky {
  caught: unknown;

  constructor(private readonly retry: RetryOptions, private readonly style: 'withRetry' | 'option' = 'withRetry') {}

  async run(ctx: OrchestrationContext): Promise<string> {
    try {
      return this.style === 'withRetry'
        ? await ctx.callActivityWithRetry<string>('Flaky', this.retry, 'payload')
        : await ctx.callActivity<string>('Flaky', 'payload', { retry: this.retry });
    } catch (error) {
      this.caught = error;
      return 'gave up';
    }
  }
}

const flakyHistory = (): HistoryBuilder => new HistoryBuilder({ name: 'CallsFlaky', startTime: start })
  .taskScheduled('Flaky', 'payload').orchestratorCompleted();

describe('retries', () => {
  it.each(['withRetry', 'option'] as const)('a failure schedules a retry timer at currentUtcDateTime + firstRetryInterval (%s)', async (style) => {
    const history = flakyHistory().advance(5 * SECOND).orchestratorStarted().taskFailed(0, new Error('flaky'));

    const decision = await replayHistory(new CallsFlaky({ firstRetryIntervalInMilliseconds: 10 * SECOND, maxNumberOfAttempts: 3 }, style), history);

    expect(decision.actions).toEqual([{ type: 'CreateTimer', sequence: 1, fireAt: at(15 * SECOND) }]);
  });

  it('schedules the activity again, with the same input, when the retry timer fires', async () => {
    const history = flakyHistory()
      .advance(5 * SECOND).orchestratorStarted().taskFailed(0, new Error('flaky')).timerCreated(10 * SECOND).orchestratorCompleted()
      .advance(10 * SECOND).orchestratorStarted().timerFired(1);

    const decision = await replayHistory(new CallsFlaky({ firstRetryIntervalInMilliseconds: 10 * SECOND, maxNumberOfAttempts: 3 }), history);

    // The second attempt of the call: its number is recorded (ctx.attempt of the activity).
    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 2, name: 'Flaky', input: '"payload"', attempt: 2 }]);
  });

  it('completes with the result of a successful retry', async () => {
    const history = flakyHistory()
      .advance(SECOND).orchestratorStarted().taskFailed(0, new Error('flaky')).timerCreated(SECOND).orchestratorCompleted()
      .advance(SECOND).orchestratorStarted().timerFired(1).taskScheduled('Flaky', 'payload').orchestratorCompleted()
      .advance(SECOND).orchestratorStarted().taskCompleted(2, 'finally');

    const decision = await replayHistory(new CallsFlaky({ firstRetryIntervalInMilliseconds: SECOND, maxNumberOfAttempts: 3 }), history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '"finally"' });
  });

  it('grows the delay by backoffCoefficient, capped at maxRetryInterval', async () => {
    const orchestrator = new CallsFlaky({
      firstRetryIntervalInMilliseconds: SECOND, backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 3 * SECOND, maxNumberOfAttempts: 5,
    });
    const history = flakyHistory();
    const delays: number[] = [];
    // Each round: the attempt fails, a timer is decided; the timer fires, the next attempt is decided.
    for (let attempt = 0; attempt < 4; attempt++) {
      history.advance(SECOND).orchestratorStarted().taskFailed(history.nextSequence - 1, new Error(`attempt ${attempt + 1}`));
      const timerDecision = await replayHistory(orchestrator, history);
      const [timer] = timerDecision.actions;
      if (timer?.type !== 'CreateTimer') throw new Error(`expected a retry timer, got ${JSON.stringify(timerDecision.actions)}`);
      delays.push(timer.fireAt.getTime() - history.now.getTime());
      history.append(timerDecision.newHistory).advance(delays.at(-1) ?? 0).orchestratorStarted().timerFired(timer.sequence);
      history.append((await replayHistory(orchestrator, history)).newHistory);
    }

    expect(delays).toEqual([1 * SECOND, 2 * SECOND, 3 * SECOND, 3 * SECOND]);
  });

  it('lets the orchestrator see the TaskFailedError once maxNumberOfAttempts is exhausted', async () => {
    const orchestrator = new CallsFlaky({ firstRetryIntervalInMilliseconds: SECOND, maxNumberOfAttempts: 2 });
    const history = flakyHistory()
      .advance(SECOND).orchestratorStarted().taskFailed(0, new Error('first')).timerCreated(SECOND).orchestratorCompleted()
      .advance(SECOND).orchestratorStarted().timerFired(1).taskScheduled('Flaky', 'payload').orchestratorCompleted()
      .advance(SECOND).orchestratorStarted().taskFailed(2, new Error('second'));

    const decision = await replayHistory(orchestrator, history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toEqual({ status: 'Completed', output: '"gave up"' });
    expect(orchestrator.caught).toBeInstanceOf(TaskFailedError);
    expect(orchestrator.caught).toMatchObject({ taskName: 'Flaky', failureDetails: { errorMessage: 'second' } });
  });

  it('does not retry when handle(error) returns false', async () => {
    const retry: RetryOptions = {
      firstRetryIntervalInMilliseconds: SECOND,
      maxNumberOfAttempts: 5,
      handle: (error) => (error as TaskFailedError).failureDetails.errorType !== 'ValidationError',
    };
    const validation = Object.assign(new Error('bad input'), { name: 'ValidationError' });
    const retried = await replayHistory(new CallsFlaky(retry), flakyHistory().advance(SECOND).orchestratorStarted().taskFailed(0, new Error('flaky')));
    const orchestrator = new CallsFlaky(retry);
    const notRetried = await replayHistory(orchestrator, flakyHistory().advance(SECOND).orchestratorStarted().taskFailed(0, validation));

    expect(retried.actions).toEqual([expect.objectContaining({ type: 'CreateTimer' })]);
    expect(notRetried.actions).toEqual([]);
    expect(orchestrator.caught).toMatchObject({ failureDetails: { errorType: 'ValidationError', errorMessage: 'bad input' } });
  });

  it('does not retry a failure marked isNonRetriable', async () => {
    const history = flakyHistory().advance(SECOND).orchestratorStarted()
      .taskFailed(0, { errorType: 'RegistrationError', errorMessage: "no activity named 'Flaky'", isNonRetriable: true });

    const decision = await replayHistory(new CallsFlaky({ firstRetryIntervalInMilliseconds: SECOND, maxNumberOfAttempts: 5 }), history);

    expect(decision.actions).toEqual([]);
    expect(decision.completion).toEqual({ status: 'Completed', output: '"gave up"' });
  });

  it('gives up when the next attempt would start after retryTimeout', async () => {
    // Timeout 5 s from the first call; 2 s between attempts. Failure at +1 s: retry at +3 s (fits). Failure at +4 s:
    // a retry at +6 s would not fit.
    const retry: RetryOptions = { firstRetryIntervalInMilliseconds: 2 * SECOND, maxNumberOfAttempts: 10, retryTimeoutInMilliseconds: 5 * SECOND };
    const orchestrator = new CallsFlaky(retry);
    const history = flakyHistory()
      .advance(SECOND).orchestratorStarted().taskFailed(0, new Error('first')).timerCreated(2 * SECOND).orchestratorCompleted()
      .advance(2 * SECOND).orchestratorStarted().timerFired(1).taskScheduled('Flaky', 'payload').orchestratorCompleted()
      .advance(SECOND).orchestratorStarted().taskFailed(2, new Error('second'));

    const decision = await replayHistory(orchestrator, history);

    expect(decision.actions).toEqual([]);
    expect(orchestrator.caught).toMatchObject({ failureDetails: { errorMessage: 'second' } });
  });

  it.each<[string, Partial<RetryOptions>]>([
    ['firstRetryIntervalInMilliseconds 0', { firstRetryIntervalInMilliseconds: 0 }],
    ['a missing firstRetryIntervalInMilliseconds', { firstRetryIntervalInMilliseconds: undefined }],
    ['maxNumberOfAttempts 0', { maxNumberOfAttempts: 0 }],
    ['maxNumberOfAttempts NaN', { maxNumberOfAttempts: Number.NaN }],
    ['backoffCoefficient 0.5', { backoffCoefficient: 0.5 }],
    ['a negative maxRetryIntervalInMilliseconds', { maxRetryIntervalInMilliseconds: -1 }],
    ['an infinite retryTimeoutInMilliseconds', { retryTimeoutInMilliseconds: Number.POSITIVE_INFINITY }],
  ])('rejects RetryOptions with %s at the call site', async (_what, change) => {
    const retry = { firstRetryIntervalInMilliseconds: SECOND, maxNumberOfAttempts: 3, ...change };
    class BadPolicy {
      caught: unknown;
      run(ctx: OrchestrationContext): string {
        try {
          void ctx.callActivity('Flaky', 'payload', { retry });
          return 'scheduled';
        } catch (error) {
          this.caught = error;
          return 'rejected';
        }
      }
    }
    const orchestrator = new BadPolicy();

    const decision = await replayHistory(orchestrator, new HistoryBuilder({ name: 'BadPolicy' }));

    expect(orchestrator.caught).toBeInstanceOf(DurableError);
    expect(orchestrator.caught).toMatchObject({ code: 'INVALID_RETRY_OPTIONS' });
    expect(decision.completion).toEqual({ status: 'Completed', output: '"rejected"' });
  });

  it('retries a sub-orchestration the same way', async () => {
    class CallsChild {
      async run(ctx: OrchestrationContext): Promise<unknown> {
        return await ctx.callSubOrchestratorWithRetry('Child', { firstRetryIntervalInMilliseconds: SECOND, maxNumberOfAttempts: 2 }, 'in', 'child-1');
      }
    }
    const history = new HistoryBuilder({ name: 'CallsChild', startTime: start })
      .subOrchestrationCreated('Child', 'in', 'child-1').orchestratorCompleted()
      .advance(SECOND).orchestratorStarted().subOrchestrationFailed(0, new Error('child broke')).timerCreated(SECOND).orchestratorCompleted()
      .advance(SECOND).orchestratorStarted().timerFired(1);

    const decision = await replayHistory(CallsChild, history);

    expect(decision.actions).toEqual([{ type: 'CreateSubOrchestration', sequence: 2, name: 'Child', instanceId: 'child-1', input: '"in"' }]);
  });
});
