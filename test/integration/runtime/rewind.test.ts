// Rewind (issue 19): a Failed instance brought back to Running re-runs only its failed activities and failed
// sub-orchestrations (a failed child is rewound, not restarted), keeps every result it had, and records the rewind in
// history. Through the public client, with a ledger of activity runs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DurableError } from '../../../src/core/durable-error.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

const ledger: string[] = [];
/** Inputs that fail the first time they are run (and succeed after). */
const failOnce = new Set<string>();

@Activity()
class Step {
  run(name: string): string {
    ledger.push(name);
    if (failOnce.delete(name)) throw new Error(`${name} failed`);
    return `${name} done`;
  }
}

/** Three steps in a row. */
@Orchestrator()
class ThreeSteps {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const out: string[] = [];
    for (const step of ['a', 'b', 'c']) out.push(await ctx.callActivity(Step, `${ctx.input}-${step}`));
    return out;
  }
}

/** A step, then a child that runs three steps. */
@Orchestrator()
class ParentOfSteps {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    const first = await ctx.callActivity(Step, `${ctx.input}-first`);
    const child = await ctx.callSubOrchestrator(ThreeSteps, `${ctx.input}-child`, { instanceId: `${ctx.input}-child` });
    return `${first} / ${child.join(', ')}`;
  }
}

/** Fans out three steps at once. */
@Orchestrator()
class FanOut {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    return ctx.whenAll(['x', 'y', 'z'].map((s) => ctx.callActivity(Step, `${ctx.input}-${s}`)));
  }
}

/** Fails on its own (no failed task) the first time its input's flag is set. */
@Orchestrator()
class OwnFailure {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    const done = await ctx.callActivity(Step, `${ctx.input}-only`);
    if (failOnce.delete(`${ctx.input}-code`)) throw new Error('the code failed');
    return done;
  }
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [ThreeSteps, ParentOfSteps, FanOut, OwnFailure], activities: [Step] });
});

afterAll(async () => {
  await app.stop();
});

beforeEach(() => {
  ledger.length = 0;
  failOnce.clear();
});

const client = () => app.durably.client;
const runsOf = (name: string): number => ledger.filter((entry) => entry === name).length;

async function failed(id: string): Promise<void> {
  const status = await client().waitForCompletion(id, { timeoutMs: 20_000 });
  expect(status.runtimeStatus).toBe('Failed');
}

/** Rewinds and waits until the rewound instance has finished again. */
async function rewindToCompletion(id: string, reason: string): Promise<void> {
  await client().rewind(id, reason);
  await until(`${id} rewound`, async () => (await client().getHistory(id)).some((e) => e.type === 'ExecutionRewound'));
  await until(`${id} finished again`, async () => ['Completed', 'Failed'].includes((await client().getStatus(id))?.runtimeStatus ?? ''));
}

describe('client.rewind', () => {
  it('completes an instance whose second of three activities failed, running the first exactly once', async () => {
    failOnce.add('r1-b');
    const id = await client().startNew(ThreeSteps, { instanceId: 'r1', input: 'r1' });
    await failed(id);
    expect(ledger).toEqual(['r1-a', 'r1-b']);

    await rewindToCompletion(id, 'the dependency is back');
    const status = await client().getStatus(id, { showHistory: true });
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: ['r1-a done', 'r1-b done', 'r1-c done'] });
    expect(status?.failureDetails).toBeUndefined();
    expect(ledger).toEqual(['r1-a', 'r1-b', 'r1-b', 'r1-c']);
    expect(runsOf('r1-a')).toBe(1);
    // The rewind is in history (and in the showHistory view) with its reason.
    expect(status?.historyEvents).toEqual(expect.arrayContaining([expect.objectContaining({ EventType: 'ExecutionRewound', Reason: 'the dependency is back' })]));
  });

  it('rewinds a failed sub-orchestration instead of restarting it', async () => {
    failOnce.add('r2-child-b');
    const id = await client().startNew(ParentOfSteps, { instanceId: 'r2', input: 'r2' });
    await failed(id);
    expect((await client().getStatus('r2-child'))?.runtimeStatus).toBe('Failed');

    await rewindToCompletion(id, 'retry the child');
    expect((await client().getStatus(id))?.output).toBe('r2-first done / r2-child-a done, r2-child-b done, r2-child-c done');
    expect(runsOf('r2-first')).toBe(1);
    expect(runsOf('r2-child-a')).toBe(1);
    expect(runsOf('r2-child-b')).toBe(2);
    // The child was rewound (its history holds the rewind), not started again.
    expect((await client().getHistory('r2-child')).filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect((await client().getHistory('r2-child')).some((e) => e.type === 'ExecutionRewound')).toBe(true);
  });

  it('runs again only the failed branch of a fan-out', async () => {
    failOnce.add('r3-y');
    const id = await client().startNew(FanOut, { instanceId: 'r3', input: 'r3' });
    await failed(id);
    // The other branches finish too (their results may have reached the instance after it failed).
    await until('every branch ran', () => runsOf('r3-x') === 1 && runsOf('r3-z') === 1);

    await rewindToCompletion(id, 'fan-out');
    expect((await client().getStatus(id))?.output).toEqual(['r3-x done', 'r3-y done', 'r3-z done']);
    expect(runsOf('r3-y')).toBe(2);
  });

  it('replays code that failed on its own: it runs again from its history, keeping its results', async () => {
    failOnce.add('r4-code');
    const id = await client().startNew(OwnFailure, { instanceId: 'r4', input: 'r4' });
    await failed(id);

    await rewindToCompletion(id, 'fixed the flag');
    expect(await client().getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'r4-only done' });
    expect(runsOf('r4-only')).toBe(1);
  });

  it('rejects an instance that is not Failed, and an unknown one, with typed errors', async () => {
    const id = await client().startNew(ThreeSteps, { instanceId: 'r5', input: 'r5' });
    expect((await client().waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus).toBe('Completed');
    const notFailed = await client().rewind(id).then(() => undefined, (error: unknown) => error);
    expect(notFailed).toBeInstanceOf(DurableError);
    expect((notFailed as DurableError).code).toBe('INSTANCE_NOT_FAILED');
    const unknown = await client().rewind('r5-nobody').then(() => undefined, (error: unknown) => error);
    expect((unknown as DurableError).code).toBe('INSTANCE_NOT_FOUND');
    expect((await client().getHistory(id)).some((e) => e.type === 'ExecutionRewound')).toBe(false);
  });
});
