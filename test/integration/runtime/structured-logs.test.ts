// Structured logs: the logger gets a record for each lifecycle step (started, completed, failed) with the instance's
// identities, and an orchestrator's ctx.log line once, however often the orchestrator replays.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { DurablyLogRecord, LifecycleEvent } from '../../../src/core/runtime-logger.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryEventType } from '../../../src/history/history-event.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { createTestEnvironment, type TestEnvironment } from '../../../src/testing/index.js';

const records: DurablyLogRecord[] = [];
let runs = 0;

@Activity()
class Double {
  run(n: number): number {
    return n * 2;
  }
}

@Activity()
class Refuse {
  run(): never {
    throw new Error('refused on purpose');
  }
}

@Orchestrator()
class LoggingChain {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    // eslint-disable-next-line durably/no-module-state -- counts the runs (replays) on purpose
    runs++;
    ctx.log.info('chain started', { input: ctx.input });
    const once = await ctx.callActivity(Double, ctx.input);
    const twice = await ctx.callActivity(Double, once);
    ctx.log.debug('chain done');
    return twice;
  }
}

@Orchestrator()
class FailingChain {
  async run(ctx: OrchestrationContext): Promise<void> {
    await ctx.callActivity(Refuse);
  }
}

let env: TestEnvironment | undefined;

afterEach(async () => {
  await env?.dispose();
  env = undefined;
  records.length = 0;
  runs = 0;
});

/** The instance's current execution, as its history's ExecutionStarted names it. */
async function executionOf(id: string): Promise<string> {
  const started = (await env!.client.getHistory(id)).find((event) => event.type === HistoryEventType.ExecutionStarted);
  if (started?.type !== HistoryEventType.ExecutionStarted) throw new Error(`no ExecutionStarted in the history of '${id}'`);
  return started.executionId;
}

/** Resolves once a record matches, or throws after a generous deadline (no assertion on how long it took). */
async function recordOf(event: LifecycleEvent, instanceId: string): Promise<DurablyLogRecord> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = records.find((r) => r.event === event && r.instanceId === instanceId);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${event} record for '${instanceId}' in:\n${records.map((r) => `${r.level} ${r.event ?? '-'} ${r.message}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function start(): Promise<TestEnvironment> {
  env = await createTestEnvironment({
    orchestrators: [LoggingChain, FailingChain],
    activities: [Double, Refuse],
    // No cached executions, no lingering: every result is applied by a new episode that replays the orchestrator.
    tuning: { executionCacheMaxInstances: 0, episodeLingerMs: 0 },
    logger: (level, message, record) => {
      expect(record.level).toBe(level);
      expect(record.message).toBe(message);
      expect(record.time).toBeInstanceOf(Date);
      records.push(record);
    },
  });
  return env;
}

describe('structured logs', () => {
  it('an instance that completes: started and completed records with its instanceId, executionId and name', async () => {
    const { client } = await start();
    const id = await client.startNew(LoggingChain, { input: 3 });
    const status = await client.waitForCompletion(id, { timeoutMs: 30_000 });
    expect(status.runtimeStatus).toBe('Completed');
    const executionId = await executionOf(id);

    const started = await recordOf('instance.started', id);
    expect(started).toMatchObject({ level: 'info', instanceId: id, executionId, name: 'LoggingChain' });
    const completed = await recordOf('instance.completed', id);
    expect(completed).toMatchObject({ level: 'info', instanceId: id, executionId, name: 'LoggingChain' });
    expect(completed.error).toBeUndefined();
    expect(records.filter((r) => r.event === 'instance.completed' && r.instanceId === id)).toHaveLength(1);
  });

  it("an orchestrator's ctx.log line is logged once though the orchestrator replays", async () => {
    const { client } = await start();
    const id = await client.startNew(LoggingChain, { input: 5 });
    expect((await client.waitForCompletion(id, { timeoutMs: 30_000 })).output).toBe(20);
    await recordOf('instance.completed', id);
    // It did replay: one run per episode (the start, and each activity's result).
    expect(runs).toBeGreaterThanOrEqual(2);

    const lines = records.filter((r) => r.event === 'orchestrator.log' && r.instanceId === id);
    expect(lines.map((r) => [r.level, r.message])).toEqual([['info', 'chain started'], ['debug', 'chain done']]);
    const executionId = await executionOf(id);
    expect(lines[0]).toMatchObject({ instanceId: id, executionId, name: 'LoggingChain', args: [{ input: 5 }] });
  });

  it('an instance that fails: a warn record with the failure as an error', async () => {
    const { client } = await start();
    const id = await client.startNew(FailingChain);
    expect((await client.waitForCompletion(id, { timeoutMs: 30_000 })).runtimeStatus).toBe('Failed');
    const executionId = await executionOf(id);

    expect(await recordOf('instance.started', id)).toMatchObject({ instanceId: id, executionId, name: 'FailingChain' });
    const failed = await recordOf('instance.failed', id);
    expect(failed).toMatchObject({ level: 'warn', instanceId: id, executionId, name: 'FailingChain' });
    expect(failed.error).toBeInstanceOf(Error);
    expect((failed.error as Error).message).toContain('refused on purpose');
    expect(records.some((r) => r.event === 'instance.completed' && r.instanceId === id)).toBe(false);

    // The activity's failed attempt, at debug, with its identities.
    const attempt = await recordOf('activity.failed', id);
    expect(attempt).toMatchObject({ level: 'debug', instanceId: id, executionId, name: 'Refuse', attempt: 1 });
    expect((attempt.error as Error).message).toBe('refused on purpose');
  });
});
