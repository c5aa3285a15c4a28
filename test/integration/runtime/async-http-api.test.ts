import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container } from 'tsyringe';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { OrchestrationStatus } from '../../../src/client/orchestration-status.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { waitFor } from '../../support/test-db.js';

@Activity()
class SlowStep {
  async run(step: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return `step ${step} done`;
  }
}

/** A long-running job: three slow steps, progress reported through the custom status. */
@Orchestrator()
class LongRunningJob {
  async run(ctx: OrchestrationContext<number>): Promise<string[]> {
    const out: string[] = [];
    for (let step = 1; step <= ctx.input; step++) {
      ctx.setCustomStatus({ step, of: ctx.input });
      out.push(await ctx.callActivity(SlowStep, step));
    }
    ctx.setCustomStatus({ step: ctx.input, of: ctx.input, done: true });
    return out;
  }
}

/** Reports its progress, then waits for a go-ahead (so that the running status can be observed deterministically). */
@Orchestrator()
class WaitsForGo {
  async run(ctx: OrchestrationContext<void>): Promise<string> {
    ctx.setCustomStatus({ phase: 'awaiting go' });
    const who = await ctx.waitForExternalEvent<string>('Go');
    ctx.setCustomStatus({ phase: 'finished' });
    return `go from ${who}`;
  }
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [LongRunningJob, WaitsForGo], activities: [SlowStep], container: container.createChildContainer() });
});

afterAll(async () => {
  await app.stop();
});

describe('runtime: async HTTP API pattern', () => {
  it('is polled through getStatus until Completed, with progress visible while it runs', async () => {
    const client = app.durably.client;
    const id = await client.startNew(LongRunningJob, { input: 3 });
    const seen: OrchestrationStatus[] = [];
    const deadline = Date.now() + 20_000;
    let status: OrchestrationStatus | undefined;
    for (;;) {
      status = await client.getStatus(id);
      expect(status).toBeDefined();
      if (status === undefined) return;
      seen.push(status);
      if (status.runtimeStatus === 'Completed' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['step 1 done', 'step 2 done', 'step 3 done']);
    expect(status.customStatus).toEqual({ step: 3, of: 3, done: true });
    expect(status.input).toBe(3);
    expect(status.name).toBe('LongRunningJob');
    expect(status.lastUpdatedTime.getTime()).toBeGreaterThanOrEqual(status.createdTime.getTime());

    const statuses = new Set(seen.map((s) => s.runtimeStatus));
    expect([...statuses].every((s) => s === 'Pending' || s === 'Running' || s === 'Completed')).toBe(true);
    const running = seen.filter((s) => s.runtimeStatus === 'Running');
    expect(running.length).toBeGreaterThan(0);
    // Each step takes ~300 ms and polling is every 50 ms: progress was seen while it ran, in order.
    const steps = running.map((s) => (s.customStatus as { step: number } | undefined)?.step).filter((s) => s !== undefined);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBeGreaterThanOrEqual(2);
  });

  it('shows the custom status of a running instance', async () => {
    const client = app.durably.client;
    const id = await client.startNew(WaitsForGo);
    const waiting = await waitFor(async () => (await client.getStatus(id))?.runtimeStatus === 'Running', 10_000, 20);
    expect(waiting).toBe(true);
    const running = await client.getStatus(id);
    expect(running).toMatchObject({ runtimeStatus: 'Running', customStatus: { phase: 'awaiting go' }, output: undefined });
    await client.raiseEvent(id, 'Go', 'the test');
    const done = await client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 'go from the test', customStatus: { phase: 'finished' } });
  });

  it('builds the check-status payload (createCheckStatusResponse) with the management URLs', async () => {
    const client = app.durably.client;
    const id = await client.startNew(WaitsForGo, { instanceId: 'order 42:a' });
    const base = 'http://localhost:7071/runtime/webhooks/durabletask/';
    const payload = client.createCheckStatusResponse(base, id);
    const instanceUrl = 'http://localhost:7071/runtime/webhooks/durabletask/instances/order%2042%3Aa';
    // Durable Functions' shape: every URL names the task hub and connection (the app's task hub; DF's default name).
    const scope = 'taskHub=Durably&connection=Storage';
    expect(payload).toEqual({
      id: 'order 42:a',
      statusQueryGetUri: `${instanceUrl}?${scope}`,
      sendEventPostUri: `${instanceUrl}/raiseEvent/{eventName}?${scope}`,
      terminatePostUri: `${instanceUrl}/terminate?reason={text}&${scope}`,
      purgeHistoryDeleteUri: `${instanceUrl}?${scope}`,
      restartPostUri: `${instanceUrl}/restart?${scope}`,
      suspendPostUri: `${instanceUrl}/suspend?reason={text}&${scope}`,
      resumePostUri: `${instanceUrl}/resume?reason={text}&${scope}`,
    });
    // With a key, every URL carries it as DF's `code` (encoded).
    const keyed = client.createCheckStatusResponse(base, id, { key: 'k/ey+1' });
    for (const url of Object.values(keyed).slice(1)) expect(url).toContain(`${scope}&code=k%2Fey%2B1`);
    // Every URL is well-formed and names the instance.
    for (const url of Object.values(payload).slice(1)) {
      const parsed = new URL(url.replace('{eventName}', 'Go').replace('{text}', 'why'));
      expect(decodeURIComponent(parsed.pathname)).toContain('/instances/order 42:a');
    }
    // The same with a base without a trailing slash.
    expect(client.createCheckStatusResponse('http://localhost:7071/runtime/webhooks/durabletask', id)).toEqual(payload);
    await client.terminate(id, 'done with it');
    expect((await client.waitForCompletion(id, { timeoutMs: 10_000 })).runtimeStatus).toBe('Terminated');
  });

  it("waitForCompletionOrCreateCheckStatusResponse answers as DF's: 202 + check-status payload on timeout, then the output", async () => {
    const client = app.durably.client;
    const base = 'https://api.example.com/runtime/webhooks/durabletask';
    const id = await client.startNew(WaitsForGo, { instanceId: 'wait-or-check' });
    const pending = await client.waitForCompletionOrCreateCheckStatusResponse(base, id, { timeoutMs: 50 });
    const payload = client.createCheckStatusResponse(base, id);
    expect(pending).toEqual({ status: 202, headers: { Location: payload.statusQueryGetUri, 'Retry-After': '10' }, body: payload });

    await client.raiseEvent(id, 'Go', 'now');
    const done = await client.waitForCompletionOrCreateCheckStatusResponse(base, id, { timeoutMs: 20_000 });
    expect(done.status).toBe(200);
    expect(done.body).toEqual((await client.getStatus(id))?.output);
    expect(done.headers).toEqual({});

    await expect(client.waitForCompletionOrCreateCheckStatusResponse(base, 'wait-or-check-nobody')).rejects.toMatchObject({ code: 'INSTANCE_NOT_FOUND' });
    await expect(client.waitForCompletionOrCreateCheckStatusResponse(base, id, { timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
