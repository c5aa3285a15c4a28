import { describe, expect, it } from '@jest/globals';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import type { EntityClass } from '../../../src/entities/entity-class.js';
import type { EntityContext } from '../../../src/entities/entity-context.js';
import type {
  EntityOperationArgs, EntityOperationInput, EntityOperationName, EntityOperationResult, EntitySignalProxy,
} from '../../../src/entities/entity-signal-proxy.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { entityOperationNames } from '../../../src/entities/entity-operation-names.js';
import { Entity } from '../../../src/registry/decorators.js';

// Compile-time checks: `npm run typecheck` type-checks this file; jest only runs it.

/** True exactly when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const assertType = <T extends true>(_proof?: T): void => undefined;

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
  async fetch(options?: { fresh: boolean }): Promise<string> {
    return Promise.resolve(String(options?.fresh));
  }
  count = 0; // a field: not an operation
  _helper(): void {}
}

class FnCounter {
  run(ctx: EntityContext<number>): void {
    const v = ctx.getState(() => 0);
    assertType<Equal<typeof v, number>>();
    const _maybe = ctx.getState();
    assertType<Equal<typeof _maybe, number | undefined>>();
    ctx.setState(v + ctx.getInput<number>());
  }
}

class Greet {
  run(ctx: OrchestrationContext<{ who: string }>): Promise<string> {
    return Promise.resolve(ctx.input.who);
  }
}

class Starter extends DurableEntity<number> {
  start(): string {
    this.context.startNewOrchestration(Greet, { who: 'x' });
    this.context.startNewOrchestration('Greet', 42);
    // @ts-expect-error Greet takes { who: string }
    this.context.startNewOrchestration(Greet, 42);
    return this.context.entityId.instanceId;
  }
}

describe('entity typing', () => {
  it('maps the public methods of a class-based entity to operations', () => {
    assertType<Equal<EntityOperationName<typeof Counter>, 'add' | 'reset' | 'get' | 'fetch' | 'delete'>>();
    assertType<Equal<EntityOperationArgs<typeof Counter, 'add'>, [amount: number]>>();
    assertType<Equal<EntityOperationArgs<typeof Counter, 'reset'>, []>>();
    assertType<Equal<EntityOperationArgs<typeof Counter, 'delete'>, []>>();
    assertType<Equal<EntityOperationInput<typeof Counter, 'add'>, number>>();
    assertType<Equal<EntityOperationInput<typeof Counter, 'reset'>, undefined>>();
    assertType<Equal<EntityOperationResult<typeof Counter, 'get'>, number>>();
    assertType<Equal<EntityOperationResult<typeof Counter, 'fetch'>, string>>();
    assertType<Equal<EntityOperationResult<typeof Counter, 'delete'>, undefined>>();
    assertType<Equal<EntityOperationName<typeof FnCounter>, string>>();
    expect(entityOperationNames(Counter)).toEqual(['add', 'reset', 'get', 'fetch', 'delete']);
  });

  it('types a signal proxy against the class', () => {
    const sent: [string, unknown[]][] = [];
    const proxy = new Proxy({}, {
      get: (_target, operation) => (...args: unknown[]) => {
        sent.push([String(operation), args]);
        return Promise.resolve();
      },
    }) as EntitySignalProxy<typeof Counter>;
    void proxy.add(1);
    void proxy.reset();
    void proxy.fetch();
    void proxy.fetch({ fresh: true });
    void proxy.delete();
    assertType<Equal<ReturnType<typeof proxy.get>, Promise<void>>>();
    expect(sent).toEqual([['add', [1]], ['reset', []], ['fetch', []], ['fetch', [{ fresh: true }]], ['delete', []]]);

    const _untyped = proxy as unknown as EntitySignalProxy<typeof FnCounter>;
    assertType<Equal<Parameters<NonNullable<typeof _untyped.anything>>, [input?: unknown]>>();
  });

  it('accepts both styles as entity classes', () => {
    const classes: EntityClass[] = [Counter, FnCounter, Starter];
    expect(classes).toHaveLength(3);
    @Entity()
    class Decorated extends DurableEntity<string[]> {}
    expect(Decorated.name).toBe('Decorated');
  });
});

/** Never called: holds what must not compile. */
function _mustNotCompile(proxy: EntitySignalProxy<typeof Counter>): void {
  // @ts-expect-error add takes a number
  void proxy.add('one');
  // @ts-expect-error add needs its input
  void proxy.add();
  // @ts-expect-error reset takes no input
  void proxy.reset(1);
  // @ts-expect-error not an operation
  void proxy.count;
  // @ts-expect-error '_' methods are not operations
  void proxy._helper();
  // @ts-expect-error initializeState is not an operation
  void proxy.initializeState();

  class NotAnEntity {
    add(): void {}
  }
  // @ts-expect-error neither extends DurableEntity nor has run(ctx)
  const _bad: EntityClass = NotAnEntity;
  // @ts-expect-error @Entity() needs an entity class
  Entity()(NotAnEntity);
}
