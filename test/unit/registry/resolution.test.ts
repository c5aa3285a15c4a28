import { describe, expect, it } from '@jest/globals';
import { container as globalContainer, injectable, Lifecycle } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, ActivityResolver, DurableRegistry, Orchestrator } from '../../../src/registry/index.js';
import { registrationError } from './fixtures/catch-error.js';

// Value imports and classes declared here on purpose: a type-only import of Greeter would erase the constructor
// parameter type that tsyringe resolves (see TOOLCHAIN.md).
@injectable()
class Greeter {
  calls = 0;
  hello(city: string): string {
    this.calls += 1;
    return `Hello ${city}!`;
  }
}

@Activity()
class SayHello {
  constructor(private readonly greeter: Greeter) {}
  run(city: string): string {
    return this.greeter.hello(city);
  }
}

@Orchestrator()
class CountingOrchestrator {
  steps = 0;
  constructor(readonly greeter: Greeter) {}
  run(ctx: OrchestrationContext<string>): Promise<number> {
    this.steps += 1;
    this.greeter.hello(ctx.input);
    return Promise.resolve(this.steps);
  }
}

const context = <T>(input: T): OrchestrationContext<T> => ({ input }) as OrchestrationContext<T>;

describe('activities are resolved through a child of the app container', () => {
  it('injects the services the app registered', () => {
    const appContainer = globalContainer.createChildContainer();
    const greeter = new Greeter();
    appContainer.registerInstance(Greeter, greeter);
    const resolver = DurableRegistry.from({ activities: [SayHello] }).createActivityResolver(appContainer);

    expect(resolver).toBeInstanceOf(ActivityResolver);
    expect(resolver.resolve('SayHello').run('Tokyo')).toBe('Hello Tokyo!');
    expect(resolver.resolve(SayHello).run('Oslo')).toBe('Hello Oslo!');
    expect(greeter.calls).toBe(2);
  });

  it('keeps its registrations out of the app container', () => {
    const appContainer = globalContainer.createChildContainer();
    appContainer.register(Greeter, { useClass: Greeter }, { lifecycle: Lifecycle.Singleton });
    const resolver = DurableRegistry.from({ activities: [SayHello] }).createActivityResolver(appContainer);
    resolver.resolve('SayHello');
    resolver.container.registerInstance('durably.client', { kind: 'client' });

    expect(resolver.container).not.toBe(appContainer);
    expect(resolver.container.isRegistered(SayHello)).toBe(true);
    expect(resolver.container.isRegistered('durably.client')).toBe(true);
    expect(appContainer.isRegistered(SayHello, true)).toBe(false);
    expect(appContainer.isRegistered('durably.client', true)).toBe(false);
    expect(globalContainer.isRegistered(SayHello, true)).toBe(false);
  });

  it('creates a new activity instance per resolve while app singletons stay shared', () => {
    const appContainer = globalContainer.createChildContainer();
    appContainer.register(Greeter, { useClass: Greeter }, { lifecycle: Lifecycle.Singleton });
    const resolver = DurableRegistry.from({ activities: [SayHello] }).createActivityResolver(appContainer);
    const first = resolver.resolve('SayHello');
    const second = resolver.resolve('SayHello');
    expect(first).not.toBe(second);
    expect(first).toBeInstanceOf(SayHello);
    expect((first as unknown as { greeter: Greeter }).greeter).toBe((second as unknown as { greeter: Greeter }).greeter);
  });

  it('resolves an activity class the app registered through that registration (how tests replace activities)', () => {
    const fake = { run: (city: string) => `Fake hello ${city}` };
    const appContainer = globalContainer.createChildContainer();
    appContainer.register(SayHello, { useValue: fake as unknown as SayHello });
    const resolver = DurableRegistry.from({ activities: [SayHello] }).createActivityResolver(appContainer);
    expect(resolver.resolve('SayHello')).toBe(fake);
    expect(resolver.resolve(SayHello).run('Rome')).toBe('Fake hello Rome');

    @injectable()
    class LoudHello extends SayHello {
      override run(city: string): string {
        return super.run(city).toUpperCase();
      }
    }
    const other = globalContainer.createChildContainer();
    other.register(Greeter, { useClass: Greeter });
    other.register(SayHello, { useClass: LoudHello });
    const loud = DurableRegistry.from({ activities: [SayHello] }).createActivityResolver(other);
    expect(loud.resolve('SayHello').run('Rome')).toBe('HELLO ROME!');
    expect(loud.resolve('SayHello')).not.toBe(loud.resolve('SayHello'));
  });

  it('resolves classes added to the registry after the resolver was created', () => {
    const registry = new DurableRegistry();
    const resolver = registry.createActivityResolver(globalContainer.createChildContainer());
    registry.addActivity(SayHello, { name: 'Late' });
    expect(resolver.resolve('Late').run('Rome')).toBe('Hello Rome!');
  });

  it('rejects an unknown name', () => {
    const resolver = DurableRegistry.from({ activities: [SayHello] }).createActivityResolver();
    expect(registrationError(() => resolver.resolve('sayHello')).message).toBe(
      "No activity is registered under the name 'sayHello'. Did you mean 'SayHello'? Names are case-sensitive.",
    );
  });
});

describe('orchestrators', () => {
  it('get a fresh instance for every resolve (one per replay), with injected services', async () => {
    const appContainer = globalContainer.createChildContainer();
    appContainer.register(Greeter, { useClass: Greeter }, { lifecycle: Lifecycle.Singleton });
    appContainer.register(CountingOrchestrator, { useClass: CountingOrchestrator }, { lifecycle: Lifecycle.Singleton });
    const registry = DurableRegistry.from({ orchestrators: [CountingOrchestrator] });

    const first = registry.resolveOrchestrator('CountingOrchestrator', appContainer);
    const second = registry.resolveOrchestrator(CountingOrchestrator, appContainer);
    expect(first).not.toBe(second);
    expect(first).toBeInstanceOf(CountingOrchestrator);
    expect(await first.run(context('a'))).toBe(1);
    expect(await second.run(context('b'))).toBe(1);
    expect(appContainer.resolve(Greeter).calls).toBe(2);
    expect(appContainer.isRegistered(CountingOrchestrator)).toBe(true); // the app's own registration, untouched
  });

  it('default to the global container without writing to it', () => {
    const registry = DurableRegistry.from({ orchestrators: [CountingOrchestrator] });
    expect(registry.resolveOrchestrator('CountingOrchestrator')).toBeInstanceOf(CountingOrchestrator);
    expect(globalContainer.isRegistered(CountingOrchestrator, true)).toBe(false);
  });

  it('reject an unknown name', () => {
    const registry = new DurableRegistry();
    expect(registrationError(() => registry.resolveOrchestrator('Nope')).message).toMatch(/^No orchestrator is registered under the name 'Nope'\./);
  });
});
