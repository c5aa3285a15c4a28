import { describe, expect, it } from '@jest/globals';
import type { EntityContext } from '../../../src/entities/entity-context.js';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { failureOf, runBatch } from './fixtures/run-batch.js';

const audit = new EntityId('Audit', 'log');

class Orchestration {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

/** A class-based entity whose failing operations change the state and send before they throw. */
class Ledger extends DurableEntity<{ total: number; entries: number[] }> {
  protected override initializeState(): { total: number; entries: number[] } {
    return { total: 0, entries: [] };
  }
  add(amount: number): void {
    this.state.total += amount;
    this.state.entries.push(amount);
    this.context.signalEntity(audit, 'record', amount);
  }
  addThenThrow(amount: number): void {
    this.state.total += amount; // in place
    this.state = { ...this.state, entries: [...this.state.entries, amount] }; // and by assignment
    this.context.signalEntity(audit, 'record', amount);
    this.context.startNewOrchestration(Orchestration, amount, `never-${amount}`);
    throw new TypeError(`refused ${amount}`);
  }
  async addThenReject(amount: number): Promise<void> {
    this.state.total += amount;
    this.context.signalEntity(audit, 'record', amount);
    await Promise.resolve();
    this.context.startNewOrchestration('Orchestration', amount);
    throw new RangeError(`rejected ${amount}`);
  }
  deleteThenThrow(): void {
    this.deleteState();
    throw new Error('kept');
  }
  get(): { total: number; entries: number[] } {
    return this.state;
  }
}

describe('an operation that throws', () => {
  it('rolls back its state change and its signals and starts (sync throw); later operations still run', async () => {
    const batch = await runBatch(new Ledger(), [['add', 1], ['addThenThrow', 10], ['add', 2], ['get']]);
    expect(batch.outcomes[0]).toEqual({ ok: undefined });
    expect(failureOf(batch, 1)).toMatchObject({ errorType: 'TypeError', errorMessage: 'refused 10' });
    expect(failureOf(batch, 1).stackTrace).toContain('addThenThrow');
    expect(batch.outcomes[2]).toEqual({ ok: undefined });
    expect(batch.outcomes[3]).toEqual({ ok: { total: 3, entries: [1, 2] } });
    expect(batch.state).toEqual({ total: 3, entries: [1, 2] });
    expect(batch.raw.actions).toEqual([
      { type: 'signal', targetInstanceId: '@audit@log', operation: 'record', input: '1', operationId: 'op1' },
      { type: 'signal', targetInstanceId: '@audit@log', operation: 'record', input: '2', operationId: 'op3' },
    ]);
  });

  it('rolls back the same way when it rejects after an await', async () => {
    const batch = await runBatch(new Ledger(), [['addThenReject', 5], ['get']], { state: { total: 1, entries: [1] } });
    expect(failureOf(batch, 0)).toMatchObject({ errorType: 'RangeError', errorMessage: 'rejected 5' });
    expect(batch.outcomes[1]).toEqual({ ok: { total: 1, entries: [1] } });
    expect(batch.raw.actions).toEqual([]);
    // Nothing changed: the stored payload comes back as it was.
    expect(batch.raw.state).toBe('{"total":1,"entries":[1]}');
  });

  it('rolls back a deletion', async () => {
    const batch = await runBatch(new Ledger(), [['deleteThenThrow']], { state: { total: 4, entries: [4] } });
    expect(failureOf(batch, 0).errorMessage).toBe('kept');
    expect(batch.state).toEqual({ total: 4, entries: [4] });
  });

  it('rolls back the creation of an entity that had no state', async () => {
    const batch = await runBatch(new Ledger(), [['addThenThrow', 1]]);
    expect(batch.exists).toBe(false);
    expect(batch.raw.state).toBeUndefined();
  });

  it('rolls back a function-style entity too, including its result', async () => {
    class Fn {
      run(ctx: EntityContext<number>): void {
        ctx.setState(ctx.getState(() => 0) + 1);
        ctx.signalEntity(audit, 'record', ctx.operationName);
        ctx.return('done');
        if (ctx.operationName === 'fail') throw new Error('failed after all');
      }
    }
    const batch = await runBatch(new Fn(), [['ok'], ['fail'], ['ok']]);
    expect(batch.outcomes[0]).toEqual({ ok: 'done' });
    expect(failureOf(batch, 1).errorMessage).toBe('failed after all');
    expect(batch.outcomes[2]).toEqual({ ok: 'done' });
    expect(batch.state).toBe(2);
    expect(batch.raw.actions.map((a) => a.operationId)).toEqual(['op1', 'op3']);
  });

  it('records whatever was thrown, also a non-Error', async () => {
    class Thrower {
      run(): never {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless entity might throw
        throw { reason: 'plain object' };
      }
    }
    const batch = await runBatch(new Thrower(), [['x']]);
    expect(failureOf(batch, 0)).toEqual({ errorType: 'Error', errorMessage: '{"reason":"plain object"}' });
  });

  it('also when the stored state cannot be decoded: each operation that reads it fails, the state is kept', async () => {
    const raw = await import('../../../src/entities/execute-entity-batch.js').then(({ executeEntityBatch }) =>
      executeEntityBatch({
        entityId: new EntityId('Ledger', 'x'),
        state: '{"$oops":1}',
        operations: [{ id: 'a', operation: 'get', input: undefined }, { id: 'b', operation: 'delete', input: undefined }],
        entity: new Ledger(),
        resolveOrchestratorName: String,
        newInstanceId: () => 'id',
        maxPayloadBytes: 1000,
      }));
    expect(raw.outcomes[0]).toMatchObject({ id: 'a', success: false, failureDetails: { errorType: 'InvalidPayloadError' } });
    expect(raw.outcomes[1]).toEqual({ id: 'b', success: true, result: undefined });
    expect(raw.state).toBeUndefined();
  });
});
