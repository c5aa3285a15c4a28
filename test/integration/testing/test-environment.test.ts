// createTestEnvironment: the real runtime on a private database with a virtual clock. Timers of hours and days
// fire as soon as the test lets time move; nothing here waits in real time for them (each wait's own timeout would
// fail the test long before a real 72-hour timer could fire).
import { afterEach, describe, expect, it } from '@jest/globals';
import { container as rootContainer, injectable } from 'tsyringe';
import { DurableError } from '../../../src/core/durable-error.js';
import { TimeoutError } from '../../../src/core/errors/timeout-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { HistoryEventType } from '../../../src/history/history-event.js';
import { Activity, Entity, Orchestrator } from '../../../src/registry/index.js';
import { createTestEnvironment, type TestEnvironment } from '../../../src/testing/index.js';

const HOUR = 3_600_000;
const calls: string[] = [];

@Activity()
class RequestApproval {
  run(request: string): string {
    calls.push(`RequestApproval:${request}`);
    return `asked for ${request}`;
  }
}

@Activity()
class Escalate {
  run(request: string): string {
    calls.push(`Escalate:${request}`);
    return `escalated ${request}`;
  }
}

/** The overview's human interaction: approval within 72 hours, or escalation. */
@Orchestrator()
class ApprovalWorkflow {
  async run(ctx: OrchestrationContext<string>): Promise<{ outcome: string; decidedAt: string }> {
    await ctx.callActivity(RequestApproval, ctx.input);
    const timeout = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 72 * HOUR));
    const approval = ctx.waitForExternalEvent<string>('Approval');
    await ctx.whenAny([approval, timeout]);
    if (approval.isCompleted) {
      timeout.cancel();
      return { outcome: `approved by ${approval.result ?? '?'}`, decidedAt: ctx.currentUtcDateTime.toISOString() };
    }
    return { outcome: await ctx.callActivity(Escalate, ctx.input), decidedAt: ctx.currentUtcDateTime.toISOString() };
  }
}

@Activity()
class CheckJob {
  run(job: string): string {
    calls.push(`CheckJob:${job}`);
    return calls.filter((c) => c === `CheckJob:${job}`).length >= 4 ? 'done' : 'running';
  }
}

/** The overview's monitor: poll every hour until the job is done. */
@Orchestrator()
class JobMonitor {
  async run(ctx: OrchestrationContext<string>): Promise<number> {
    for (let polls = 1; ; polls++) {
      if ((await ctx.callActivity(CheckJob, ctx.input)) === 'done') return polls;
      await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + HOUR));
    }
  }
}

@Orchestrator()
class WhatTimeIsIt {
  run(ctx: OrchestrationContext): string {
    return ctx.currentUtcDateTime.toISOString();
  }
}

@Activity()
class SendEmail {
  run(to: string): string {
    throw new Error(`the real SendEmail must not run in tests (to ${to})`);
  }
}

@Orchestrator()
class Notify {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(SendEmail, ctx.input);
  }
}

@injectable()
class Gate {
  open: () => void = () => undefined;
  readonly passed = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

@Activity()
class WaitAtGate {
  constructor(private readonly gate: Gate) {}
  async run(): Promise<string> {
    await this.gate.passed;
    return 'through';
  }
}

@Orchestrator()
class GateThenTimer {
  async run(ctx: OrchestrationContext): Promise<string> {
    const through = await ctx.callActivity(WaitAtGate);
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + HOUR));
    return through;
  }
}

@Entity()
class Reminders extends DurableEntity<string[]> {
  protected override initializeState(): string[] {
    return [];
  }
  add(text: string): void {
    this.state = [...this.state, text];
  }
}

@Activity()
class Flaky {
  run(key: string): string {
    calls.push(`Flaky:${key}`);
    if (calls.filter((c) => c === `Flaky:${key}`).length < 3) throw new Error('not yet');
    return `ok ${key}`;
  }
}

/** Retries an activity with an hour of backoff, doubling. */
@Orchestrator()
class PatientRetry {
  async run(ctx: OrchestrationContext<string>): Promise<{ result: string; at: string }> {
    const result = await ctx.callActivityWithRetry(Flaky, { firstRetryIntervalInMilliseconds: HOUR, maxNumberOfAttempts: 5, backoffCoefficient: 2 }, ctx.input);
    return { result, at: ctx.currentUtcDateTime.toISOString() };
  }
}

