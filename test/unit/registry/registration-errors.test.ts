import { describe, expect, it } from '@jest/globals';
import type { RunnableClass } from '../../../src/engine/task-types.js';
import { Activity, DurableRegistry, MAX_RUNNABLE_NAME_LENGTH, Orchestrator } from '../../../src/registry/index.js';
import { literally, registrationError } from './fixtures/catch-error.js';
import { SayHello } from './fixtures/greetings-v1.js';
import { SayHelloV2 } from './fixtures/greetings-v2.js';
import { HelloSequence } from './fixtures/hello-sequence.js';

const here = String.raw`test/unit/registry/registration-errors\.test\.ts:\d+`;
const v1 = 'test/unit/registry/fixtures/greetings-v1.ts:4';
const v2 = 'test/unit/registry/fixtures/greetings-v2.ts:4';

class Greeter {
  hello(city: string): string {
    return `Hello ${city}`;
  }
}

function activityNamed(name: string): RunnableClass {
  return class Named {
    run(): string {
      return name;
    }
  };
}

describe('RegistrationError', () => {
  describe('duplicate names name both classes and where each was declared and registered', () => {
    it('two activities under one name', () => {
      const error = registrationError(() => DurableRegistry.from({ activities: [SayHello, SayHelloV2] }));
      expect(error.message).toMatch(new RegExp(
        `^Activity name 'SayHello' is already used by activity SayHello \\(declared at ${literally(v1).source}, registered at ${here}\\) ` +
          `— cannot also register activity SayHelloV2 \\(declared at ${literally(v2).source}, registered at ${here}\\) under it\\. ` +
          String.raw`Give one of them another name with @Activity\(\{ name: '\.\.\.' \}\) or registry\.addActivity\(SayHelloV2, \{ name: '\.\.\.' \}\)`,
      ));
    });

    it('an activity and an orchestrator under one name', () => {
      const registry = new DurableRegistry().addActivity(SayHello, { name: 'Hello' });
      const error = registrationError(() => registry.addOrchestrator(HelloSequence, { name: 'Hello' }));
      expect(error.message).toMatch(new RegExp(
        `^Orchestrator name 'Hello' is already used by activity SayHello \\(declared at ${literally(v1).source}, registered at ${here}\\) ` +
          `— cannot also register orchestrator HelloSequence \\(declared at test/unit/registry/fixtures/hello-sequence\\.ts:5, registered at ${here}\\) under it\\. ` +
          'Activities and orchestrators share one name space\\.',
      ));
    });

    it('names that differ only in case', () => {
      const registry = new DurableRegistry().addActivity(SayHello);
      const error = registrationError(() => registry.addActivity(SayHelloV2, { name: 'SAYHELLO' }));
      expect(error.message).toMatch(new RegExp(
        `^Activity name 'SAYHELLO' differs only in case from 'SayHello', used by activity SayHello \\(declared at ${literally(v1).source}, registered at ${here}\\) ` +
          `— cannot also register activity SayHelloV2 \\(declared at ${literally(v2).source}, registered at ${here}\\) under it\\. ` +
          'Names that differ only in case are the same name',
      ));
    });

    it('undecorated classes are named by where they were registered', () => {
      const registry = new DurableRegistry().addActivity(activityNamed('a'), { name: 'Same' });
      const error = registrationError(() => registry.addActivity(activityNamed('b'), { name: 'Same' }));
      expect(error.message).toMatch(new RegExp(
        `^Activity name 'Same' is already used by activity Named \\(registered at ${here}\\) — cannot also register activity Named \\(registered at ${here}\\) under it\\.`,
      ));
    });
  });

  describe('invalid names', () => {
    const invalid: [string, string, string][] = [
      ['empty', '', "Invalid activity name '' for class Named (registered at <here>): the name is empty"],
      ['over-long', 'x'.repeat(MAX_RUNNABLE_NAME_LENGTH + 1), `the name is ${MAX_RUNNABLE_NAME_LENGTH + 1} characters long; the limit is ${MAX_RUNNABLE_NAME_LENGTH}`],
      ['a leading @', '@Counter', "Invalid activity name '@Counter' for class Named (registered at <here>): a leading '@' is reserved: Durable Functions entity IDs"],
      ['a slash', 'a/b', "Invalid activity name 'a/b' for class Named (registered at <here>): the character '/' is not allowed"],
      ['a backslash', 'a\\b', "the character '\\' is not allowed"],
      ['a hash', 'a#b', "the character '#' is not allowed"],
      ['a question mark', 'a?b', "the character '?' is not allowed"],
      ['a control character', 'a\u0000b', "Invalid activity name 'a\\u0000b' for class Named (registered at <here>): the control character \\u0000 is not allowed"],
      ['DEL', 'a\u007fb', 'the control character \\u007f is not allowed'],
      ['a newline inside', 'a\nb', 'the control character \\u000a is not allowed'],
      ['leading whitespace', ' Hello', 'the name starts or ends with whitespace'],
      ['trailing whitespace', 'Hello\t', 'the name starts or ends with whitespace'],
      ['the reserved prefix', 'durably.purge', "the prefix 'durably.' is reserved for Durably's internal use"],
      ['the reserved prefix in another case', 'Durably.Purge', "the prefix 'durably.' is reserved"],
    ];

    it.each(invalid)('rejects %s', (_case, name, expected) => {
      const error = registrationError(() => new DurableRegistry().addActivity(activityNamed(''), { name }));
      const [before, after] = expected.split('<here>') as [string, string | undefined];
      expect(error.message).toMatch(new RegExp(after === undefined ? literally(before).source : `${literally(before).source}${here}${literally(after).source}`));
      expect(error.message).toMatch(/Choose another name with @Activity\(\{ name: '\.\.\.' \}\) or registry\.addActivity\(Named, \{ name: '\.\.\.' \}\)\.$/);
    });

    it('rejects an anonymous class without an explicit name', () => {
      const error = registrationError(() => new DurableRegistry().addOrchestrator((() => class { run(): void {} })()));
      expect(error.message).toMatch(/^Invalid orchestrator name '' for class <anonymous class> \(registered at .*\): the name is empty \(an anonymous class needs an explicit name\)/);
    });

    it('checks decorator names at registration, naming the decorator', () => {
      @Activity({ name: 'durably.internal' })
      class Sneaky {
        run(): void {}
      }
      const error = registrationError(() => DurableRegistry.from({ activities: [Sneaky] }));
      expect(error.message).toMatch(new RegExp(`^Invalid activity name 'durably\\.internal' for class Sneaky \\(declared at ${here}, registered at ${here}\\): the prefix`));
    });

    it('accepts the longest allowed name and unusual but harmless characters', () => {
      const registry = new DurableRegistry()
        .addActivity(activityNamed('a'), { name: 'x'.repeat(MAX_RUNNABLE_NAME_LENGTH) })
        .addActivity(activityNamed('b'), { name: 'Orders.Ship v2 (EU) – Grüße @home' });
      expect(registry.activityNames()).toHaveLength(2);
    });

    it('shortens very long names in messages', () => {
      const error = registrationError(() => new DurableRegistry().addActivity(activityNamed(''), { name: 'y'.repeat(300) }));
      expect(error.message).toContain(`'${'y'.repeat(40)}…'`);
      expect(error.message).not.toContain('y'.repeat(41));
    });
  });

  describe('the class', () => {
    it('must have a run method', () => {
      // @ts-expect-error The decorator's type already requires `run`; plain JavaScript reaches the run-time check.
      @Orchestrator()
      class NoRun {
        execute(): void {}
      }
      const error = registrationError(() => new DurableRegistry().addOrchestrator(NoRun as unknown as RunnableClass));
      expect(error.message).toMatch(new RegExp(
        `^Orchestrator class NoRun \\(declared at ${here}, registered at ${here}\\) has no run method\\. An orchestrator implements \`run\\(ctx: OrchestrationContext\\)\` \\(an inherited run counts\\)\\.$`,
      ));
    });

    it('may inherit run', () => {
      abstract class Base {
        run(): string {
          return 'base';
        }
      }
      class Child extends Base {}
      expect(new DurableRegistry().addActivity(Child).activityNames()).toEqual(['Child']);
    });

    it('must be a class (an undefined entry is usually an import cycle)', () => {
      const error = registrationError(() => DurableRegistry.from({ activities: [SayHello, undefined as unknown as RunnableClass] }));
      expect(error.message).toBe(
        'activities[1] is undefined, not a class. A class that is undefined here is usually an import cycle: the module declaring it had not finished loading.',
      );
    });

    it('keeps one name per registry', () => {
      const registry = new DurableRegistry().addActivity(SayHello);
      const error = registrationError(() => registry.addActivity(SayHello, { name: 'Greet' }));
      expect(error.message).toMatch(new RegExp(
        `^Activity SayHello \\(declared at ${literally(v1).source}\\) is already registered as 'SayHello' \\(registered at ${here}\\) — ` +
          `cannot also register it as 'Greet' \\(registered at ${here}\\)\\. A class has one name per app`,
      ));
    });

    it('is either an activity or an orchestrator', () => {
      const Plain = activityNamed('plain');
      const registry = new DurableRegistry().addOrchestrator(Plain, { name: 'PlainOrchestrator' });
      const error = registrationError(() => registry.addActivity(Plain));
      expect(error.message).toMatch(new RegExp(
        `^Class Named is already registered as orchestrator Named \\(registered at ${here}\\) under 'PlainOrchestrator' — cannot also register it as an activity \\(registered at ${here}\\)\\. ` +
          'A class is either an activity or an orchestrator\\.$',
      ));
    });

    it('decorated as one kind cannot be registered as the other', () => {
      const error = registrationError(() => DurableRegistry.from({ activities: [HelloSequence] }));
      expect(error.message).toMatch(new RegExp(
        `^Class HelloSequence is decorated with @Orchestrator\\(\\) \\(declared at test/unit/registry/fixtures/hello-sequence\\.ts:5\\) — ` +
          `it cannot be registered as an activity \\(registered at ${here}\\)\\. List it in \`orchestrators: \\[\\.\\.\\.\\]\` instead\\.$`,
      ));
    });

    it('needs recorded parameter types when its constructor takes parameters', () => {
      class Untyped {
        constructor(readonly greeter: Greeter) {}
        run(): string {
          return this.greeter.hello('x');
        }
      }
      const error = registrationError(() => new DurableRegistry().addActivity(Untyped));
      expect(error.message).toMatch(new RegExp(
        `^Activity class Untyped \\(registered at ${here}\\) has a constructor with 1 parameter but no recorded parameter types, so nothing can be injected into it\\. ` +
          'Decorate it with @Activity\\(\\) and compile with `emitDecoratorMetadata`',
      ));
    });
  });

  describe('nameOf', () => {
    const registry = DurableRegistry.from({ orchestrators: [HelloSequence], activities: [SayHello] });

    it('rejects a class that is not registered, saying how to register it', () => {
      const error = registrationError(() => registry.nameOf('activity', SayHelloV2));
      expect(error.message).toBe(
        `Activity class SayHelloV2 (declared at ${v2}) is not registered in this app. ` +
          'List it in `activities: [...]` of Durably.create() (or call registry.addActivity(SayHelloV2)).',
      );
    });

    it('rejects a class registered as the other kind', () => {
      const error = registrationError(() => registry.nameOf('activity', HelloSequence));
      expect(error.message).toMatch(new RegExp(
        `^HelloSequence is registered as an orchestrator under 'HelloSequence' \\(declared at test/unit/registry/fixtures/hello-sequence\\.ts:5, registered at ${here}\\), not as an activity\\.$`,
      ));
    });

    it('does not resolve a subclass to its registered base class', () => {
      class Derived extends SayHello {}
      expect(registrationError(() => registry.nameOf('activity', Derived)).message).toMatch(/^Activity class Derived is not registered in this app\./);
    });

    it('suggests a name that differs only in case', () => {
      expect(registrationError(() => registry.nameOf('activity', 'sayhello')).message).toBe(
        "No activity is registered under the name 'sayhello'. Did you mean 'SayHello'? Names are case-sensitive.",
      );
    });

    it('says when a name belongs to the other kind', () => {
      expect(registrationError(() => registry.nameOf('activity', 'HelloSequence')).message).toBe(
        "No activity is registered under the name 'HelloSequence'. 'HelloSequence' is an orchestrator, not an activity.",
      );
    });

    it('lists the registered names otherwise', () => {
      expect(registrationError(() => registry.nameOf('orchestrator', 'Missing')).message).toBe(
        "No orchestrator is registered under the name 'Missing'. Registered orchestrators: 'HelloSequence'. " +
          'List the class in `orchestrators: [...]` of Durably.create() (or call registry.addOrchestrator()).',
      );
      expect(registrationError(() => new DurableRegistry().nameOf('activity', 'X')).message).toMatch(/^No activity is registered under the name 'X'\. No activities are registered\./);
    });
  });
});
