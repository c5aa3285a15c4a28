// Records the golden histories: runs every scenario below to completion on the real runtime (the embedded engine, or
// MONGODB_URI's server, with a virtual clock so that hours of timers take no time), and writes each execution's
// history — `client.getHistory(id)` — to test/golden/histories/<pattern>.<case>.json. The replay test
// (golden-histories.test.ts) replays them against the current code.
//
//   npm run golden:record              re-records every file (after an intended change of behaviour: review the diff)
//   npm run golden:record -- monitor   only the scenarios whose file name contains "monitor"
//
// Files recorded under an older engine version (ENGINE_VERSION) are never deleted or overwritten: instances started
// under that version replay them for ever.
//
// Histories of executions that continued as new are deleted by the store when the next execution starts, so the
// recorder copies each one just before (a wrapper around the store's continueAsNew): the client cannot read them.
import 'reflect-metadata';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { ENGINE_VERSION, EntityId, type HistoryEvent } from '../../src/index.js';
import { hooksOf } from '../../src/app/durably.js';
import { createTestEnvironment, type TestEnvironment } from '../../src/testing/index.js';
import { MetricsReport } from '../../examples/aggregator/metrics-report.js';
import { SalesReport } from '../../examples/async-http-api/sales-report.js';
import { HelloSequence } from '../../examples/chaining/hello-sequence.js';
import { BackupSiteContent } from '../../examples/fan-out-fan-in/backup-site-content.js';
import { APPROVAL_EVENT, ApprovalWorkflow, AWAITING_APPROVAL } from '../../examples/human-interaction/approval-workflow.js';
import { MonitorJobStatus } from '../../examples/monitor/monitor-job-status.js';
import {
  GOLDEN_APP, GoldenActivityControl, GoldenPeriodicCleanup, GoldenRetries, GoldenSubOrchestrations, GoldenTallyVotes, registerGoldenServices,
} from './golden-app.js';
import { HISTORIES_DIR, readGoldenFiles, type GoldenFile } from './golden-file.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Virtual time: the same start for every scenario, so that re-recording changes as little as possible.
const START = new Date('2026-01-05T09:00:00Z');
// Real-time bound on one scenario (the virtual clock makes the timers instant; this is for a wedged run).
const SCENARIO_TIMEOUT_MS = 120_000;

/** One scenario: drives the app and returns the instances whose histories to save (file name suffix → instance ID). */
interface Scenario {
  /** `<pattern>.<case>`: the file name, without `.json`. */
  readonly name: string;
  readonly pattern: string;
  readonly scenario: string;
  run(env: TestEnvironment): Promise<Record<string, string>>;
}

