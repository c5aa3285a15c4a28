// Golden histories: executions of every Durable Functions pattern, recorded on the real runtime by
// record-golden-histories.ts (`npm run golden:record`) and replayed here against the current orchestrator code and
// engine, episode by episode. A change that would break instances in flight — an engine change, or an example
// orchestrator changed incompatibly — fails here. Pure: no database, no workers, no clock.
import { describe, expect, it } from '@jest/globals';
import { NonDeterminismError, type OrchestrationContext } from '../../src/index.js';
import { BackupSiteContent, CopyFileToBlob, GetFileList, WriteBackupManifest } from '../../examples/fan-out-fan-in/backup-site-content.js';
import { SayHello } from '../../examples/chaining/hello-sequence.js';
import { GetJobStatus, SendJobAlert, type MonitorRequest, type MonitorResult } from '../../examples/monitor/monitor-job-status.js';
import { goldenRegistry } from './golden-app.js';
import { readGoldenFiles, recordedEpisodes, replayGolden, type GoldenFile } from './golden-file.js';
import { parseHistory } from '../../src/testing/index.js';

const files = readGoldenFiles();
const registry = goldenRegistry();

function golden(file: string): GoldenFile {
  const found = files.find((f) => f.file === file);
  if (found === undefined) throw new Error(`no golden history ${file} (run npm run golden:record)`);
  return found.golden;
}

/** What replaying `file` against `orchestrator` finds wrong: an error, or the decisions that differ. */
async function failureOf(file: string, orchestrator: { run(ctx: never): unknown }): Promise<string | undefined> {
  try {
    const replay = await replayGolden(golden(file), registry, orchestrator);
    return replay.mismatches.length === 0 ? undefined : replay.mismatches.map((m) => `episode ${m.episode}: ${m.what}`).join('; ');
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0] ?? ''}` : String(error);
  }
}

describe('golden histories', () => {
  it('cover every pattern, each file a complete execution of a registered orchestrator', () => {
    expect(new Set(files.map((f) => f.golden.pattern))).toEqual(new Set([
      'function chaining', 'fan-out/fan-in', 'async HTTP API', 'monitor', 'monitor (eternal, continue-as-new)',
      'human interaction', 'aggregator', 'sub-orchestrations', 'retries', 'activity control',
    ]));
    for (const { file, golden: g } of files) {
      expect({ file, format: g.format, registered: registry.getOrchestrator(g.orchestrator) !== undefined }).toEqual({ file, format: 1, registered: true });
      const history = parseHistory(g.history);
      expect(history[1]).toMatchObject({ type: 'ExecutionStarted', name: g.orchestrator, instanceId: g.instanceId });
      expect(history.at(-1)?.type).toBe('OrchestratorCompleted');
      expect(recordedEpisodes(history).length).toBeGreaterThan(1);
    }
  });

  it.each(files.map((f) => [f.file, f.golden] as const))('%s replays with the recorded decisions, output and custom status', async (_file, g) => {
    const replay = await replayGolden(g, registry);
    expect(replay.mismatches).toEqual([]);
    expect(replay.lastDecision.completion?.status).toBe(g.final.runtimeStatus);
  });
});

// The test has teeth: orchestrators changed the way a careless edit would change them fail it.
describe('golden histories against changed orchestrators', () => {
  it('a durable delay inserted before the first step: NonDeterminismError', async () => {
    class PauseThenGreet {
      async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
        await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 60_000));
        const greetings: string[] = [];
        for (const city of ctx.input) greetings.push(await ctx.callActivity(SayHello, city));
        return greetings;
      }
    }
    await expect(replayGolden(golden('chaining.hello-sequence.json'), registry, new PauseThenGreet())).rejects.toBeInstanceOf(NonDeterminismError);
  });

  it('the cities greeted in another order (same activity, other inputs): fails on the first episode', async () => {
    class GreetInReverse {
      async run(ctx: OrchestrationContext<string[]>): Promise<string[]> {
        const greetings: string[] = [];
        for (const city of [...ctx.input].reverse()) greetings.push(await ctx.callActivity(SayHello, city));
        return greetings;
      }
    }
    // The engine matches a replayed activity by name only (as Durable Functions does); the golden test also compares
    // every recorded input.
    expect(await failureOf('chaining.hello-sequence.json', new GreetInReverse())).toMatch(/^episode 1: the events the episode appended/);
  });

  it('the fan-out scheduled one copy at a time (same activities, other episodes): NonDeterminismError', async () => {
    class BackupOneByOne {
      async run(ctx: OrchestrationContext<string | undefined>): Promise<unknown> {
        const directory = ctx.input ?? '/var/www/site';
        const files = await ctx.callActivity(GetFileList, directory);
        let totalBytes = 0;
        for (const file of files) totalBytes += await ctx.callActivity(CopyFileToBlob, file);
        const manifest = await ctx.callActivity(WriteBackupManifest, { directory, files: files.length, totalBytes });
        return { directory, files: files.length, totalBytes, manifest };
      }
    }
    expect(await failureOf('fan-out-fan-in.backup-site-content.json', new BackupOneByOne())).toMatch(/^NonDeterminismError: .*activity 'CopyFileToBlob'/);
  });

  it('a monitor that polls twice as often (same calls, other timer times): fails on the timers it records', async () => {
    class MonitorTwiceAsOften {
      async run(ctx: OrchestrationContext<MonitorRequest>): Promise<MonitorResult> {
        const { jobId, pollingIntervalMs, expiresAfterMs } = ctx.input;
        const expiryTime = new Date(ctx.currentUtcDateTime.getTime() + expiresAfterMs);
        let checks = 0;
        while (ctx.currentUtcDateTime < expiryTime) {
          checks++;
          const jobStatus = await ctx.callActivity(GetJobStatus, jobId);
          ctx.setCustomStatus({ jobStatus, checks });
          if (jobStatus === 'Completed') {
            await ctx.callActivity(SendJobAlert, jobId);
            return { jobId, outcome: 'Completed', checks };
          }
          await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + pollingIntervalMs / 2));
        }
        return { jobId, outcome: 'Expired', checks };
      }
    }
    expect(await failureOf('monitor.job-completes.json', new MonitorTwiceAsOften())).toMatch(/the events the episode appended/);
  });

  it('the same steps with another output: fails on the output', async () => {
    class BackupInKilobytes extends BackupSiteContent {
      override async run(ctx: OrchestrationContext<string | undefined>): Promise<Awaited<ReturnType<BackupSiteContent['run']>>> {
        const report = await super.run(ctx);
        return { ...report, totalBytes: Math.round(report.totalBytes / 1024) };
      }
    }
    expect(await failureOf('fan-out-fan-in.backup-site-content.json', new BackupInKilobytes())).toMatch(/the events the episode appended.*the output/);
  });
});
