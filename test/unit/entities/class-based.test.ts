import { describe, expect, it } from '@jest/globals';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { EntityOperationNotFoundError } from '../../../src/core/errors/entity-operation-not-found-error.js';
import { entityOperationNames } from '../../../src/entities/entity-operation-names.js';
import { RegistrationError } from '../../../src/core/errors/registration-error.js';
import { failureOf, runBatch } from './fixtures/run-batch.js';

/** The class-based Counter of API.md, as written there. */
class Counter extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  add(amount: number): void {
    this.state += amount;
  }
  reset(): void {
    this.state = 0;
  }
  get(): number {
    return this.state;
  }
}

describe('class-based entities', () => {
  it("run API.md's Counter: each operation sees the state the previous one left", async () => {
    const batch = await runBatch(new Counter(), [['add', 5], ['get'], ['add', 2], ['get'], ['reset'], ['add', 1]]);
    expect(batch.outcomes).toEqual([{ ok: undefined }, { ok: 5 }, { ok: undefined }, { ok: 7 }, { ok: undefined }, { ok: undefined }]);
    expect(batch.state).toBe(1);
    expect(batch.raw.state).toBe('1');
    expect(batch.raw.actions).toEqual([]);
  });

  it('continue from the stored state', async () => {
    const batch = await runBatch(new Counter(), [['add', 1], ['get']], { state: 41 });
    expect(batch.outcomes[1]).toEqual({ ok: 42 });
    expect(batch.state).toBe(42);
  });

  it('dispatch operation names to methods ignoring case', async () => {
    const batch = await runBatch(new Counter(), [['ADD', 3], ['Add', 4], ['GeT']]);
    expect(batch.outcomes.map((o) => ('ok' in o ? o.ok : 'failed'))).toEqual([undefined, undefined, 7]);
  });

  it('fail an unknown operation with a typed error naming the entity, the operation and the available ones; the others still run', async () => {
    const entity = new Counter();
    const batch = await runBatch(entity, [['add', 1], ['ad', 2], ['add', 3]], { entityId: new EntityId('Counter', 'k') });
    expect(batch.outcomes[0]).toEqual({ ok: undefined });
    expect(batch.outcomes[2]).toEqual({ ok: undefined });
    expect(batch.state).toBe(4);
    const failure = failureOf(batch, 1);
    expect(failure.errorType).toBe('EntityOperationNotFoundError');
    expect(failure.errorMessage).toMatch(/^Entity 'Counter' \(@counter@k\) has no operation "ad"\. Its operations are: add, reset, get, delete\./);

    const error = new EntityOperationNotFoundError('Counter', '@counter@k', 'ad', ['add']);
    expect(error.code).toBe('ENTITY_OPERATION_NOT_FOUND');
    expect(error.availableOperations).toEqual(['add']);
  });

  it('deliver sync and async return values as encoded results', async () => {
    class Values extends DurableEntity<{ at: Date }> {
      now(): Date {
        return new Date('2024-01-02T03:04:05.006Z');
      }
      async later(n: number): Promise<{ n: number; big: bigint }> {
        await Promise.resolve();
        return { n, big: 10n ** 20n };
      }
      nothing(): void {}
    }
    const batch = await runBatch(new Values(), [['now'], ['later', 7], ['nothing']]);
    expect(batch.raw.outcomes).toEqual([
      { id: 'op1', success: true, result: '{"$date":"2024-01-02T03:04:05.006Z"}' },
      { id: 'op2', success: true, result: '{"n":7,"big":{"$bigint":"100000000000000000000"}}' },
      { id: 'op3', success: true, result: undefined },
    ]);
    expect(batch.outcomes[0]).toEqual({ ok: new Date('2024-01-02T03:04:05.006Z') });
  });

  it('call a method without arguments when no input was sent, so that parameter defaults apply', async () => {
    class Defaults extends DurableEntity<number> {
      add(amount = 10): number {
        return (this.state = (this.state ?? 0) + amount);
      }
    }
    const batch = await runBatch(new Defaults(), [['add'], ['add', 1]]);
    expect(batch.outcomes).toEqual([{ ok: 10 }, { ok: 11 }]);
  });

  it('decode inputs with the codec (Dates stay Dates)', async () => {
    class Calendar extends DurableEntity<Date[]> {
      protected override initializeState(): Date[] {
        return [];
      }
      book(at: Date): boolean {
        this.state.push(at);
        return at instanceof Date;
      }
    }
    const batch = await runBatch(new Calendar(), [['book', new Date(0)]]);
    expect(batch.outcomes).toEqual([{ ok: true }]);
    expect(batch.state).toEqual([new Date(0)]);
  });

  it('keep in-place changes of the state', async () => {
    class Cart extends DurableEntity<{ items: string[] }> {
      protected override initializeState(): { items: string[] } {
        return { items: [] };
      }
      addItem(item: string): number {
        this.state.items.push(item);
        return this.state.items.length;
      }
    }
    const batch = await runBatch(new Cart(), [['addItem', 'a'], ['addItem', 'b']]);
    expect(batch.outcomes).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(batch.state).toEqual({ items: ['a', 'b'] });
  });

  describe('initializeState', () => {
    class Lazy extends DurableEntity<number> {
      initialized = 0;
      protected override initializeState(): number {
        this.initialized++;
        return 100;
      }
      ping(): string {
        return 'pong';
      }
      get(): number {
        return this.state + this.state;
      }
      set(value: number): void {
        this.state = value;
      }
    }

    it('is not called by an operation that does not read the state, which leaves the entity nonexistent', async () => {
      const entity = new Lazy();
      const batch = await runBatch(entity, [['ping'], ['set', 5], ['get']]);
      expect(entity.initialized).toBe(0);
      expect(batch.outcomes).toEqual([{ ok: 'pong' }, { ok: undefined }, { ok: 10 }]);

      const untouched = await runBatch(new Lazy(), [['ping']]);
      expect(untouched.exists).toBe(false);
      expect(untouched.raw.state).toBeUndefined();
    });

    it('is called once, when an operation first reads the state of an entity without one, and its result is kept', async () => {
      const entity = new Lazy();
      const batch = await runBatch(entity, [['get'], ['get']]);
      expect(entity.initialized).toBe(1);
      expect(batch.outcomes).toEqual([{ ok: 200 }, { ok: 200 }]);
      expect(batch.state).toBe(100);
    });

    it('is not called when the entity has state', async () => {
      const entity = new Lazy();
      await runBatch(entity, [['get']], { state: 1 });
      expect(entity.initialized).toBe(0);
    });

    it('defaults to undefined: the entity has no state until one is assigned', async () => {
      class NoInit extends DurableEntity<string | undefined> {
        read(): string {
          return this.state ?? 'none';
        }
      }
      const batch = await runBatch(new NoInit(), [['read']]);
      expect(batch.outcomes).toEqual([{ ok: 'none' }]);
      expect(batch.exists).toBe(false);
    });
  });

  describe('delete', () => {
    it('is built in: it deletes the state, and the next read initializes it again', async () => {
      const batch = await runBatch(new Counter(), [['add', 5], ['delete'], ['get']], { state: 1 });
      expect(batch.outcomes).toEqual([{ ok: undefined }, { ok: undefined }, { ok: 0 }]);
      expect(batch.state).toBe(0);

      const deleted = await runBatch(new Counter(), [['DELETE']], { state: 3 });
      expect(deleted.exists).toBe(false);
      expect(deleted.raw.state).toBeUndefined();
      expect(entityOperationNames(Counter)).toEqual(['add', 'reset', 'get', 'delete']);
    });

    it("is the class's own method when it defines one (in any case)", async () => {
      class Guarded extends DurableEntity<number> {
        Delete(): string {
          if (this.state > 0) throw new Error('not empty');
          this.deleteState();
          return 'deleted';
        }
      }
      const kept = await runBatch(new Guarded(), [['delete']], { state: 2 });
      expect(failureOf(kept, 0).errorMessage).toBe('not empty');
      expect(kept.state).toBe(2);

      const gone = await runBatch(new Guarded(), [['delete']], { state: 0 });
      expect(gone.outcomes).toEqual([{ ok: 'deleted' }]);
      expect(gone.exists).toBe(false);
      expect(entityOperationNames(Guarded)).toEqual(['Delete']);
    });

    it('can also be done by assigning undefined to the state', async () => {
      class Clearing extends DurableEntity<number | undefined> {
        clear(): void {
          this.state = undefined;
        }
      }
      const batch = await runBatch(new Clearing(), [['clear']], { state: 9 });
      expect(batch.exists).toBe(false);
    });
  });

  describe('subclassing', () => {
    abstract class AuditedEntity<T> extends DurableEntity<T> {
      protected readonly audit: string[] = [];
      history(): string[] {
        return [...this.audit];
      }
      describe(): string {
        return 'base';
      }
      protected _note(text: string): void {
        this.audit.push(text);
      }
    }

    class Thermostat extends AuditedEntity<number> {
      protected override initializeState(): number {
        return 20;
      }
      set(degrees: number): void {
        this._note(`set ${degrees}`);
        this.state = degrees;
      }
      override describe(): string {
        return `thermostat at ${this.state}`;
      }
    }

    it("dispatches to the app's base entity's methods and to overrides, never to '_' names or DurableEntity's members", async () => {
      const batch = await runBatch(new Thermostat(), [['set', 22], ['history'], ['describe'], ['_note', 'x'], ['initializeState'], ['state'], ['constructor']]);
      expect(batch.outcomes.slice(0, 3)).toEqual([{ ok: undefined }, { ok: ['set 22'] }, { ok: 'thermostat at 22' }]);
      for (const index of [3, 4, 5, 6]) expect(failureOf(batch, index).errorType).toBe('EntityOperationNotFoundError');
      expect(failureOf(batch, 3).errorMessage).toContain('Its operations are: set, describe, history, delete.');
      expect(entityOperationNames(Thermostat)).toEqual(['set', 'describe', 'history', 'delete']);
    });

    it('lets a subclass hide a base method with an accessor', () => {
      class Base extends DurableEntity<number> {
        size(): number {
          return 1;
        }
      }
      class Hiding extends Base {}
      // TypeScript forbids overriding a method with an accessor; JavaScript does not.
      Object.defineProperty(Hiding.prototype, 'size', { get: () => () => 2 });
      expect(entityOperationNames(Base)).toEqual(['size', 'delete']);
      expect(entityOperationNames(Hiding)).toEqual(['delete']);
    });
  });

  describe('this.context', () => {
    it('names the entity and the operation as sent', async () => {
      class Introspective extends DurableEntity<number> {
        whoAmI(): string {
          return `${this.context.entityId.instanceId} ${this.context.operationName}`;
        }
      }
      const batch = await runBatch(new Introspective(), [['WhoAmI']], { entityId: new EntityId('Intro', 'Key-1') });
      expect(batch.outcomes).toEqual([{ ok: '@intro@Key-1 WhoAmI' }]);
    });

    it('and this.state are unavailable outside an operation, with a clear error', async () => {
      let escaped: (() => number) | undefined;
      class Leaky extends DurableEntity<number> {
        constructorError: unknown;
        constructor() {
          super();
          try {
            void this.state;
          } catch (error) {
            this.constructorError = error;
          }
        }
        leak(): void {
          escaped = () => this.state;
        }
      }
      const entity = new Leaky();
      expect(entity.constructorError).toMatchObject({ code: 'ENTITY_OPERATION_ENDED' });
      expect((entity.constructorError as Error).message).toMatch(/^this\.state of entity Leaky is available only while one of its operations runs/);
      await runBatch(entity, [['leak']]);
      expect(() => escaped?.()).toThrow(/this\.state of entity Leaky is available only while one of its operations runs/);
    });
  });

  describe('a class whose methods cannot all be operations', () => {
    class Transfers extends DurableEntity<number> {
      transfer(to: string, amount: number): string {
        return `${to}${amount}`;
      }
    }

    it('is rejected by executeEntityBatch before any operation runs, naming the method', async () => {
      await expect(runBatch(new Transfers(), [['transfer', 1]])).rejects.toThrow(RegistrationError);
      await expect(runBatch(new Transfers(), [['transfer', 1]])).rejects.toThrow(
        /^Entity class Transfers cannot be dispatched: method 'transfer' of Transfers declares 2 parameters, but an operation takes at most one \(its input\)/,
      );
    });

    it('is rejected by entityOperationNames', () => {
      expect(() => entityOperationNames(Transfers)).toThrow(/method 'transfer' of Transfers declares 2 parameters/);
    });

    it('is rejected when two methods differ only in case', () => {
      class Ambiguous extends DurableEntity<number> {
        add(): void {}
        Add(): void {}
      }
      expect(() => entityOperationNames(Ambiguous)).toThrow(/methods 'add' and 'Add' of Ambiguous differ only in case, so operation 'add' is ambiguous/);
    });

    it("does not count '_' helpers or methods overridden with one parameter", () => {
      class Base extends DurableEntity<number> {
        combine(a: number, b: number): number {
          return a + b;
        }
      }
      class Fixed extends Base {
        override combine(pair: number): number {
          return pair;
        }
        _helper(a: number, b: number): number {
          return a * b;
        }
      }
      expect(entityOperationNames(Fixed)).toEqual(['combine', 'delete']);
    });
  });

  it('is not dispatched for a function-style class', () => {
    class FunctionStyle {
      run(): void {}
    }
    expect(entityOperationNames(FunctionStyle)).toBeUndefined();
  });
});
