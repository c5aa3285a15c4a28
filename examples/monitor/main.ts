import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { Durably } from '../../src/index.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { runExample } from '../shared/run-example.js';
import { GetJobStatus, MonitorJobStatus, SendJobAlert, type MonitorResult } from './monitor-job-status.js';
import { JobService, Pager } from './monitor-services.js';

/** What the monitor example returns. */
export interface MonitorExampleResult {
  /** A job that completes on its third check: the monitor alerts and ends. */
  readonly finished: MonitorResult;
  /** A job that never completes: the monitor gives up when it expires. */
  readonly stuck: MonitorResult;
  /** The pages sent. */
  readonly pages: string[];
}

/**
 * The monitor pattern: watches two jobs every `pollingIntervalMs` for at most `expiresAfterMs` — one that completes
 * and one that never does — and returns how each monitor ended.
 */
export async function main(options: ExampleOptions = {}, timing = { pollingIntervalMs: 300, expiresAfterMs: 2_000 }): Promise<MonitorExampleResult> {
  const container = rootContainer.createChildContainer();
  const pager = new Pager();
  container.registerInstance(JobService, new JobService());
  container.registerInstance(Pager, pager);

  const durably = await Durably.create({
    ...connectionOptions(options),
    taskHub: 'Monitor',
    orchestrators: [MonitorJobStatus],
    activities: [GetJobStatus, SendJobAlert],
    container,
  });
  try {
    await durably.start();
    const { client } = durably;
    const finishedId = await client.startNew(MonitorJobStatus, { input: { jobId: 'nightly-export', ...timing } });
    const stuckId = await client.startNew(MonitorJobStatus, { input: { jobId: 'stuck-import', ...timing } });
    const finished = await client.waitForCompletion(finishedId, { timeoutMs: 30_000 });
    const stuck = await client.waitForCompletion(stuckId, { timeoutMs: 30_000 });
    return { finished: finished.output as MonitorResult, stuck: stuck.output as MonitorResult, pages: [...pager.pages] };
  } finally {
    await durably.stop();
  }
}

runExample(import.meta.url, () => main(), ({ finished, stuck, pages }) => [
  `MonitorJobStatus ${finished.jobId}: ${finished.outcome} after ${finished.checks} checks`,
  `MonitorJobStatus ${stuck.jobId}: ${stuck.outcome} after ${stuck.checks} checks`,
  `Pages sent: ${pages.length === 0 ? '(none)' : pages.join('; ')}`,
].join('\n'));
