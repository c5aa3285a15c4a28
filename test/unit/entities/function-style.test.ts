import { describe, expect, it } from '@jest/globals';
import type { EntityContext } from '../../../src/entities/entity-context.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { failureOf, runBatch } from './fixtures/run-batch.js';

/** The Counter of the Durable Functions overview, as written there (in TS). */
class Counter {
  run(ctx: EntityContext<number>) {
    const v = ctx.getState(() => 0);
    switch (ctx.operationName) {
      case 'add':
        ctx.setState(v + ctx.getInput<number>());
        break;
      case 'reset':
        ctx.setState(0);
        break;
      case 'get':
        ctx.return(v);
        break;
    }
  }
}

describe('function-style entities', () => {
  it("run the Durable Functions overview's Counter as written there", async () => {
    const batch = await runBatch(new Counter(), [['add', 5], ['get'], ['add', 10], ['get'], ['reset'], ['get'], ['add', 1]]);
    expect(batch.outcomes).toEqual([
      { ok: undefined }, { ok: 5 }, { ok: undefined }, { ok: 15 }, { ok: undefined }, { ok: 0 }, { ok: undefined },
    ]);
    expect(batch.raw.state).toBe('1');
  });

  it('create the entity on the first getState(initializer), even for a read', async () => {
    const batch = await runBatch(new Counter(), [['get']]);
    expect(batch.outcomes).toEqual([{ ok: 0 }]);
    expect(batch.exists).toBe(true);
    expect(batch.state).toBe(0);
  });

  it('see the operation name as sent (the switch is the entity’s own business)', async () => {
    const batch = await runBatch(new Counter(), [['ADD', 5], ['get']], { state: 1 });
    expect(batch.outcomes).toEqual([{ ok: undefined }, { ok: 1 }]);
  });

  describe('the context', () => {
    class Probe {
      run(ctx: EntityContext<string[]>): unknown {
        switch (ctx.operationName) {
          case 'peek':
            return ctx.getState() ?? 'no state';
          case 'push':
            ctx.setState([...(ctx.getState() ?? []), ctx.getInput<string>()]);
            return undefined;
          case 'id':
            return [ctx.entityId.instanceId, ctx.entityName, ctx.entityKey];
          case 'delete':
            ctx.deleteState();
            return undefined;
          case 'destruct':
            ctx.destructOnExit();
            return undefined;
          case 'both':
            ctx.return('explicit');
            return 'returned';
          case 'returnTwice':
            ctx.return(1);
            ctx.return(2);
            return undefined;
          case 'returnUndefined':
            ctx.return(undefined);
            return 'ignored';
          case 'async':
            return Promise.resolve().then(() => 'later');
          default:
            throw new Error(`unknown operation ${ctx.operationName}`);
        }
      }
    }

    it('getState() without an initializer is undefined for an entity without state, and creates nothing', async () => {
      const batch = await runBatch(new Probe(), [['peek']]);
      expect(batch.outcomes).toEqual([{ ok: 'no state' }]);
      expect(batch.exists).toBe(false);
    });

    it('getState / setState / getInput', async () => {
      const batch = await runBatch(new Probe(), [['push', 'a'], ['push', 'b'], ['peek']]);
      expect(batch.outcomes[2]).toEqual({ ok: ['a', 'b'] });
      expect(batch.state).toEqual(['a', 'b']);
    });

    it('deleteState and destructOnExit delete the state', async () => {
      for (const operation of ['delete', 'destruct']) {
        const batch = await runBatch(new Probe(), [[operation]], { state: ['x'] });
        expect(batch.outcomes).toEqual([{ ok: undefined }]);
        expect(batch.exists).toBe(false);
      }
      const recreated = await runBatch(new Probe(), [['delete'], ['push', 'y']], { state: ['x'] });
      expect(recreated.state).toEqual(['y']);
    });

    it('entityId, entityName and entityKey', async () => {
      const batch = await runBatch(new Probe(), [['id']], { entityId: new EntityId('Probe', 'K') });
      expect(batch.outcomes).toEqual([{ ok: ['@probe@K', 'Probe', 'K'] }]);
    });

    it('return() sets the result (the last call wins, undefined included); without it, what run returns (awaited) is the result', async () => {
      const batch = await runBatch(new Probe(), [['both'], ['returnTwice'], ['returnUndefined'], ['async']]);
      expect(batch.outcomes).toEqual([{ ok: 'explicit' }, { ok: 2 }, { ok: undefined }, { ok: 'later' }]);
    });

    it('an error thrown by run fails that operation only', async () => {
      const batch = await runBatch(new Probe(), [['push', 'a'], ['nope'], ['push', 'b']]);
      expect(failureOf(batch, 1).errorMessage).toBe('unknown operation nope');
      expect(batch.state).toEqual(['a', 'b']);
    });

    it('is unusable once the operation has ended', async () => {
      let kept: EntityContext<number> | undefined;
      class Keeper {
        run(ctx: EntityContext<number>): void {
          kept = ctx;
        }
      }
      await runBatch(new Keeper(), [['keep']]);
      expect(() => kept?.setState(1)).toThrow(/^state was used after operation 'keep' of entity @counter@c1 had ended/);
      expect(() => kept?.signalEntity(new EntityId('A', 'b'), 'x')).toThrow(expect.objectContaining({ code: 'ENTITY_OPERATION_ENDED' }));
    });
  });
});
