import { describe, expect, it } from '@jest/globals';
import { Activity, DurableRegistry, Orchestrator } from '../../../src/registry/index.js';
import { SayHello } from './fixtures/greetings-v1.js';
import { HelloSequence } from './fixtures/hello-sequence.js';

@Activity()
class Farewell {
  run(city: string): string {
    return `Bye ${city}`;
  }
}

@Orchestrator({ name: 'Greetings' })
class GreetingsOrchestrator {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

class PlainActivity {
  run(): string {
    return 'plain';
  }
}

describe('DurableRegistry', () => {
  it('registers decorated classes under the class name by default and the explicit name when given', () => {
    const registry = DurableRegistry.from({ orchestrators: [HelloSequence, GreetingsOrchestrator], activities: [SayHello, Farewell] });
    expect(registry.orchestratorNames()).toEqual(['HelloSequence', 'Greetings']);
    expect(registry.activityNames()).toEqual(['SayHello', 'Farewell']);
    expect(registry.getOrchestrator('Greetings')).toMatchObject({ kind: 'orchestrator', name: 'Greetings', type: GreetingsOrchestrator });
    expect(registry.getActivity('Farewell')).toMatchObject({ kind: 'activity', name: 'Farewell', type: Farewell });
    expect(registry.getActivity('SayHello')?.declaredAt).toBe('test/unit/registry/fixtures/greetings-v1.ts:4');
    expect(registry.getActivity('SayHello')?.registeredAt).toMatch(/^test\/unit\/registry\/durable-registry\.test\.ts:\d+$/);
  });

  it('looks names up exactly and per kind', () => {
    const registry = DurableRegistry.from({ orchestrators: [HelloSequence], activities: [SayHello] });
    expect(registry.getActivity('sayhello')).toBeUndefined();
    expect(registry.getActivity('HelloSequence')).toBeUndefined();
    expect(registry.getOrchestrator('SayHello')).toBeUndefined();
    expect(registry.getOrchestrator('Missing')).toBeUndefined();
  });

  it('keeps two registries in one process apart', () => {
    const first = new DurableRegistry().addActivity(SayHello);
    const second = new DurableRegistry().addActivity(Farewell).addOrchestrator(HelloSequence);
    expect(first.activityNames()).toEqual(['SayHello']);
    expect(first.orchestratorNames()).toEqual([]);
    expect(second.activityNames()).toEqual(['Farewell']);
    expect(second.getActivity('SayHello')).toBeUndefined();
    // The same class may have a different name in another app.
    const third = new DurableRegistry().addActivity(SayHello, { name: 'Greet' });
    expect(third.nameOf('activity', SayHello)).toBe('Greet');
    expect(first.nameOf('activity', SayHello)).toBe('SayHello');
  });

  it('has a programmatic twin for each decorator, working for undecorated classes too', () => {
    const registry = new DurableRegistry()
      .addActivity(PlainActivity)
      .addActivity(class Anonymous2 { run(): void {} }, { name: 'Second' })
      .addOrchestrator(class PlainOrchestrator { run(): Promise<number> { return Promise.resolve(1); } });
    expect(registry.activityNames()).toEqual(['PlainActivity', 'Second']);
    expect(registry.orchestratorNames()).toEqual(['PlainOrchestrator']);
    expect(registry.createActivityResolver().resolve('PlainActivity').run(undefined)).toBe('plain');
  });

  it('lets an explicit name at registration win over the decorator name', () => {
    const registry = new DurableRegistry().addActivity(SayHello, { name: 'SayHelloV1' }).addOrchestrator(GreetingsOrchestrator, { name: 'Hi' });
    expect(registry.activityNames()).toEqual(['SayHelloV1']);
    expect(registry.orchestratorNames()).toEqual(['Hi']);
  });

  it('treats registering the same class twice under the same name as a no-op', () => {
    const registry = DurableRegistry.from({ activities: [SayHello, SayHello, Farewell] });
    registry.addActivity(SayHello).addActivity(SayHello, { name: 'SayHello' });
    registry.addOrchestrator(HelloSequence).addOrchestrator(HelloSequence);
    expect(registry.activityNames()).toEqual(['SayHello', 'Farewell']);
    expect(registry.orchestratorNames()).toEqual(['HelloSequence']);
  });

  describe('nameOf', () => {
    const registry = DurableRegistry.from({ orchestrators: [GreetingsOrchestrator], activities: [SayHello] });

    it('maps a registered class to its registered name', () => {
      expect(registry.nameOf('activity', SayHello)).toBe('SayHello');
      expect(registry.nameOf('orchestrator', GreetingsOrchestrator)).toBe('Greetings');
    });

    it('accepts a string that is exactly a registered name', () => {
      expect(registry.nameOf('activity', 'SayHello')).toBe('SayHello');
      expect(registry.nameOf('orchestrator', 'Greetings')).toBe('Greetings');
    });

    it('returns the whole registration through definitionOf', () => {
      expect(registry.definitionOf('orchestrator', 'Greetings').type).toBe(GreetingsOrchestrator);
    });
  });
});
