import { describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Pattern #3 of the overview: a long-running operation that clients poll. What they see while it runs is the
// custom status of the latest decision (the status endpoint shows it with runtimeStatus 'Running').
interface Progress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

class ProcessVideo {
  async run(ctx: OrchestrationContext<{ stages: string[] }>): Promise<string> {
    const { stages } = ctx.input;
    for (const [done, stage] of stages.entries()) {
      ctx.setCustomStatus({ stage, done, total: stages.length } satisfies Progress);
      await ctx.callActivity('RunStage', stage);
    }
    ctx.setCustomStatus({ stage: 'finished', done: stages.length, total: stages.length } satisfies Progress);
    return 'video.mp4';
  }
}

const input = { stages: ['upload', 'transcode', 'thumbnail'] };
const statusOf = (encoded: string | undefined): unknown => (encoded === undefined ? undefined : JSON.parse(encoded));

describe('async HTTP API (long-running operation with a polled status)', () => {
  it('shows the progress of every episode while the operation runs', async () => {
    const history = new HistoryBuilder({ name: 'ProcessVideo', input });
    const seen: unknown[] = [];
    for (let sequence = 0; sequence < input.stages.length; sequence++) {
      const decision = await replayHistory(ProcessVideo, history);
      expect(decision.completion).toBeUndefined();
      seen.push(statusOf(decision.customStatus));
      history.append(decision.newHistory).advance(60_000).orchestratorStarted().taskCompleted(sequence);
    }
    const last = await replayHistory(ProcessVideo, history);

    expect(seen).toEqual([
      { stage: 'upload', done: 0, total: 3 },
      { stage: 'transcode', done: 1, total: 3 },
      { stage: 'thumbnail', done: 2, total: 3 },
    ]);
    expect(last.completion).toEqual({ status: 'Completed', output: '"video.mp4"' });
    expect(statusOf(last.customStatus)).toEqual({ stage: 'finished', done: 3, total: 3 });
  });

  it('rebuilds the status from history in an episode that does not change it', async () => {
    const history = new HistoryBuilder({ name: 'ProcessVideo', input })
      .taskScheduled('RunStage', 'upload').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().taskCompleted(0).taskScheduled('RunStage', 'transcode').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().eventRaised('Ping');

    const decision = await replayHistory(ProcessVideo, history);

    expect(decision.actions).toEqual([]);
    expect(statusOf(decision.customStatus)).toEqual({ stage: 'transcode', done: 1, total: 3 });
  });
});
