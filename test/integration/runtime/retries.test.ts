import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container, injectable } from 'tsyringe';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { RetryOptions } from '../../../src/engine/retry-options.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

/** Counts attempts per key; a singleton of the test's container, injected into the activity. */
@injectable()
class AttemptCounter {
  readonly attempts = new Map<string, number>();
  readonly times = new Map<string, number[]>();

  next(key: string): number {
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    this.times.set(key, [...(this.times.get(key) ?? []), Date.now()]);
    return n;
  }
}

class TransientError extends Error {
  override name = 'TransientError';
}

class FatalError extends Error {
  override name = 'FatalError';
}

/** Fails its first `failures` attempts, then succeeds. */
@Activity()
class Flaky {
  constructor(private readonly counter: AttemptCounter) {}
  run(input: { key: string; failures: number; fatal?: boolean }): string {
    const attempt = this.counter.next(input.key);
    if (attempt <= input.failures) {
      throw input.fatal === true ? new FatalError(`fatal on attempt ${attempt}`) : new TransientError(`transient failure on attempt ${attempt}`);
    }
    return `${input.key} succeeded on attempt ${attempt}`;
  }
}

const retry: RetryOptions = { firstRetryIntervalInMilliseconds: 100, maxNumberOfAttempts: 4, backoffCoefficient: 2 };

@Orchestrator()
class WithRetry {
  async run(ctx: OrchestrationContext<{ key: string; failures: number; fatal?: boolean; maxAttempts?: number }>): Promise<string> {
    const policy: RetryOptions = {
      ...retry,
      maxNumberOfAttempts: ctx.input.maxAttempts ?? retry.maxNumberOfAttempts,
      handle: (error) => !(error instanceof TaskFailedError && error.failureDetails.errorType === 'FatalError'),
    };
    try {
      return await ctx.callActivityWithRetry(Flaky, policy, { key: ctx.input.key, failures: ctx.input.failures, fatal: ctx.input.fatal });
    } catch (error) {
      if (error instanceof TaskFailedError) return `gave up: ${error.failureDetails.errorType}: ${error.failureDetails.errorMessage}`;
      throw error;
    }
  }
}

const appContainer = container.createChildContainer();
appContainer.registerSingleton(AttemptCounter);
const counter = appContainer.resolve(AttemptCounter);
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [WithRetry], activities: [Flaky], container: appContainer });
});

afterAll(async () => {
  await app.stop();
});

describe('runtime: activity retries', () => {
  it('retries an activity that fails twice, then succeeds, with durable backoff timers', async () => {
    const client = app.durably.client;
    const id = await client.startNew(WithRetry, { input: { key: 'twice', failures: 2 } });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'twice succeeded on attempt 3' });
    expect(counter.attempts.get('twice')).toBe(3);
    // Backoff: 100 ms, then 200 ms (coefficient 2); a few ms of slack for timer precision.
    const times = counter.times.get('twice') ?? [];
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(95);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(195);
    const history = await client.getHistory(id);
    expect(history.filter((e) => e.type === 'TaskFailed')).toHaveLength(2);
    expect(history.filter((e) => e.type === 'TimerFired')).toHaveLength(2);
    expect(history.filter((e) => e.type === 'TaskCompleted')).toHaveLength(1);
  });

  it('gives up after maxNumberOfAttempts with the last failure', async () => {
    const client = app.durably.client;
    const id = await client.startNew(WithRetry, { input: { key: 'always', failures: 100, maxAttempts: 3 } });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'gave up: TransientError: transient failure on attempt 3' });
    expect(counter.attempts.get('always')).toBe(3);
  });

  it('does not retry a failure that the handle callback rejects', async () => {
    const client = app.durably.client;
    const id = await client.startNew(WithRetry, { input: { key: 'fatal', failures: 100, fatal: true } });
    const status = await client.waitForCompletion(id, { timeoutMs: 15_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'gave up: FatalError: fatal on attempt 1' });
    expect(counter.attempts.get('fatal')).toBe(1);
  });
});
