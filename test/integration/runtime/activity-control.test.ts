// Work under control (issue 18), in one process: the activity context, timeouts, heartbeats and cancellation —
// through the public API only. The same across processes is in activity-control-processes.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db } from 'mongodb';
import type { ActivityContext } from '../../../src/core/activity-context.js';
import { TaskFailedError } from '../../../src/core/errors/task-failed-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

/** What each run of an activity saw, by the key of its input. */
interface Seen { attempt: number; instanceId: string; activityName: string; last: unknown; aborted?: string }
const seen = new Map<string, Seen[]>();
const record = (key: string, ctx: ActivityContext): void => {
  const entry: Seen = { attempt: ctx.attempt, instanceId: ctx.instanceId, activityName: ctx.activityName, last: ctx.lastHeartbeatDetails };
  seen.set(key, [...(seen.get(key) ?? []), entry]);
  ctx.signal.addEventListener('abort', () => {
    entry.aborted = (ctx.signal.reason as Error).constructor.name;
  });
};
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => {
    clearTimeout(timer);
    resolve();
  });
});

/** Heartbeats its progress, fails the first two attempts, and reports what it resumed from. */
@Activity({ name: 'Resumable' })
class Resumable {
  async run(key: string, ctx: ActivityContext<number>): Promise<string> {
    await Promise.resolve();
    record(key, ctx);
    const from = ctx.lastHeartbeatDetails ?? 0;
    ctx.heartbeat(from + 10);
    if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} fails`);
    return `${ctx.activityName} attempt ${ctx.attempt} from ${from}`;
  }
}

/** Runs `ms` (ignoring nothing: it stops when its signal aborts), never heartbeating. */
@Activity({ name: 'Slow' })
class Slow {
  async run(input: { key: string; ms: number }, ctx: ActivityContext): Promise<string> {
    record(input.key, ctx);
    await sleep(input.ms, ctx.signal);
    return 'slow done';
  }
}

/** The class declares its own start-to-close timeout. */
@Activity({ name: 'SlowWithDefault', startToCloseTimeoutMs: 200 })
class SlowWithDefault {
  async run(key: string, ctx: ActivityContext): Promise<string> {
    record(key, ctx);
    await sleep(60_000, ctx.signal);
    return 'never';
  }
}

/** Always fails. */
@Activity({ name: 'AlwaysFails' })
class AlwaysFails {
  run(key: string, ctx: ActivityContext): never {
    record(key, ctx);
    throw new Error('no luck');
  }
}

interface Call {
  readonly activity: 'Slow' | 'SlowWithDefault' | 'AlwaysFails' | 'Resumable';
  readonly input: unknown;
  readonly options?: Record<string, unknown>;
}

/** Calls one activity with options; returns its result, or how it failed. */
@Orchestrator({ name: 'CallOne' })
class CallOne {
  async run(ctx: OrchestrationContext<Call>): Promise<unknown> {
    try {
      return { ok: await ctx.callActivity(ctx.input.activity, ctx.input.input, ctx.input.options) };
    } catch (error) {
      const details = error instanceof TaskFailedError ? error.failureDetails : undefined;
      return { errorType: details?.errorType, message: details?.errorMessage, name: (error as Error).name, code: (error as { code?: string }).code, text: (error as Error).message };
    }
  }
}

/** Races a slow activity against a short timer; cancels the loser. */
@Orchestrator({ name: 'Race' })
class Race {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    const work = ctx.callActivity(Slow, { key: ctx.input, ms: 60_000 });
    const timer = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 300));
    await ctx.whenAny([work, timer]);
    work.cancel();
    try {
      await work;
      return 'work finished';
    } catch (error) {
      return `cancelled: ${(error as Error).name}, isCancelled ${String(work.isCancelled)}`;
    }
  }
}

/** Runs CallOne as a sub-orchestration (whose activity the test sees running). */
@Orchestrator({ name: 'ParentOfCall' })
class ParentOfCall {
  async run(ctx: OrchestrationContext<Call>): Promise<unknown> {
    return ctx.callSubOrchestrator(CallOne, ctx.input, { instanceId: `${ctx.instanceId}-child` });
  }
}

/** Waits for an event with a timeout; the event comes first, so the timeout's timer is cancelled. */
@Orchestrator({ name: 'WaitsWithTimeout' })
class WaitsWithTimeout {
  async run(ctx: OrchestrationContext): Promise<unknown> {
    const value = await ctx.waitForExternalEvent('Go', { timeoutMs: 3_600_000 });
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 10));
    return value;
  }
}

let app: TestApp;
let driver: MongoClient;
let db: Db;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [CallOne, Race, WaitsWithTimeout, ParentOfCall], activities: [Resumable, Slow, SlowWithDefault, AlwaysFails] });
  driver = await MongoClient.connect(app.mongo.uri);
  db = driver.db(app.mongo.dbName);
});

afterAll(async () => {
  await driver.close();
  await app.stop();
});

const run = async (id: string, input: Call): Promise<unknown> => {
  await app.durably.client.startNew(CallOne, { instanceId: id, input });
  const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 120_000 });
  expect(status.runtimeStatus).toBe('Completed');
  return status.output;
};

describe('the activity context', () => {
  it('tells an activity its instance, name and attempt, and hands each retry the last heartbeat details', async () => {
    const output = await run('ctx-retry', {
      activity: 'Resumable', input: 'resumable',
      options: { retry: { firstRetryIntervalInMilliseconds: 50, maxNumberOfAttempts: 3 } },
    });
    expect(output).toEqual({ ok: 'Resumable attempt 3 from 20' });
    expect(seen.get('resumable')?.map(({ attempt, instanceId, activityName, last }) => ({ attempt, instanceId, activityName, last }))).toEqual([
      { attempt: 1, instanceId: 'ctx-retry', activityName: 'Resumable', last: undefined },
      { attempt: 2, instanceId: 'ctx-retry', activityName: 'Resumable', last: 10 },
      { attempt: 3, instanceId: 'ctx-retry', activityName: 'Resumable', last: 20 },
    ]);
  });
});

describe('timeouts', () => {
  it('fails a call whose attempt outlives startToCloseTimeoutMs with ActivityTimeoutError, its signal aborted', async () => {
    const output = await run('timeout-s2c', { activity: 'Slow', input: { key: 's2c', ms: 60_000 }, options: { startToCloseTimeoutMs: 300 } });
    expect(output).toMatchObject({ errorType: 'ActivityTimeoutError', name: 'TaskFailedError' });
    expect((output as { message: string }).message).toMatch(/start-to-close timeout of 300 ms/);
    expect(seen.get('s2c')?.[0]?.aborted).toBe('ActivityTimeoutError');
  });

  it('applies the timeout an @Activity class declares', async () => {
    const output = await run('timeout-default', { activity: 'SlowWithDefault', input: 'default' });
    expect((output as { message: string }).message).toMatch(/start-to-close timeout of 200 ms/);
    expect(seen.get('default')?.[0]?.aborted).toBe('ActivityTimeoutError');
  });

  it('fails an attempt that does not heartbeat within heartbeatTimeoutMs', async () => {
    const output = await run('timeout-heartbeat', { activity: 'Slow', input: { key: 'hb', ms: 60_000 }, options: { heartbeatTimeoutMs: 300 } });
    expect(output).toMatchObject({ errorType: 'ActivityTimeoutError' });
    expect((output as { message: string }).message).toMatch(/heartbeat timeout of 300 ms/);
  });

  it('retries a timed-out attempt under the retry policy, and gives up the call at scheduleToCloseTimeoutMs', async () => {
    const output = await run('timeout-schedule', {
      activity: 'AlwaysFails', input: 'schedule',
      options: { scheduleToCloseTimeoutMs: 500, retry: { firstRetryIntervalInMilliseconds: 100, maxNumberOfAttempts: 1_000 } },
    });
    expect(output).toMatchObject({ errorType: 'ActivityTimeoutError' });
    expect((output as { message: string }).message).toMatch(/schedule-to-close timeout of 500 ms/);
    expect(seen.get('schedule')?.length).toBeGreaterThanOrEqual(1);
    // Nothing is left scheduled for the given-up call: no pending job, no armed retry timer.
    await until('no job of the given-up call is left', async () => await db.collection('Durably.jobs').countDocuments({ 'data.instanceId': 'timeout-schedule', lastFinishedAt: null }) === 0, 60_000);
  });

  it('rejects a timeout that is not a positive number of milliseconds where the call is written', async () => {
    const output = await run('timeout-bad', { activity: 'Slow', input: { key: 'bad', ms: 1 }, options: { startToCloseTimeoutMs: -5 } });
    expect(output).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((output as { text: string }).text).toMatch(/startToCloseTimeoutMs must be a number of milliseconds from 1 to \d+, got -5/);
    expect(seen.get('bad')).toBeUndefined();
  });
});

describe('cancellation', () => {
  it('cancels the losing activity of a race: the code stops waiting, the signal is aborted, no result is recorded', async () => {
    await app.durably.client.startNew(Race, { instanceId: 'race', input: 'race' });
    const status = await app.durably.client.waitForCompletion('race', { timeoutMs: 120_000 });
    expect(status.output).toBe('cancelled: TaskCanceledError, isCancelled true');
    await until('the losing activity\'s signal is aborted', () => seen.get('race')?.[0]?.aborted === 'TaskCanceledError', 60_000);
    const history = await app.durably.client.getHistory('race');
    const types = history.map((e) => e.type);
    expect(types).toContain('TaskCancelRequested');
    expect(types).not.toContain('TaskCompleted');
  });

  it('removes the job of a cancelled timer', async () => {
    await app.durably.client.startNew(WaitsWithTimeout, { instanceId: 'cancel-timer' });
    await until('the instance waits', async () => (await app.durably.client.getStatus('cancel-timer'))?.runtimeStatus === 'Running', 60_000);
    await app.durably.client.raiseEvent('cancel-timer', 'Go', 42);
    const status = await app.durably.client.waitForCompletion('cancel-timer', { timeoutMs: 120_000 });
    expect(status.output).toBe(42);
    expect((await app.durably.client.getHistory('cancel-timer')).map((e) => e.type)).toContain('TimerCanceled');
    // The hour-long timer's job is gone (not merely ignored when it fires).
    const timers = await db.collection('Durably.jobs').find({ 'data.instanceId': 'cancel-timer' }).toArray();
    expect(timers.filter((job) => (job.data as { fireAt?: Date }).fireAt !== undefined).map((job) => (job.data as { sequence: number }).sequence)).toEqual([1]);
  });

  it('aborts the signals of a terminated instance\'s running activities', async () => {
    await app.durably.client.startNew(CallOne, { instanceId: 'terminate-running', input: { activity: 'Slow', input: { key: 'terminated', ms: 60_000 } } });
    await until('the activity runs', () => seen.get('terminated') !== undefined, 60_000);
    await app.durably.client.terminate('terminate-running', 'enough');
    await until('the activity\'s signal is aborted', () => seen.get('terminated')?.[0]?.aborted === 'TaskCanceledError', 60_000);
    expect((await app.durably.client.getStatus('terminate-running'))?.runtimeStatus).toBe('Terminated');
  });

  it('terminating a parent ends its running child and aborts the signal of the child\'s running activity', async () => {
    await app.durably.client.startNew(ParentOfCall, { instanceId: 'parent', input: { activity: 'Slow', input: { key: 'grandchild-work', ms: 60_000 } } });
    await until('the child\'s activity runs', () => seen.get('grandchild-work') !== undefined, 60_000);
    await app.durably.client.terminate('parent', 'stop everything');
    await until('the child\'s activity\'s signal is aborted', () => seen.get('grandchild-work')?.[0]?.aborted === 'TaskCanceledError', 60_000);
    await until('the child is terminated', async () => (await app.durably.client.getStatus('parent-child'))?.runtimeStatus === 'Terminated', 60_000);
    expect((await app.durably.client.getStatus('parent'))?.runtimeStatus).toBe('Terminated');
  });
});
