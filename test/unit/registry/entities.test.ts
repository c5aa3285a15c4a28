import { describe, expect, it } from '@jest/globals';
import { container as globalContainer, injectable } from 'tsyringe';
import { encodePayload } from '../../../src/core/codec.js';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import type { EntityContext } from '../../../src/entities/entity-context.js';
import type { EntityClass } from '../../../src/entities/entity-class.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { executeEntityBatch } from '../../../src/entities/execute-entity-batch.js';
import { Activity, DurableRegistry, Entity, getRunnableMetadata, InjectableBase, Orchestrator } from '../../../src/registry/index.js';
import { literally, registrationError } from './fixtures/catch-error.js';
import { SayHello } from './fixtures/greetings-v1.js';
import { HelloSequence } from './fixtures/hello-sequence.js';

const here = String.raw`test/unit/registry/entities\.test\.ts:\d+`;

// Declared here, with value imports: a type-only import would erase the constructor parameter type tsyringe resolves.
@injectable()
class Clock {
  static instances = 0;
  readonly created = ++Clock.instances;
  stamp(): string {
    return `stamp-${this.created}`;
  }
}

@Entity()
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
}

@Entity({ name: 'FnCounter' })
class FunctionCounter {
  run(ctx: EntityContext<number>): void {
    const v = ctx.getState(() => 0);
    if (ctx.operationName === 'add') ctx.setState(v + ctx.getInput<number>());
    if (ctx.operationName === 'get') ctx.return(v);
  }
}

@Entity()
class Stamped extends DurableEntity<string[]> {
  constructor(private readonly clock: Clock) {
    super();
  }
  protected override initializeState(): string[] {
    return [];
  }
  stamp(): string {
    const stamp = this.clock.stamp();
    this.state.push(stamp);
    return stamp;
  }
}