async function completed(env: TestEnvironment, instanceId: string): Promise<void> {
  const status = await env.client.waitForCompletion(instanceId, { timeoutMs: SCENARIO_TIMEOUT_MS });
  if (status.runtimeStatus !== 'Completed') throw new Error(`${instanceId} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
}

/** The options of `client.startNew`, with the instance ID the scenario names. */
type StartOptions = NonNullable<Parameters<TestEnvironment['client']['startNew']>[1]> & { readonly instanceId: string };

/** Starts one instance, runs it to completion, and names it as the scenario's only history. */
async function startAndComplete(
  env: TestEnvironment, orchestrator: Parameters<TestEnvironment['client']['startNew']>[0], options: StartOptions,
): Promise<Record<string, string>> {
  await completed(env, await env.client.startNew(orchestrator, options));
  return { '': options.instanceId };
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'chaining.hello-sequence',
    pattern: 'function chaining',
    scenario: 'examples/chaining HelloSequence greets three cities, one activity after the other',
    run: async (env) => {
      return await startAndComplete(env, HelloSequence, { instanceId: 'golden-chaining', input: ['Tokyo', 'Seattle', 'London'] });
    },
  },
  {
    name: 'fan-out-fan-in.backup-site-content',
    pattern: 'fan-out/fan-in',
    scenario: 'examples/fan-out-fan-in BackupSiteContent lists the files, copies them all in parallel, sums their sizes',
    run: async (env) => {
      return await startAndComplete(env, BackupSiteContent, { instanceId: 'golden-fan-out' });
    },
  },
  {
    name: 'async-http-api.sales-report',
    pattern: 'async HTTP API',
    scenario: 'examples/async-http-api SalesReport, the long-running job a client polls: queries three regions, publishes, progress in the custom status',
    run: async (env) => {
      const id = await env.client.startNew(SalesReport, { instanceId: 'golden-sales-report', input: { quarter: '2024-Q2', regions: ['EMEA', 'Americas', 'APAC'] } });
      // Polled by status, as an HTTP client of the pattern does.
      const deadline = Date.now() + SCENARIO_TIMEOUT_MS;
      for (;;) {
        const status = await env.client.getStatus(id);
        if (status?.runtimeStatus === 'Completed') break;
        if (status?.runtimeStatus !== 'Pending' && status?.runtimeStatus !== 'Running') throw new Error(`${id} is ${status?.runtimeStatus ?? 'missing'}`);
        if (Date.now() > deadline) throw new Error(`${id} did not complete within ${SCENARIO_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { '': id };
    },
  },
  {
    name: 'monitor.job-completes',
    pattern: 'monitor',
    scenario: 'examples/monitor MonitorJobStatus: a loop of status checks on durable timers until the job completes (third check), then an alert',
    run: async (env) => {
      return await startAndComplete(env, MonitorJobStatus, {
        instanceId: 'golden-monitor', input: { jobId: 'nightly-build', pollingIntervalMs: 15 * MINUTE, expiresAfterMs: 2 * HOUR },
      });
    },
  },
  {
    name: 'monitor.expires',
    pattern: 'monitor',
    scenario: 'examples/monitor MonitorJobStatus: the job never completes; the monitor gives up when it expires',
    run: async (env) => {
      return await startAndComplete(env, MonitorJobStatus, {
        instanceId: 'golden-monitor-expires', input: { jobId: 'stuck-import', pollingIntervalMs: 30 * MINUTE, expiresAfterMs: 90 * MINUTE },
      });
    },
  },
  {
    name: 'human-interaction.approved',
    pattern: 'human interaction',
    scenario: 'examples/human-interaction ApprovalWorkflow: the approval event arrives an hour in and wins the race with the 72-hour timer',
    run: async (env) => {
      const id = await env.client.startNew(ApprovalWorkflow, { instanceId: 'golden-approval', input: { expenseId: 'EXP-1', employee: 'ana', amount: 120 } });
      await env.settle();
      const waiting = await env.client.getStatus(id);
      if (waiting?.customStatus !== AWAITING_APPROVAL) throw new Error(`${id} is not waiting for approval: ${JSON.stringify(waiting?.customStatus)}`);
      await env.skipTime(HOUR);
      await env.client.raiseEvent(id, APPROVAL_EVENT, true);
      await completed(env, id);
      return { '': id };
    },
  },
  {
    name: 'human-interaction.escalated',
    pattern: 'human interaction',
    scenario: 'examples/human-interaction ApprovalWorkflow: nobody answers; the 72-hour timer wins and the claim is escalated',
    run: async (env) => {
      return await startAndComplete(env, ApprovalWorkflow, { instanceId: 'golden-escalated', input: { expenseId: 'EXP-2', employee: 'ben', amount: 4_000 } });
    },
  },
  {
    name: 'aggregator.metrics-report',
    pattern: 'aggregator',
    scenario: 'examples/aggregator MetricsReport: reads a class-based and a function-style Counter entity with two-way calls, then publishes',
    run: async (env) => {
      for (let i = 0; i < 3; i++) await env.client.signalEntity(new EntityId('Counter', 'door-opened'), 'add', 2);
      await env.client.signalEntity(new EntityId('FunctionCounter', 'window-opened'), 'add', 5);
      await env.settle();
      return await startAndComplete(env, MetricsReport, { instanceId: 'golden-metrics', input: ['Counter/door-opened', 'FunctionCounter/window-opened'] });
    },
  },
  {
    name: 'aggregator.tally-votes',
    pattern: 'aggregator',
    scenario: 'GoldenTallyVotes: signals a Counter entity per vote from the orchestration, then locks the counters and reads each',
    run: async (env) => {
      return await startAndComplete(env, GoldenTallyVotes, { instanceId: 'golden-votes', input: { poll: 'lunch', votes: ['pizza', 'sushi', 'pizza', 'tacos', 'pizza'] } });
    },
  },
  {
    name: 'sub-orchestrations',
    pattern: 'sub-orchestrations',
    scenario: 'GoldenSubOrchestrations: two HelloSequence children in parallel, then a child retried after its first attempt failed',
    run: async (env) => {
      const id = await env.client.startNew(GoldenSubOrchestrations, { instanceId: 'golden-sub', input: { regions: { emea: ['London', 'Paris'], apac: ['Tokyo'] } } });
      await completed(env, id);
      const saved: Record<string, string> = { parent: id };
      const { instances } = await env.client.listInstances({ instanceIdPrefix: `${id}:`, pageSize: 100 });
      for (const child of instances) saved[`child-${child.instanceId.slice(id.length + 1)}`] = child.instanceId;
      return saved;
    },
  },
  {
    name: 'retries',
    pattern: 'retries',
    scenario: 'GoldenRetries: an activity retried with backoff that succeeds on its third attempt, and one that fails every attempt',
    run: async (env) => {
      return await startAndComplete(env, GoldenRetries, { instanceId: 'golden-retries', input: { id: 'golden-retries' } });
    },
  },
  {
    name: 'activity-control',
    pattern: 'activity control',
    scenario: 'GoldenActivityControl: a retried activity resuming from its heartbeat details, a race whose losing timer is cancelled, an event wait whose timeout timer is cancelled',
    run: async (env) => {
      const id = await env.client.startNew(GoldenActivityControl, { instanceId: 'golden-activity-control' });
      await env.settle();
      // Past the two retry waits (a minute each), well before the day-long event timeout.
      await env.skipTime(HOUR);
      await env.client.raiseEvent(id, 'Approve', 'yes');
      await completed(env, 'golden-activity-control');
      return { '': 'golden-activity-control' };
    },
  },
  {
    name: 'continue-as-new.periodic-cleanup',
    pattern: 'monitor (eternal, continue-as-new)',
    scenario: 'GoldenPeriodicCleanup: an hourly cleanup, each round a fresh execution (continue-as-new), three rounds',
    run: async (env) => {
      return await startAndComplete(env, GoldenPeriodicCleanup, { instanceId: 'golden-cleanup', input: { round: 1, rounds: 3, removed: 0 } });
    },
  },
];

