import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container } from 'tsyringe';
import { TimeoutError } from '../../../src/core/errors/timeout-error.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { Gates } from '../../support/gate.js';
import { waitFor } from '../../support/test-db.js';

const gates = new Gates();
const calls: string[] = [];

@Activity()
class RequestApproval {
  run(request: string): void {
    calls.push(`RequestApproval:${request}`);
  }
}

@Activity()
class ProcessApproval {
  run(input: { request: string; approver: string }): string {
    calls.push(`ProcessApproval:${input.request}`);
    return `approved by ${input.approver}`;
  }
}

@Activity()
class Escalate {
  run(request: string): string {
    calls.push(`Escalate:${request}`);
    return `escalated ${request}`;
  }
}

/** Blocks until the test opens the named gate. */
@Activity()
class WaitAtGate {
  constructor(private readonly gates: Gates) {}
  async run(name: string): Promise<void> {
    await this.gates.get(name).passed();
  }
}

interface ApprovalInput {
  readonly request: string;
  readonly timeoutMs: number;
  /** A gate to pass before waiting for the approval (to raise the event before the orchestrator waits). */
  readonly gate?: string;
}

/** The overview's human interaction: ask for approval, wait for it or for the deadline, whichever comes first. */
@Orchestrator()
class ApprovalWorkflow {
  async run(ctx: OrchestrationContext<ApprovalInput>): Promise<string> {
    const { request, timeoutMs, gate } = ctx.input;
    await ctx.callActivity(RequestApproval, request);
    if (gate !== undefined) await ctx.callActivity(WaitAtGate, gate);
    ctx.setCustomStatus('awaiting approval');
    const deadline = new Date(ctx.currentUtcDateTime.getTime() + timeoutMs);
    const timeout = ctx.createTimer(deadline);
    const approval = ctx.waitForExternalEvent<string>('ApprovalEvent');
    await ctx.whenAny([approval, timeout]);
    if (approval.isCompleted) {
      timeout.cancel();
      ctx.setCustomStatus('approved');
      return ctx.callActivity(ProcessApproval, { request, approver: approval.result ?? '?' });
    }
    ctx.setCustomStatus('escalated');
    return ctx.callActivity(Escalate, request);
  }
}

/** The same with waitForExternalEvent's own timeout. */
@Orchestrator()
class ApprovalWithTimeout {
  async run(ctx: OrchestrationContext<number>): Promise<string> {
    try {
      return `approved by ${await ctx.waitForExternalEvent<string>('ApprovalEvent', { timeoutMs: ctx.input })}`;
    } catch (error) {
      if (error instanceof TimeoutError) return 'timed out';
      throw error;
    }
  }
}

let app: TestApp;

beforeAll(async () => {
  const appContainer = container.createChildContainer();
  appContainer.registerInstance(Gates, gates);
  app = await startTestApp({
    orchestrators: [ApprovalWorkflow, ApprovalWithTimeout],
    activities: [RequestApproval, ProcessApproval, Escalate, WaitAtGate],
    container: appContainer,
  });
});

afterAll(async () => {
  gates.openAll();
  await app.stop();
});

async function awaitingApproval(id: string): Promise<boolean> {
  return waitFor(async () => (await app.durably.client.getStatus(id))?.customStatus === 'awaiting approval', 10_000, 20);
}

describe('runtime: human interaction', () => {
  it('processes an approval raised before the deadline', async () => {
    const client = app.durably.client;
    const id = await client.startNew(ApprovalWorkflow, { input: { request: 'r1', timeoutMs: 10_000 } });
    expect(await awaitingApproval(id)).toBe(true);
    await client.raiseEvent(id, 'ApprovalEvent', 'alice');
    const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'approved by alice', customStatus: 'approved' });
    expect(calls).toContain('ProcessApproval:r1');
    expect(calls).not.toContain('Escalate:r1');
    const history = await client.getHistory(id);
    expect(history.filter((e) => e.type === 'EventRaised')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'TimerFired')).toHaveLength(0);
  });

  it('escalates when no approval comes before the timer fires', async () => {
    const client = app.durably.client;
    const id = await client.startNew(ApprovalWorkflow, { input: { request: 'r2', timeoutMs: 300 } });
    const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'escalated r2', customStatus: 'escalated' });
    expect(calls).toContain('Escalate:r2');
    expect(calls).not.toContain('ProcessApproval:r2');
    const history = await client.getHistory(id);
    expect(history.filter((e) => e.type === 'TimerFired')).toHaveLength(1);
    // An approval that comes too late is refused: the instance has finished.
    await expect(client.raiseEvent(id, 'ApprovalEvent', 'bob')).rejects.toMatchObject({ code: 'INSTANCE_NOT_RUNNING' });
  });

  it('buffers an event raised before the orchestrator waits for it', async () => {
    const client = app.durably.client;
    const id = await client.startNew(ApprovalWorkflow, { input: { request: 'r3', timeoutMs: 10_000, gate: 'r3' } });
    // The orchestrator is held in the activity before its wait; the event is raised meanwhile.
    expect(await waitFor(() => gates.get('r3').reached > 0, 10_000, 20)).toBe(true);
    await client.raiseEvent(id, 'approvalevent', 'carol'); // event names are case-insensitive
    // The event is recorded in history while nobody waits for it.
    expect(await waitFor(async () => (await client.getHistory(id)).some((e) => e.type === 'EventRaised'), 10_000, 20)).toBe(true);
    expect((await client.getStatus(id))?.runtimeStatus).toBe('Running');
    gates.get('r3').open();
    const status = await client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'approved by carol' });
    const types = (await client.getHistory(id)).map((e) => e.type);
    // EventRaised comes before the wait was set up (TimerCreated).
    expect(types.indexOf('EventRaised')).toBeLessThan(types.indexOf('TimerCreated'));
  });

  it('waitForExternalEvent with timeoutMs fails with TimeoutError when nothing comes, or returns the event', async () => {
    const client = app.durably.client;
    const late = await client.startNew(ApprovalWithTimeout, { input: 200 });
    expect(await client.waitForCompletion(late, { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 'timed out' });

    const prompt = await client.startNew(ApprovalWithTimeout, { input: 10_000 });
    expect(await waitFor(async () => (await client.getHistory(prompt)).some((e) => e.type === 'TimerCreated'), 10_000, 20)).toBe(true);
    await client.raiseEvent(prompt, 'ApprovalEvent', 'dave');
    expect(await client.waitForCompletion(prompt, { timeoutMs: 10_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 'approved by dave' });
  });
});