describe('@Entity and the registry', () => {
  it('records the kind and name like @Activity / @Orchestrator', () => {
    expect(getRunnableMetadata(Counter)).toEqual({ kind: 'entity', name: undefined, declaredAt: expect.stringMatching(new RegExp(`^${here}$`)) });
    expect(getRunnableMetadata(FunctionCounter)?.name).toBe('FnCounter');
  });

  it('registers both styles through DurableRegistry.from({ entities }) and lists them', () => {
    const registry = DurableRegistry.from({ orchestrators: [HelloSequence], activities: [SayHello], entities: [Counter, FunctionCounter] });
    expect(registry.entityNames()).toEqual(['Counter', 'FnCounter']);
    expect(registry.activityNames()).toEqual(['SayHello']);
    expect(registry.orchestratorNames()).toEqual(['HelloSequence']);
    expect(registry.nameOf('entity', Counter)).toBe('Counter');
    expect(registry.nameOf('entity', FunctionCounter)).toBe('FnCounter');
  });

  it('looks entity names up ignoring case (entity instance IDs carry them lower-cased)', () => {
    const registry = DurableRegistry.from({ entities: [Counter, FunctionCounter] });
    const fromInstanceId = EntityId.fromInstanceId(new EntityId('FnCounter', 'k').instanceId);
    expect(fromInstanceId.name).toBe('fncounter');
    expect(registry.nameOf('entity', fromInstanceId.name)).toBe('FnCounter');
    expect(registry.getEntity('COUNTER')?.type).toBe(Counter);
    expect(registry.getEntity('SayHello')).toBeUndefined();
    expect(registry.definitionOf('entity', 'counter')).toMatchObject({ kind: 'entity', name: 'Counter', type: Counter });
  });

  it('registers undecorated classes with addEntity (idempotently), making them resolvable', () => {
    class Plain {
      run(ctx: EntityContext<number>): void {
        ctx.setState(1);
      }
    }
    const registry = new DurableRegistry().addEntity(Plain, { name: 'Tally' }).addEntity(Plain, { name: 'Tally' });
    expect(registry.entityNames()).toEqual(['Tally']);
    expect(registry.resolveEntity('tally')).toBeInstanceOf(Plain);
  });

  describe('resolveEntity', () => {
    it('creates a fresh instance per call, with constructor injection through a child of the app container', async () => {
      const appContainer = globalContainer.createChildContainer();
      const clock = new Clock();
      appContainer.registerInstance(Clock, clock);
      const registry = DurableRegistry.from({ entities: [Stamped] });

      const first = registry.resolveEntity('stamped', appContainer);
      const second = registry.resolveEntity(Stamped, appContainer);
      expect(first).toBeInstanceOf(Stamped);
      expect(second).not.toBe(first);
      expect(appContainer.isRegistered(Stamped)).toBe(false);

      const result = await executeEntityBatch({
        entityId: new EntityId('Stamped', 'k'), state: undefined, entity: first,
        operations: [{ id: '1', operation: 'stamp', input: undefined }, { id: '2', operation: 'stamp', input: undefined }],
        resolveOrchestratorName: String, newInstanceId: () => 'x', maxPayloadBytes: 1000,
      });
      const expected = encodePayload(clock.stamp(), 'result');
      expect(result.outcomes).toEqual([{ id: '1', success: true, result: expected }, { id: '2', success: true, result: expected }]);
      expect(result.state).toBe(`[${expected},${expected}]`);
    });

    it('rejects an unknown name, listing the registered entities', () => {
      const registry = DurableRegistry.from({ entities: [Counter], activities: [SayHello] });
      expect(registrationError(() => registry.resolveEntity('Nope')).message).toBe(
        "No entity is registered under the name 'Nope'. Registered entities: 'Counter'. List the class in `entities: [...]` of Durably.create() (or call registry.addEntity()).",
      );
      expect(registrationError(() => registry.resolveEntity('sayhello')).message).toBe(
        "No entity is registered under the name 'sayhello'. 'SayHello' is an activity, not an entity.",
      );
      expect(registrationError(() => registry.resolveEntity(FunctionCounter)).message).toMatch(
        /^Entity class FunctionCounter \(declared at .*\) is not registered in this app\. List it in `entities: \[\.\.\.\]` of Durably\.create\(\) \(or call registry\.addEntity\(FunctionCounter\)\)\.$/,
      );
    });

    it('builds class-based entities whose constructor comes from an @InjectableBase() base', () => {
      @InjectableBase()
      abstract class ClockedEntity extends DurableEntity<string> {
        constructor(protected readonly clock: Clock) {
          super();
        }
      }
      @Entity()
      class Inheriting extends ClockedEntity {
        now(): string {
          return this.clock.stamp();
        }
      }
      const entity = DurableRegistry.from({ entities: [Inheriting] }).resolveEntity('Inheriting') as Inheriting;
      expect(entity.now()).toMatch(/^stamp-\d+$/);
    });
  });

  describe('RegistrationError', () => {
    it('for a class that is not an entity', () => {
      // @ts-expect-error The decorator's type already requires an entity class; plain JavaScript reaches the run-time check.
      @Entity()
      class NotAnEntity {
        add(): void {}
      }
      const error = registrationError(() => DurableRegistry.from({ entities: [NotAnEntity as unknown as EntityClass] }));
      expect(error.message).toMatch(new RegExp(
        `^Entity class NotAnEntity \\(declared at ${here}, registered at ${here}\\) is not an entity: it neither extends DurableEntity ` +
          String.raw`\(class-based: its methods are the operations\) nor has a \`run\(ctx: EntityContext\)\` method \(function-style\)\.`,
      ));
    });

    it('for a method taking more than one parameter, naming it', () => {
      class Bank extends DurableEntity<number> {
        deposit(amount: number): void {
          this.state += amount;
        }
        transfer(to: string, amount: number): void {
          this.context.signalEntity(new EntityId('Bank', to), 'deposit', amount);
        }
      }
      const error = registrationError(() => new DurableRegistry().addEntity(Bank));
      expect(error.message).toMatch(new RegExp(
        `^Entity class Bank \\(registered at ${here}\\) cannot be dispatched: method 'transfer' of Bank declares 2 parameters, ` +
          literally("but an operation takes at most one (its input): pass one object instead (e.g. transfer({ a, b })), or — if it is not an operation — make it #private or start its name with '_'.").source +
          '$',
      ));
    });

    it('for a name used by an activity or orchestrator (one name space, ignoring case)', () => {
      const registry = new DurableRegistry().addActivity(SayHello, { name: 'Counter' });
      const error = registrationError(() => registry.addEntity(Counter));
      expect(error.message).toMatch(new RegExp(
        `^Entity name 'Counter' is already used by activity SayHello \\(declared at test/unit/registry/fixtures/greetings-v1\\.ts:4, registered at ${here}\\) ` +
          `— cannot also register entity Counter \\(declared at ${here}, registered at ${here}\\) under it\\. ` +
          literally("Activities, orchestrators and entities share one name space. Give one of them another name with @Entity({ name: '...' }) or registry.addEntity(Counter, { name: '...' })").source,
      ));

      const byCase = registrationError(() => DurableRegistry.from({ entities: [Counter], orchestrators: [] }).addOrchestrator(HelloSequence, { name: 'COUNTER' }));
      expect(byCase.message).toMatch(/^Orchestrator name 'COUNTER' differs only in case from 'Counter', used by entity Counter .* Names that differ only in case are the same name .* Activities, orchestrators and entities share one name space\./);
    });

    it('for two entities under one name', () => {
      const error = registrationError(() => new DurableRegistry().addEntity(Counter).addEntity(FunctionCounter, { name: 'counter' }));
      expect(error.message).toMatch(/^Entity name 'counter' differs only in case from 'Counter', used by entity Counter/);
    });

    it.each([
      ['containing @', 'Coun@ter', "the character '@' is not allowed in an entity name (entity instance IDs are written '@name@key')"],
      ['with a leading @', '@Counter', "a leading '@' is reserved"],
      ['empty', '', 'the name is empty'],
      ['with a slash', 'a/b', "the character '/' is not allowed"],
      ['reserved', 'durably.counter', "the prefix 'durably.' is reserved"],
    ])('for a name %s', (_case, name, problem) => {
      const error = registrationError(() => new DurableRegistry().addEntity(Counter, { name }));
      expect(error.message).toContain(`Invalid entity name '${name}' for class Counter`);
      expect(error.message).toContain(problem);
      expect(error.message).toMatch(/Choose another name with @Entity\(\{ name: '\.\.\.' \}\) or registry\.addEntity\(Counter, \{ name: '\.\.\.' \}\)\.$/);
    });

    it('for a class decorated as another kind, or registered as another kind', () => {
      const decorated = registrationError(() => DurableRegistry.from({ activities: [FunctionCounter] }));
      expect(decorated.message).toMatch(/^Class FunctionCounter is decorated with @Entity\(\) \(declared at .*\) — it cannot be registered as an activity .* List it in `entities: \[\.\.\.\]` instead\.$/);

      class Both {
        run(): void {}
      }
      const registry = new DurableRegistry().addOrchestrator(Both);
      expect(registrationError(() => registry.addEntity(Both, { name: 'BothEntity' })).message).toMatch(
        /cannot also register it as an entity \(registered at .*\)\. A class is one activity, orchestrator or entity\.$/,
      );
      expect(registrationError(() => registry.nameOf('entity', Both)).message).toBe(
        "Both is registered as an orchestrator under 'Both' (registered at " + (registry.definitionOf('orchestrator', Both).registeredAt ?? '') + '), not as an entity.',
      );
    });

    it('for a class decorated twice', () => {
      const error = registrationError(() => {
        @Entity()
        @Activity()
        class Twice {
          run(): void {}
        }
        return Twice;
      });
      expect(error.message).toMatch(/^Class Twice is decorated twice: @Activity\(\) .* and @Entity\(\) .*Keep one decorator: a class is one activity, one orchestrator or one entity\.$/);
    });

    it('for an orchestrator looked up as an entity', () => {
      @Orchestrator({ name: 'Flow' })
      class Flow {
        run(): void {}
      }
      const registry = DurableRegistry.from({ orchestrators: [Flow] });
      expect(registrationError(() => registry.resolveEntity('flow')).message).toBe(
        "No entity is registered under the name 'flow'. 'Flow' is an orchestrator, not an entity.",
      );
    });
  });
});
