import { describe, expect, it } from '@jest/globals';
import type { EntityContext } from '../../../src/entities/entity-context.js';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { failureOf, runBatch } from './fixtures/run-batch.js';

class Blob extends DurableEntity<string> {
  protected override initializeState(): string {
    return '';
  }
  append(text: string): number {
    this.state += text;
    return this.state.length;
  }
  big(size: number): string {
    return 'r'.repeat(size);
  }
  signalBig(size: number): void {
    this.context.signalEntity(new EntityId('Other', 'o'), 'take', 'i'.repeat(size));
  }
  unstorable(): Map<string, number> {
    return new Map([['a', 1]]);
  }
  unstorableState(): void {
    (this as unknown as { state: unknown }).state = new Set([1]);
  }
}

// '"' + text + '"': a string state of n characters encodes to n + 2 bytes.
const limit = 100;

describe('payload limits', () => {
  it('an operation leaving a state over the limit fails with PayloadTooLargeError and is rolled back; the others succeed', async () => {
    const batch = await runBatch(new Blob(), [['append', 'a'.repeat(60)], ['append', 'b'.repeat(60)], ['append', 'c'.repeat(38)]], {
      maxPayloadBytes: limit,
      entityId: new EntityId('Blob', 'k'),
    });
    expect(batch.outcomes[0]).toEqual({ ok: 60 });
    expect(failureOf(batch, 1)).toMatchObject({
      errorType: 'PayloadTooLargeError',
      errorMessage: expect.stringMatching(/^The state of entity @blob@k after operation 'append' is 122 bytes after encoding, over the limit of 100 bytes\./),
    });
    expect(batch.outcomes[2]).toEqual({ ok: 98 });
    expect(batch.raw.state).toHaveLength(100);
  });

  it('a state exactly at the limit is accepted', async () => {
    const batch = await runBatch(new Blob(), [['append', 'x'.repeat(limit - 2)]], { maxPayloadBytes: limit });
    expect(batch.outcomes).toEqual([{ ok: limit - 2 }]);
  });

  it('results and outgoing inputs are limited too', async () => {
    const batch = await runBatch(new Blob(), [['big', limit], ['signalBig', limit], ['big', 3]], { maxPayloadBytes: limit });
    expect(failureOf(batch, 0)).toMatchObject({ errorType: 'PayloadTooLargeError', errorMessage: expect.stringMatching(/^The result of operation 'big'/) });
    expect(failureOf(batch, 1)).toMatchObject({ errorType: 'PayloadTooLargeError', errorMessage: expect.stringMatching(/^The input of signal 'take' to entity @other@o/) });
    expect(batch.outcomes[2]).toEqual({ ok: 'rrr' });
    expect(batch.raw.actions).toEqual([]);
  });

  it('values that cannot be encoded fail their operation, never the batch', async () => {
    const batch = await runBatch(new Blob(), [['unstorable'], ['unstorableState'], ['append', 'ok']]);
    expect(failureOf(batch, 0)).toMatchObject({ errorType: 'InvalidPayloadError', errorMessage: expect.stringMatching(/^Cannot store result: an instance of Map/) });
    expect(failureOf(batch, 1)).toMatchObject({ errorType: 'InvalidPayloadError', errorMessage: expect.stringMatching(/^Cannot store state: an instance of Set/) });
    expect(batch.outcomes[2]).toEqual({ ok: 2 });
    expect(batch.state).toBe('ok');
  });

  it('an input that cannot be decoded fails its operation', async () => {
    const { executeEntityBatch } = await import('../../../src/entities/execute-entity-batch.js');
    class Fn {
      run(ctx: EntityContext<number>): void {
        ctx.setState(ctx.getInput<number>());
      }
    }
    const result = await executeEntityBatch({
      entityId: new EntityId('Fn', 'k'), state: undefined, entity: new Fn(),
      operations: [{ id: 'bad', operation: 'set', input: 'not json' }, { id: 'good', operation: 'set', input: '3' }],
      resolveOrchestratorName: String, newInstanceId: () => 'x', maxPayloadBytes: 100,
    });
    expect(result.outcomes[0]).toMatchObject({ id: 'bad', success: false, failureDetails: { errorType: 'InvalidPayloadError' } });
    expect(result.outcomes[1]).toEqual({ id: 'good', success: true, result: undefined });
    expect(result.state).toBe('3');
  });
});
