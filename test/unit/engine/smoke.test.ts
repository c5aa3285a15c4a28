import { describe, expect, it } from '@jest/globals';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';

class SayHello {
  run(city: string): string {
    return `Hello ${city}!`;
  }
}

class HelloSequence {
  async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
    const out: string[] = [];
    for (const city of ctx.input) out.push(await ctx.callActivity(SayHello, city));
    return out;
  }
}

describe('engine smoke', () => {
  it('chains activities episode by episode', async () => {
    const h = new HistoryBuilder({ name: 'HelloSequence', input: ['Tokyo', 'Seattle'] });
    let d = await replayHistory(new HelloSequence(), h);
    expect(d.actions).toEqual([{ type: 'ScheduleTask', sequence: 0, name: 'SayHello', input: '"Tokyo"' }]);
    h.append(d.newHistory).advance(100).orchestratorStarted().taskCompleted(0, 'Hello Tokyo!');
    d = await replayHistory(new HelloSequence(), h);
    expect(d.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'SayHello', input: '"Seattle"' }]);
    h.append(d.newHistory).advance(100).orchestratorStarted().taskCompleted(1, 'Hello Seattle!');
    d = await replayHistory(new HelloSequence(), h);
    expect(d.completion).toEqual({ status: 'Completed', output: '["Hello Tokyo!","Hello Seattle!"]' });
  });
});
