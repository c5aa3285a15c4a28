import { describe, expect, it } from '@jest/globals';
import { RegistrationError } from '../../../src/core/errors/registration-error.js';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { failureOf, runBatch } from './fixtures/run-batch.js';

class Greeting {
  run(): Promise<string> {
    return Promise.resolve('hi');
  }
}

class Dispatcher extends DurableEntity<number> {
  fanOut(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) this.context.signalEntity(new EntityId('Counter', `c${i}`), 'add', i);
    ids.push(this.context.startNewOrchestration(Greeting, { who: 'x' }));
    ids.push(this.context.startNewOrchestration('Greeting', undefined, 'fixed-id'));
    ids.push(this.context.startNewOrchestration(Greeting));
    return ids;
  }
  later(at: Date): void {
    this.context.signalEntity(this.context.entityId, 'tick', undefined, { scheduledTime: at });
    at.setTime(0); // the action keeps its own copy
  }
  badTarget(): void {
    this.context.signalEntity('@counter@c1' as unknown as EntityId, 'add', 1);
  }
  badTime(): void {
    this.context.signalEntity(this.context.entityId, 'tick', undefined, { scheduledTime: new Date(Number.NaN) });
  }
  badInput(): void {
    this.context.signalEntity(this.context.entityId, 'tick', { callback: () => 1 });
  }
  unknownOrchestrator(): void {
    this.context.startNewOrchestration('Nope');
  }
  entityInstanceId(): void {
    this.context.startNewOrchestration(Greeting, undefined, '@counter@x');
  }
}

const resolveOrchestratorName = (ref: string | { name: string }): string => {
  const name = typeof ref === 'string' ? ref : ref.name;
  if (name !== 'Greeting') throw new RegistrationError(`No orchestrator is registered under the name '${name}'.`);
  return name;
};

describe('signals and orchestration starts', () => {
  it('are returned as actions, in the order issued, each naming the operation that issued it', async () => {
    const batch = await runBatch(new Dispatcher(), [['fanOut', 2], ['fanOut', 0]], { resolveOrchestratorName });
    expect(batch.outcomes).toEqual([
      { ok: ['generated-1', 'fixed-id', 'generated-2'] },
      { ok: ['generated-3', 'fixed-id', 'generated-4'] },
    ]);
    expect(batch.raw.actions).toEqual([
      { type: 'signal', targetInstanceId: '@counter@c0', operation: 'add', input: '0', operationId: 'op1' },
      { type: 'signal', targetInstanceId: '@counter@c1', operation: 'add', input: '1', operationId: 'op1' },
      { type: 'startOrchestration', name: 'Greeting', instanceId: 'generated-1', input: '{"who":"x"}', operationId: 'op1' },
      { type: 'startOrchestration', name: 'Greeting', instanceId: 'fixed-id', input: undefined, operationId: 'op1' },
      { type: 'startOrchestration', name: 'Greeting', instanceId: 'generated-2', input: undefined, operationId: 'op1' },
      { type: 'startOrchestration', name: 'Greeting', instanceId: 'generated-3', input: '{"who":"x"}', operationId: 'op2' },
      { type: 'startOrchestration', name: 'Greeting', instanceId: 'fixed-id', input: undefined, operationId: 'op2' },
      { type: 'startOrchestration', name: 'Greeting', instanceId: 'generated-4', input: undefined, operationId: 'op2' },
    ]);
    // Sending does not create the sender.
    expect(batch.exists).toBe(false);
  });

  it('carry a scheduled time (a copy)', async () => {
    const batch = await runBatch(new Dispatcher(), [['later', new Date('2030-01-01T00:00:00Z')]], { entityId: new EntityId('Clock', 'k') });
    expect(batch.raw.actions).toEqual([
      { type: 'signal', targetInstanceId: '@clock@k', operation: 'tick', input: undefined, scheduledTime: new Date('2030-01-01T00:00:00Z'), operationId: 'op1' },
    ]);
  });

  it('with invalid arguments fail the operation, not the batch', async () => {
    const batch = await runBatch(
      new Dispatcher(),
      [['badTarget'], ['badTime'], ['badInput'], ['unknownOrchestrator'], ['entityInstanceId'], ['fanOut', 1]],
      { resolveOrchestratorName },
    );
    expect(failureOf(batch, 0)).toMatchObject({ errorType: 'DurableError', errorMessage: expect.stringMatching(/^signalEntity's entityId must be an EntityId/) });
    expect(failureOf(batch, 1).errorMessage).toBe("signalEntity's scheduledTime must be a valid Date, got an invalid Date.");
    expect(failureOf(batch, 2)).toMatchObject({ errorType: 'InvalidPayloadError', errorMessage: expect.stringMatching(/^Cannot store input\.callback: functions/) });
    expect(failureOf(batch, 3)).toMatchObject({ errorType: 'RegistrationError', errorMessage: "No orchestrator is registered under the name 'Nope'." });
    expect(failureOf(batch, 4).errorMessage).toMatch(/^startNewOrchestration's instanceId must be a non-empty string not starting with '@'/);
    expect(batch.outcomes[5]).toEqual({ ok: ['generated-1', 'fixed-id', 'generated-2'] });
    expect(batch.raw.actions.map((a) => a.operationId)).toEqual(['op6', 'op6', 'op6', 'op6']);
  });
});