// Stack traces hold the recording machine's paths; replay never reads them.
function withoutStackTraces(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStackTraces);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'stackTrace').map(([key, field]) => [key, withoutStackTraces(field)]));
}

function goldenFile(meta: Pick<GoldenFile, 'pattern' | 'scenario' | 'instanceId' | 'final'>, history: readonly HistoryEvent[]): GoldenFile {
  const started = history.find((event) => event.type === 'ExecutionStarted');
  if (started?.type !== 'ExecutionStarted') throw new Error(`${meta.instanceId}: the history has no ExecutionStarted`);
  return {
    format: 1, pattern: meta.pattern, scenario: meta.scenario, orchestrator: started.name, instanceId: meta.instanceId,
    recordedWithEngineVersion: ENGINE_VERSION, final: meta.final,
    history: withoutStackTraces(JSON.parse(JSON.stringify(history))) as unknown[],
  };
}

/** Copies the history of every execution that continues as new, before the store deletes it. */
function captureContinuedExecutions(env: TestEnvironment): Map<string, HistoryEvent[][]> {
  const captured = new Map<string, HistoryEvent[][]>();
  const store = hooksOf(env.durably).store;
  const continueAsNew = store.continueAsNew.bind(store);
  store.continueAsNew = async (commit) => {
    const state = await store.getInstance(commit.instanceId);
    const history = state === undefined ? [] : (await store.loadHistory(commit.instanceId, state.executionId)).flatMap((chunk) => chunk.events);
    const ok = await continueAsNew(commit);
    if (ok) captured.set(commit.instanceId, [...(captured.get(commit.instanceId) ?? []), history]);
    return ok;
  };
  return captured;
}

