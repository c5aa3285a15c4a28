import { describe, expect, it } from '@jest/globals';
import { container as globalContainer, injectable } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { OrchestratorInput, OrchestratorOutput } from '../../../src/engine/task-types.js';
import { DurableOrchestrator, DurableRegistry, InjectableBase, Orchestrator } from '../../../src/registry/index.js';
import { registrationError } from './fixtures/catch-error.js';

@injectable()
class Formatter {
  format(text: string): string {
    return `[${text}]`;
  }
}

/** The app's template: `run` is fixed, the step varies. Its constructor is inherited, hence @InjectableBase(). */
@InjectableBase()
abstract class GreetingOrchestrator extends DurableOrchestrator<string, string> {
  constructor(protected readonly formatter: Formatter) {
    super();
  }

  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return Promise.resolve(this.formatter.format(this.step(ctx.input)));
  }

  protected abstract step(name: string): string;
}

@Orchestrator()
class EnglishGreeting extends GreetingOrchestrator {
  protected step(name: string): string {
    return `Hello ${name}`;
  }
}

@Orchestrator({ name: 'FrenchGreeting' })
class FrenchGreetingV2 extends GreetingOrchestrator {
  protected override step(name: string): string {
    return `Bonjour ${name}`;
  }
}

// Exact type equality (not mere assignability, which `any` and `never` would pass).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const context = <T>(input: T): OrchestrationContext<T> => ({ input }) as OrchestrationContext<T>;

describe('subclassing', () => {
  it('registers each decorated subclass under its own name and runs its own override', async () => {
    const registry = DurableRegistry.from({ orchestrators: [EnglishGreeting, FrenchGreetingV2] });
    expect(registry.orchestratorNames()).toEqual(['EnglishGreeting', 'FrenchGreeting']);

    const appContainer = globalContainer.createChildContainer();
    const english = registry.resolveOrchestrator('EnglishGreeting', appContainer);
    const french = registry.resolveOrchestrator('FrenchGreeting', appContainer);
    expect(english).toBeInstanceOf(EnglishGreeting);
    expect(await english.run(context('Ada'))).toBe('[Hello Ada]');
    expect(await french.run(context('Ada'))).toBe('[Bonjour Ada]');
  });

  it('registers an undecorated subclass of a decorated orchestrator under its own name, with the base constructor injected', async () => {
    class ShoutingGreeting extends EnglishGreeting {
      protected override step(name: string): string {
        return `HELLO ${name.toUpperCase()}`;
      }
    }
    const registry = new DurableRegistry().addOrchestrator(EnglishGreeting).addOrchestrator(ShoutingGreeting);
    expect(registry.nameOf('orchestrator', ShoutingGreeting)).toBe('ShoutingGreeting');
    expect(await registry.resolveOrchestrator('ShoutingGreeting').run(context('ada'))).toBe('[HELLO ADA]');
  });

  it('rejects a subclass whose inherited constructor has no recorded parameter types, instead of injecting undefined', () => {
    abstract class UntypedBase extends DurableOrchestrator<string, string> {
      constructor(protected readonly formatter: Formatter) {
        super();
      }
      run(ctx: OrchestrationContext<string>): Promise<string> {
        return Promise.resolve(this.formatter.format(ctx.input));
      }
    }
    @Orchestrator()
    class Concrete extends UntypedBase {}

    const error = registrationError(() => DurableRegistry.from({ orchestrators: [Concrete] }));
    expect(error.message).toMatch(
      /^Orchestrator class Concrete \(declared at test\/unit\/registry\/subclassing\.test\.ts:\d+, registered at test\/unit\/registry\/subclassing\.test\.ts:\d+\) inherits the constructor of UntypedBase, which takes 1 parameter but has no recorded parameter types/,
    );
    expect(error.message).toMatch(/Decorate UntypedBase with @InjectableBase\(\) \(abstract classes too\)/);
  });

  it('accepts a decorated subclass that declares its own constructor', async () => {
    abstract class UntypedBase extends DurableOrchestrator<string, string> {
      constructor(protected readonly formatter: Formatter) {
        super();
      }
      run(ctx: OrchestrationContext<string>): Promise<string> {
        return Promise.resolve(this.formatter.format(ctx.input));
      }
    }
    @Orchestrator()
    class OwnConstructor extends UntypedBase {
      constructor(formatter: Formatter) {
        super(formatter);
      }
    }
    const registry = DurableRegistry.from({ orchestrators: [OwnConstructor] });
    expect(await registry.resolveOrchestrator('OwnConstructor').run(context('x'))).toBe('[x]');
  });

  it('keeps input and output types for subclasses of DurableOrchestrator', async () => {
    // Checked by `tsc --noEmit`: a broken inference makes these constants fail to compile.
    const input: Equal<OrchestratorInput<typeof FrenchGreetingV2>, string> = true;
    const output: Equal<OrchestratorOutput<typeof FrenchGreetingV2>, string> = true;
    const baseOutput: Equal<OrchestratorOutput<typeof GreetingOrchestrator>, string> = true;
    const typed: string = undefined as unknown as OrchestratorOutput<typeof EnglishGreeting>;

    abstract class Numbers extends DurableOrchestrator<number[], { total: number }> {}
    class Sum extends Numbers {
      run(ctx: OrchestrationContext<number[]>): Promise<{ total: number }> {
        return Promise.resolve({ total: ctx.input.reduce((a, b) => a + b, 0) });
      }
    }
    const sumInput: Equal<OrchestratorInput<typeof Sum>, number[]> = true;
    const sumOutput: Equal<OrchestratorOutput<typeof Sum>, { total: number }> = true;
    const defaults: Equal<OrchestratorOutput<typeof DurableOrchestrator>, unknown> = true;
    expect([input, output, baseOutput, typed, sumInput, sumOutput, defaults]).toEqual([true, true, true, undefined, true, true, true]);
    expect(await new DurableRegistry().addOrchestrator(Sum).resolveOrchestrator('Sum').run(context([1, 2, 3]))).toEqual({ total: 6 });
  });
});
