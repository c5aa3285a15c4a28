// ctx.entity(EntityClass, key) end to end through the real MongoDB driver and Agenda: an orchestration calls and
// signals a class-based entity through the typed proxy, under the class's registered name; an operation's failure
// reaches the caller; an unregistered class fails the orchestration with a RegistrationError naming it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container } from 'tsyringe';
import { DurableEntity, Entity, EntityId, Orchestrator, TaskFailedError, type OrchestrationContext } from '../../../src/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';

// Registered under another name than the class's: the proxy must address 'Tally', not 'Counter'.
@Entity({ name: 'Tally' })
class Counter extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  add(amount: number): void {
    this.state += amount;
  }
  get(): number {
    return this.state;
  }
  addThenFail(amount: number): void {
    this.state += amount;
    throw new RangeError(`refused ${amount}`);
  }
}

/** Not listed in `entities`. */
class Unlisted extends DurableEntity<number> {
  add(amount: number): void {
    this.state = amount;
  }
}

@Orchestrator()
class CountWithProxy {
  async run(ctx: OrchestrationContext<string>): Promise<{ value: number; error: string }> {
    const counter = ctx.entity(Counter, ctx.input);
    await counter.add(5);
    counter.signal.add(1);
    let error = '';
    try {
      await counter.addThenFail(100);
    } catch (e) {
      error = e instanceof TaskFailedError ? `${e.failureDetails.errorType}: ${e.failureDetails.errorMessage}` : String(e);
    }
    // Same sender: the signal is applied before this call.
    const value = await counter.get();
    return { value, error };
  }
}

@Orchestrator()
class ScheduleWithProxy {
  run(ctx: OrchestrationContext<string>): void {
    ctx.entity(Counter, ctx.input).signal.add(7, { scheduledTime: new Date(ctx.currentUtcDateTime.getTime() + 200) });
  }
}

@Orchestrator()
class CallUnlisted {
  async run(ctx: OrchestrationContext): Promise<void> {
    await ctx.entity(Unlisted, 'k').add(1);
  }
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    taskHub: 'EntityProxy', container: container.createChildContainer(),
    orchestrators: [CountWithProxy, ScheduleWithProxy, CallUnlisted], entities: [Counter],
  });
});

afterAll(async () => {
  await app?.stop();
});

const stateOf = async (key: string): Promise<number | undefined> =>
  (await app.durably.client.readEntityState<number>(new EntityId('Tally', key))).entityState;

describe('ctx.entity (typed entity proxy)', () => {
  it('calls and signals the entity under its registered name; a failed operation reaches the caller', async () => {
    const { client } = app.durably;
    const instanceId = await client.startNew(CountWithProxy, { input: 'c1' });
    const status = await client.waitForCompletion(instanceId, { timeoutMs: 60_000 });

    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ value: 6, error: 'RangeError: refused 100' });
    expect(await client.readEntityState(new EntityId('Tally', 'c1'))).toEqual({ entityExists: true, entityState: 6 });
    // Nothing went to an entity named after the class.
    expect((await client.readEntityState(new EntityId('Counter', 'c1'))).entityExists).toBe(false);
  });

  it('sends a scheduled signal with the options after the input', async () => {
    const { client } = app.durably;
    const instanceId = await client.startNew(ScheduleWithProxy, { input: 'scheduled' });
    expect((await client.waitForCompletion(instanceId, { timeoutMs: 60_000 })).runtimeStatus).toBe('Completed');
    await until('the scheduled add(7) is applied', async () => (await stateOf('scheduled')) === 7, 60_000);
  });

  it('fails the orchestration with a RegistrationError naming an unregistered entity class', async () => {
    const { client } = app.durably;
    const instanceId = await client.startNew(CallUnlisted);
    const status = await client.waitForCompletion(instanceId, { timeoutMs: 60_000 });

    expect(status.runtimeStatus).toBe('Failed');
    expect(status.failureDetails).toMatchObject({ errorType: 'RegistrationError' });
    expect(status.output).toContain('Entity class Unlisted is not registered');
  });
});
