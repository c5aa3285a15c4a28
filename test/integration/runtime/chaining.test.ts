import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { container, injectable } from 'tsyringe';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

@injectable()
class Greeter {
  greet(city: string): string {
    return `Hello ${city}!`;
  }
}

@Activity()
class SayHello {
  constructor(private readonly greeter: Greeter) {}
  run(city: string): string {
    return this.greeter.greet(city);
  }
}

@Orchestrator()
class HelloSequence {
  async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
    const out: string[] = [];
    for (const city of ctx.input) out.push(await ctx.callActivity(SayHello, city));
    return out;
  }
}

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ orchestrators: [HelloSequence], activities: [SayHello], container: container.createChildContainer() });
});

afterAll(async () => {
  await app.stop();
});

describe('runtime: function chaining end to end', () => {
  it('runs HelloSequence through MongoDB and Agenda and records the history', async () => {
    const id = await app.durably.client.startNew(HelloSequence, { input: ['Tokyo', 'Seattle', 'London'] });
    const status = await app.durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
    const history = await app.durably.client.getHistory(id);
    expect(history.filter((e) => e.type === 'TaskCompleted')).toHaveLength(3);
    const view = await app.durably.client.getStatus(id, { showHistory: true, showHistoryOutput: true });
    expect(view?.historyEvents?.map((e) => e.EventType)).toEqual([
      'ExecutionStarted', 'TaskCompleted', 'TaskCompleted', 'TaskCompleted', 'ExecutionCompleted',
    ]);
  });
});
