import { describe, expect, it } from '@jest/globals';
import {
  DurableEntity, DurableRegistry, Entity, EntityId, RegistrationError, type DurableTask, type EntityContext,
  type EntityProxy, type OrchestrationContext,
} from '../../../src/index.js';
import { HistoryBuilder, replayHistory } from '../../../src/testing/index.js';

// ctx.entity(EntityClass, key): the typed proxy. `npm run typecheck` type-checks this file (the @ts-expect-error
// lines fail it if the error they expect disappears); jest runs the replays.

/** True exactly when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const assertType = <T extends true>(_proof?: T): void => undefined;

@Entity({ name: 'Tally' })
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
  async describe(options?: { verbose: boolean }): Promise<string> {
    return Promise.resolve(options?.verbose === true ? `count ${this.state}` : String(this.state));
  }
  _helper(): void {}
}

/** An entity with operations whose names the proxy reserves. */
@Entity()
class Radio extends DurableEntity<string[]> {
  signal(message: string): void {
    this.state = [...(this.state ?? []), message];
  }
  then(): void {}
}

@Entity()
class FnCounter {
  run(ctx: EntityContext<number>): void {
    ctx.setState(ctx.getState(() => 0) + 1);
  }
}

const registry = DurableRegistry.from({ entities: [Counter, Radio, FnCounter] });
const resolveName = (kind: 'activity' | 'orchestrator' | 'entity', ref: Parameters<typeof registry.nameOf>[1]): string => registry.nameOf(kind, ref);
const tally = new EntityId('Tally', 'c1');

class UsesCounter {
  async run(ctx: OrchestrationContext): Promise<number> {
    const counter = ctx.entity(Counter, 'c1');
    const added = counter.add(5);
    assertType<Equal<typeof added, DurableTask<void>>>();
    await added;
    counter.signal.add(1);
    counter.signal.reset(undefined, { scheduledTime: new Date(ctx.currentUtcDateTime.getTime() + 60_000) });
    const total = await counter.get();
    assertType<Equal<typeof total, number>>();
    return total;
  }
}

describe('ctx.entity (typed entity proxy)', () => {
  it('types operations from the class: inputs, results, optional inputs, signals', () => {
    type Proxy = EntityProxy<typeof Counter>;
    assertType<Equal<keyof Proxy, 'add' | 'reset' | 'get' | 'describe' | 'delete' | 'signal'>>();
    assertType<Equal<Parameters<Proxy['add']>, [amount: number]>>();
    assertType<Equal<ReturnType<Proxy['describe']>, DurableTask<string>>>();
    assertType<Equal<Parameters<Proxy['describe']>, [options?: { verbose: boolean }]>>();
    assertType<Equal<ReturnType<Proxy['delete']>, DurableTask<undefined>>>();
    assertType<Equal<ReturnType<Proxy['signal']['add']>, void>>();
    // Reserved names stay reachable one-way, and two-way through callEntity.
    assertType<Equal<keyof EntityProxy<typeof Radio>, 'delete' | 'signal'>>();
    assertType<Equal<Parameters<EntityProxy<typeof Radio>['signal']['signal']>[0], string>>();
    expect(true).toBe(true);
  });

  it('records a call, a signal and a scheduled signal under the registered name', async () => {
    const first = await replayHistory(UsesCounter, new HistoryBuilder({ name: 'UsesCounter' }), { resolveName });
    expect(first.actions).toEqual([{ type: 'CallEntity', sequence: 0, targetInstanceId: '@tally@c1', operation: 'add', input: '5' }]);

    const history = new HistoryBuilder({ name: 'UsesCounter' }).entityOperationCalled(tally, 'add', 5).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(0);
    const second = await replayHistory(UsesCounter, history, { resolveName });
    expect(second.actions).toEqual([
      { type: 'SignalEntity', sequence: 1, targetInstanceId: '@tally@c1', operation: 'add', input: '1' },
      expect.objectContaining({ type: 'SignalEntity', sequence: 2, targetInstanceId: '@tally@c1', operation: 'reset', input: undefined, scheduledTime: expect.any(Date) }),
      { type: 'CallEntity', sequence: 3, targetInstanceId: '@tally@c1', operation: 'get', input: undefined },
    ]);
  });

  it('is not a thenable: awaiting the proxy itself sends nothing', async () => {
    class AwaitsProxy {
      async run(ctx: OrchestrationContext): Promise<boolean> {
        const proxy: unknown = ctx.entity(Counter, 'c1');
        return (await proxy) === proxy;
      }
    }
    const decision = await replayHistory(AwaitsProxy, new HistoryBuilder({ name: 'AwaitsProxy' }), { resolveName });
    expect(decision.actions).toEqual([]);
    expect(decision.completion).toEqual({ status: 'Completed', output: 'true' });
  });

  it('fails the orchestration with a RegistrationError naming an unregistered class', async () => {
    class Stray extends DurableEntity<number> {
      add(amount: number): void {
        this.state = amount;
      }
    }
    class CallsStray {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.entity(Stray, 'k').add(1);
      }
    }
    const decision = await replayHistory(CallsStray, new HistoryBuilder({ name: 'CallsStray' }), { resolveName });
    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorType: 'RegistrationError' } });
    expect(decision.completion?.status === 'Failed' ? decision.completion.failureDetails.errorMessage : '').toContain('Entity class Stray is not registered');
    expect(() => registry.nameOf('entity', Stray)).toThrow(RegistrationError);
  });

  it('checks the key like EntityId does', async () => {
    class BadKey {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.entity(Counter, 42 as unknown as string).get();
      }
    }
    const decision = await replayHistory(BadKey, new HistoryBuilder({ name: 'BadKey' }), { resolveName });
    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorMessage: expect.stringContaining('entity key must be a string') } });
  });
});

/** Never called: holds what must not compile. */
function _mustNotCompile(ctx: OrchestrationContext): void {
  const counter = ctx.entity(Counter, 'c1');
  // @ts-expect-error add takes a number
  void counter.add('x');
  // @ts-expect-error add needs its input
  void counter.add();
  // @ts-expect-error reset takes no input
  void counter.reset(1);
  // @ts-expect-error not an operation
  void counter.count();
  // @ts-expect-error '_' methods are not operations
  void counter._helper();
  // @ts-expect-error initializeState is protected, not an operation
  void counter.initializeState();
  // @ts-expect-error the signal of add takes a number
  counter.signal.add('x');
  // @ts-expect-error a signal returns nothing to await
  void counter.signal.add(1).then;
  // @ts-expect-error a function-style entity has no typed operations: use ctx.callEntity
  void ctx.entity(FnCounter, 'c1');
  // @ts-expect-error the key is a string
  void ctx.entity(Counter, 1);
  // @ts-expect-error 'signal' is the one-way view on this proxy, not Radio's operation
  void ctx.entity(Radio, 'r').signal('hello');
}