/** An eternal monitor: counts a reminder into an entity every day, continuing as new each time. */
@Orchestrator()
class DailyReminder {
  async run(ctx: OrchestrationContext<number>): Promise<void> {
    if (ctx.input >= 3) return;
    await ctx.callEntity(new EntityId('Reminders', 'daily'), 'add', `day ${ctx.input}`);
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 24 * HOUR));
    ctx.continueAsNew(ctx.input + 1);
  }
}

let env: TestEnvironment | undefined;

afterEach(async () => {
  await env?.dispose();
  env = undefined;
  calls.length = 0;
});

const start = new Date('2030-01-01T09:00:00.000Z');

describe('createTestEnvironment', () => {
  it('runs a 72-hour approval timeout in an instant: waitForCompletion skips to the timer', async () => {
    env = await createTestEnvironment({ orchestrators: [ApprovalWorkflow], activities: [RequestApproval, Escalate], startTime: start });
    const id = await env.client.startNew(ApprovalWorkflow, { input: 'order-42' });
    const status = await env.client.waitForCompletion(id, { timeoutMs: 20_000 });

    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ outcome: 'escalated order-42', decidedAt: expect.any(String) });
    const decidedAt = new Date((status.output as { decidedAt: string }).decidedAt).getTime();
    expect(decidedAt).toBeGreaterThanOrEqual(start.getTime() + 72 * HOUR);
    expect(decidedAt).toBeLessThan(start.getTime() + 73 * HOUR);
    expect(env.now().getTime()).toBeGreaterThanOrEqual(start.getTime() + 72 * HOUR);
    expect(calls).toEqual(['RequestApproval:order-42', 'Escalate:order-42']);
    // The timer fired at its time, by the history's own clock.
    const history = await env.client.getHistory(id);
    const fired = history.find((e) => e.type === HistoryEventType.TimerFired);
    expect(fired?.type === HistoryEventType.TimerFired && fired.timestamp.getTime()).toBeGreaterThanOrEqual(start.getTime() + 72 * HOUR);
  }, 60_000);

  it('lets the test move time by hand: an approval an hour in wins over the 72-hour timeout', async () => {
    env = await createTestEnvironment({ orchestrators: [ApprovalWorkflow], activities: [RequestApproval, Escalate], startTime: start });
    const id = await env.client.startNew(ApprovalWorkflow, { input: 'order-7' });
    await env.skipTime(HOUR);
    expect((await env.client.getStatus(id))?.runtimeStatus).toBe('Running');
    await env.client.raiseEvent(id, 'Approval', 'Alice');
    const status = await env.client.waitForCompletion(id, { timeoutMs: 20_000 });

    expect(status.output).toEqual({ outcome: 'approved by Alice', decidedAt: expect.any(String) });
    const decidedAt = new Date((status.output as { decidedAt: string }).decidedAt).getTime();
    expect(decidedAt).toBeGreaterThanOrEqual(start.getTime() + HOUR);
    expect(decidedAt).toBeLessThan(start.getTime() + 2 * HOUR);
    expect(calls).toEqual(['RequestApproval:order-7']);
  }, 60_000);

  it('fires every timer that falls due during skipTime, in order, each after the work before it settled', async () => {
    env = await createTestEnvironment({ orchestrators: [JobMonitor], activities: [CheckJob], startTime: start, autoSkip: false });
    const id = await env.client.startNew(JobMonitor, { input: 'export' });
    await env.skipTime(2.5 * HOUR);
    // Polls at 0 h, 1 h and 2 h; the next is due at 3 h.
    expect(calls).toEqual(['CheckJob:export', 'CheckJob:export', 'CheckJob:export']);
    expect((await env.client.getStatus(id))?.runtimeStatus).toBe('Running');
    await env.skipTime(HOUR);
    const status = await env.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toBe(4);
  }, 60_000);

  it('does not move time by itself with autoSkip: false', async () => {
    env = await createTestEnvironment({ orchestrators: [ApprovalWorkflow], activities: [RequestApproval, Escalate], startTime: start, autoSkip: false });
    const id = await env.client.startNew(ApprovalWorkflow, { input: 'order-9' });
    await expect(env.client.waitForCompletion(id, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(TimeoutError);
    expect(env.now().getTime()).toBeLessThan(start.getTime() + HOUR);
    await env.skipTime(72 * HOUR);
    expect((await env.client.getStatus(id))?.runtimeStatus).toBe('Completed');
  }, 60_000);

  it('starts an instance scheduled for tomorrow when time gets there, not before', async () => {
    env = await createTestEnvironment({ orchestrators: [WhatTimeIsIt], startTime: start, autoSkip: false });
    const startAt = new Date(start.getTime() + 24 * HOUR);
    const id = await env.client.startNew(WhatTimeIsIt, { startAt });
    await env.skipTime(23 * HOUR);
    expect((await env.client.getStatus(id))?.runtimeStatus).toBe('Pending');
    await env.skipTime(2 * HOUR);
    const status = await env.client.getStatus(id);
    expect(status?.runtimeStatus).toBe('Completed');
    expect(new Date(status?.output as string).getTime()).toBeGreaterThanOrEqual(startAt.getTime());
  }, 60_000);

  it('replaces an activity through a DI registration', async () => {
    const container = rootContainer.createChildContainer();
    const sent: string[] = [];
    container.register(SendEmail, { useValue: { run: (to: string) => { sent.push(to); return `fake mail to ${to}`; } } });
    env = await createTestEnvironment({ orchestrators: [Notify], activities: [SendEmail], container });
    const id = await env.client.startNew(Notify, { input: 'ops@example.com' });
    const status = await env.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toBe('fake mail to ops@example.com');
    expect(sent).toEqual(['ops@example.com']);
  }, 60_000);

  it('applies an entity signal scheduled in two days when time gets there', async () => {
    env = await createTestEnvironment({ entities: [Reminders], startTime: start, autoSkip: false });
    const id = new EntityId('Reminders', 'ann');
    await env.client.signalEntity(id, 'add', 'now');
    await env.client.signalEntity(id, 'add', 'later', { scheduledTime: new Date(start.getTime() + 48 * HOUR) });
    await env.settle();
    expect((await env.client.readEntityState(id)).entityState).toEqual(['now']);
    await env.skipTime(48 * HOUR);
    expect((await env.client.readEntityState(id)).entityState).toEqual(['now', 'later']);
  }, 60_000);

  it('skips the durable backoff of activity retries (1 h, then 2 h)', async () => {
    env = await createTestEnvironment({ orchestrators: [PatientRetry], activities: [Flaky], startTime: start });
    const id = await env.client.startNew(PatientRetry, { input: 'sync' });
    const status = await env.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toEqual({ result: 'ok sync', at: expect.any(String) });
    expect(new Date((status.output as { at: string }).at).getTime()).toBeGreaterThanOrEqual(start.getTime() + 3 * HOUR);
    expect(calls).toEqual(['Flaky:sync', 'Flaky:sync', 'Flaky:sync']);
  }, 60_000);

  it('runs an eternal orchestration with entity calls and continueAsNew across days', async () => {
    env = await createTestEnvironment({ orchestrators: [DailyReminder], entities: [Reminders], startTime: start, autoSkip: false });
    const id = await env.client.startNew(DailyReminder, { input: 0 });
    await env.skipTime(36 * HOUR);
    expect((await env.client.readEntityState(new EntityId('Reminders', 'daily'))).entityState).toEqual(['day 0', 'day 1']);
    await env.skipTime(48 * HOUR);
    expect((await env.client.getStatus(id))?.runtimeStatus).toBe('Completed');
    expect((await env.client.readEntityState(new EntityId('Reminders', 'daily'))).entityState).toEqual(['day 0', 'day 1', 'day 2']);
  }, 60_000);

  it('does not move time while an activity runs; skipTime says what it waits for when that never ends', async () => {
    const container = rootContainer.createChildContainer();
    const gate = new Gate();
    container.registerInstance(Gate, gate);
    env = await createTestEnvironment({ orchestrators: [GateThenTimer], activities: [WaitAtGate], container, startTime: start, settleTimeoutMs: 500 });
    const id = await env.client.startNew(GateThenTimer);
    const error = await env.skipTime(2 * HOUR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/did not settle within 500 ms: .*(activity|running)/);
    expect(env.now().getTime()).toBeLessThan(start.getTime() + HOUR);

    gate.open();
    const status = await env.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.output).toBe('through');
    expect(env.now().getTime()).toBeGreaterThanOrEqual(start.getTime() + HOUR);
  }, 60_000);

  it('rejects a negative or non-finite skip with a typed error, and disposes twice safely', async () => {
    env = await createTestEnvironment({ orchestrators: [WhatTimeIsIt] });
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await env.skipTime(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DurableError);
      expect((error as DurableError).code).toBe('INVALID_ARGUMENT');
    }
    await env.dispose();
    await env.dispose();
  }, 60_000);
});
