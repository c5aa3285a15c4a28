import { describe, expect, it } from '@jest/globals';
import { container as rootContainer, injectable } from 'tsyringe';
import { Activity, DurableRegistry, Orchestrator } from '../../../src/registry/index.js';
import { HistoryBuilder, replayHistory } from '../../../src/testing/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { decodePayload } from '../../../src/core/codec.js';

@injectable()
class Greeter {
  greet(city: string): string {
    return `Hello ${city}!`;
  }
}

@Activity({ name: 'SayHello' })
class SayHelloActivity {
  constructor(private readonly greeter: Greeter) {}
  run(city: string): string {
    return this.greeter.greet(city);
  }
}

@Orchestrator({ name: 'Greetings' })
class GreetingsOrchestrator {
  async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
    return ctx.whenAll(ctx.input.map((city) => ctx.callActivity(SayHelloActivity, city)));
  }
}

describe('registry + DI + engine', () => {
  it('replays an orchestrator resolved from the registry, naming activities by their registered names', async () => {
    const registry = DurableRegistry.from({ orchestrators: [GreetingsOrchestrator], activities: [SayHelloActivity] });
    const container = rootContainer.createChildContainer();
    const history = new HistoryBuilder({ name: 'Greetings', input: ['Tokyo', 'Lima'] });
    const first = await replayHistory(registry.resolveOrchestrator('Greetings', container), history, {
      resolveName: (kind, ref) => registry.nameOf(kind, ref),
    });
    const scheduled = first.actions.filter((a) => a.type === 'ScheduleTask');
    expect(scheduled.map((a) => [a.type, a.name, a.input])).toEqual([
      ['ScheduleTask', 'SayHello', '"Tokyo"'],
      ['ScheduleTask', 'SayHello', '"Lima"'],
    ]);

    // The activities run through the DI container, as a worker would run them.
    const activities = registry.createActivityResolver(container);
    const results = scheduled.map((a) => activities.resolve(a.name).run(decodePayload(a.input)));
    expect(results).toEqual(['Hello Tokyo!', 'Hello Lima!']);

    history.append(first.newHistory).advance(10).orchestratorStarted().taskCompleted(0, results[0]).taskCompleted(1, results[1]);
    const second = await replayHistory(registry.resolveOrchestrator('Greetings', container), history, {
      resolveName: (kind, ref) => registry.nameOf(kind, ref),
    });
    expect(second.completion).toEqual({ status: 'Completed', output: '["Hello Tokyo!","Hello Lima!"]' });
  });

  it('uses decorator names by default, and an unregistered activity fails the orchestration at the call site', async () => {
    class Unregistered {
      run(): string {
        return 'x';
      }
    }
    @Orchestrator()
    class CallsUnregistered {
      async run(ctx: OrchestrationContext): Promise<unknown> {
        return ctx.callActivity(Unregistered);
      }
    }
    const registry = DurableRegistry.from({ orchestrators: [CallsUnregistered] });
    const decision = await replayHistory(new CallsUnregistered(), new HistoryBuilder({ name: 'CallsUnregistered' }), {
      resolveName: (kind, ref) => registry.nameOf(kind, ref),
    });
    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorType: 'RegistrationError' } });
    const byDefault = await replayHistory(new GreetingsOrchestrator(), new HistoryBuilder({ name: 'Greetings', input: ['Oslo'] }));
    expect(byDefault.actions[0]).toMatchObject({ name: 'SayHello' });
  });
});