async function record(scenario: Scenario): Promise<Map<string, GoldenFile>> {
  const container = rootContainer.createChildContainer();
  registerGoldenServices(container);
  const env = await createTestEnvironment({
    ...GOLDEN_APP, container, startTime: START,
    logger: (level, message) => {
      if (level === 'error') console.error(`  [durably] ${message}`);
    },
  });
  try {
    const continued = captureContinuedExecutions(env);
    const instances = await scenario.run(env);
    const files = new Map<string, GoldenFile>();
    for (const [suffix, instanceId] of Object.entries(instances)) {
      const name = suffix === '' ? scenario.name : `${scenario.name}.${suffix}`;
      const earlier = continued.get(instanceId) ?? [];
      for (const [i, history] of earlier.entries()) {
        files.set(`${name}.execution-${i + 1}`, goldenFile({ pattern: scenario.pattern, scenario: `${scenario.scenario} (execution ${i + 1}, continued as new)`, instanceId, final: { runtimeStatus: 'ContinuedAsNew' } }, history));
      }
      const status = await env.client.getStatus(instanceId);
      if (status?.runtimeStatus !== 'Completed' && status?.runtimeStatus !== 'Failed') throw new Error(`${instanceId} has not ended: ${status?.runtimeStatus ?? 'missing'}`);
      const final: GoldenFile['final'] = {
        runtimeStatus: status.runtimeStatus,
        ...(status.runtimeStatus === 'Completed' ? { output: status.output } : {}),
        customStatus: status.customStatus ?? null,
      };
      const lastName = earlier.length === 0 ? name : `${name}.execution-${earlier.length + 1}`;
      const scenarioText = earlier.length === 0 ? scenario.scenario : `${scenario.scenario} (execution ${earlier.length + 1}, the last)`;
      files.set(lastName, goldenFile({ pattern: scenario.pattern, scenario: scenarioText, instanceId, final }, await env.client.getHistory(instanceId)));
    }
    return files;
  } finally {
    await env.dispose();
  }
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const chosen = SCENARIOS.filter((s) => filters.length === 0 || filters.some((f) => s.name.includes(f)));
  if (chosen.length === 0) throw new Error(`no scenario matches ${filters.join(', ')}; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const scenario of chosen) {
    const files = await record(scenario);
    // A scenario's files are replaced as a set (a child that no longer runs leaves no stale file behind) — except
    // files recorded under an older engine version: instances started under it must go on replaying them.
    for (const { file, golden } of readGoldenFiles()) {
      if (file !== `${scenario.name}.json` && !file.startsWith(`${scenario.name}.`)) continue;
      if (golden.recordedWithEngineVersion === ENGINE_VERSION) rmSync(path.join(HISTORIES_DIR, file));
      else if (files.has(file.slice(0, -'.json'.length))) {
        throw new Error(`${file} was recorded under engine version ${golden.recordedWithEngineVersion}: rename it to keep it (e.g. ${file.replace(/\.json$/, `.engine-v${golden.recordedWithEngineVersion}.json`)}), then record again`);
      }
    }
    for (const [name, golden] of files) {
      writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(golden, null, 2)}\n`);
      const output = golden.final.output === undefined ? '' : ` ${JSON.stringify(golden.final.output).slice(0, 80)}`;
      console.log(`${name}.json: ${golden.orchestrator} ${golden.history.length} events, ${golden.final.runtimeStatus}${output}`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
