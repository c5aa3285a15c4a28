import { describe, expect, it } from '@jest/globals';
import { container, injectable } from 'tsyringe';
import { Activity, Orchestrator, getRunnableMetadata } from '../../../src/registry/index.js';
import { literally, registrationError } from './fixtures/catch-error.js';
import { SayHello } from './fixtures/greetings-v1.js';
import { HelloSequence } from './fixtures/hello-sequence.js';

@injectable()
class Greeter {
  hello(city: string): string {
    return `Hello ${city}!`;
  }
}

@Activity()
class GreetCity {
  constructor(private readonly greeter: Greeter) {}
  run(city: string): string {
    return this.greeter.hello(city);
  }
}

describe('@Activity / @Orchestrator', () => {
  it('records the kind, the explicit name and the declaration site', () => {
    expect(getRunnableMetadata(SayHello)).toEqual({
      kind: 'activity',
      name: 'SayHello',
      declaredAt: 'test/unit/registry/fixtures/greetings-v1.ts:4',
    });
    expect(getRunnableMetadata(HelloSequence)).toEqual({
      kind: 'orchestrator',
      name: undefined,
      declaredAt: 'test/unit/registry/fixtures/hello-sequence.ts:5',
    });
  });

  it('leaves the name undefined without options: the class name is used at registration', () => {
    expect(getRunnableMetadata(GreetCity)?.name).toBeUndefined();
  });

  it('makes the class injectable: tsyringe resolves its constructor parameters', () => {
    const instance = container.createChildContainer().resolve(GreetCity);
    expect(instance.run('Tokyo')).toBe('Hello Tokyo!');
  });

  it('records metadata on the class only: a subclass does not inherit it', () => {
    class LoudGreetCity extends GreetCity {}
    expect(getRunnableMetadata(LoudGreetCity)).toBeUndefined();

    @Activity({ name: 'Loud' })
    class Decorated extends GreetCity {}
    expect(getRunnableMetadata(Decorated)?.name).toBe('Loud');
    expect(getRunnableMetadata(GreetCity)?.name).toBeUndefined();
  });

  it('rejects a class decorated twice, naming both decorators and where they are', () => {
    const error = registrationError(() => {
      @Orchestrator()
      @Activity()
      class Both {
        run(): void {}
      }
      return Both;
    });
    expect(error.message).toMatch(
      /^Class Both is decorated twice: @Activity\(\) \(at test\/unit\/registry\/decorators\.test\.ts:\d+\) and @Orchestrator\(\) \(at test\/unit\/registry\/decorators\.test\.ts:\d+\)\. Keep one decorator/,
    );
  });

  it('detects a missing reflect-metadata polyfill when the decorator is evaluated', () => {
    const reflect = Reflect as { getMetadata?: unknown };
    const original = reflect.getMetadata;
    try {
      delete reflect.getMetadata;
      const error = registrationError(() => Activity());
      expect(error.message).toMatch(/^@Activity\(\) \(at test\/unit\/registry\/decorators\.test\.ts:\d+\) needs the 'reflect-metadata' polyfill/);
      expect(error.message).toMatch(literally("Add `import 'reflect-metadata';` once, as the first import of your entry point"));
      expect(registrationError(() => Orchestrator()).message).toMatch(/^@Orchestrator\(\) .*needs the 'reflect-metadata' polyfill/);
    } finally {
      reflect.getMetadata = original;
    }
    expect(typeof Reflect.getMetadata).toBe('function');
  });
});
