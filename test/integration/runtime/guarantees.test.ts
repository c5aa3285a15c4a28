// The runtime's delivery guarantees, one test each, through the real MongoDB store and Agenda scheduler (no mocks).
// Where a test has to inject a message or age a lock, it does so the way a real failure would leave the data: through
// the InstanceStore on its own client, or directly in the task hub's collections.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db, type Document } from 'mongodb';
import { container } from 'tsyringe';
import { MongoInstanceStore } from '../../../src/adapters/mongodb/mongo-instance-store.js';
import { jobKey } from '../../../src/adapters/agenda/agenda-job-data.js';
import { decodePayload, encodePayload } from '../../../src/core/codec.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { RunnableClass } from '../../../src/engine/task-types.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { DedupeKey } from '../../../src/runtime/action-dispatcher.js';
import { Durably } from '../../../src/app/durably.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { until } from '../../support/test-db.js';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process.js';
import { JobName } from '../../../src/adapters/agenda/job-name.js';

// ---- Activities whose runs the tests watch and hold ------------------------------------------------------------

/** Every start of a Recorder run, by key, in order. */
const runs: string[] = [];
const runCount = (key: string): number => runs.filter((k) => k === key).length;
/** Runs of these keys wait until released. */
const held = new Map<string, { promise: Promise<void>; release: () => void }>();
function hold(key: string): void {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  held.set(key, { promise, release });
}
function release(key: string): void {
  held.get(key)?.release();
  held.delete(key);
}

/** Returns `<key>#<n>`, n counting this key's runs: a re-run returns a different value than the first run. */
@Activity()
class Recorder {
  async run(key: string): Promise<string> {
    runs.push(key);
    const n = runCount(key);
    await held.get(key)?.promise;
    return `${key}#${n}`;
  }
}

@Orchestrator()
class TwoStepsThenGo {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const a = await ctx.callActivity(Recorder, `${ctx.input}:a`);
    const b = await ctx.callActivity(Recorder, `${ctx.input}:b`);
    await ctx.waitForExternalEvent('go');
    return [a, b];
  }
}

@Orchestrator()
class TwoSteps {
  async run(ctx: OrchestrationContext<string>): Promise<string[]> {
    const a = await ctx.callActivity(Recorder, `${ctx.input}:a`);
    const b = await ctx.callActivity(Recorder, `${ctx.input}:b`);
    return [a, b];
  }
}

@Orchestrator()
class StepThenApproval {
  async run(ctx: OrchestrationContext<string>): Promise<{ a: string; approval: unknown }> {
    const a = await ctx.callActivity(Recorder, `${ctx.input}:a`);
    const approval = await ctx.waitForExternalEvent('approval');
    return { a, approval };
  }
}

@Orchestrator()
class GoThenWork {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    const go = await ctx.waitForExternalEvent<string>('go');
    return ctx.callActivity(Recorder, `${ctx.input}:${go}`);
  }
}

// Twins of the worker fixture's classes (test/integration/runtime/fixtures/worker.mjs), under the same names: the
// names are what histories and jobs record, so this process can finish what the fixture started.
const blockRunsHere: string[] = [];

@Activity()
class Work {
  run(input: number): number {
    return input * 2;
  }
}

@Activity()
class Block {
  run(input: string): string {
    blockRunsHere.push(input);
    return `unblocked ${input}`;
  }
}

@Orchestrator()
class Blocked {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Block, ctx.input);
  }
}

@Orchestrator()
class Spinner {
  async run(ctx: OrchestrationContext<number>): Promise<number> {
    return ctx.callActivity(Work, ctx.input);
  }
}

const ORCHESTRATORS: RunnableClass[] = [TwoStepsThenGo, TwoSteps, StepThenApproval, GoThenWork, Blocked, Spinner];
const ACTIVITIES: RunnableClass[] = [Recorder, Work, Block];

// ---- One server for the suite; each test its own task hub -----------------------------------------------------

let mongo: TestMongo;
let client: MongoClient;
let db: Db;
const apps: Durably[] = [];
const children: WorkerProcess[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  client = await MongoClient.connect(mongo.uri, { serverSelectionTimeoutMS: 10_000 });
  db = client.db(mongo.dbName);
});

afterEach(async () => {
  for (const key of [...held.keys()]) release(key);
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
});

afterAll(async () => {
  await client?.close();
  await mongo?.stop();
});

async function createApp(taskHub: string, options: { start?: boolean; leaseMs?: number } = {}): Promise<Durably> {
  const durably = await Durably.create({
    mongoUri: mongo.uri,
    dbName: mongo.dbName,
    taskHub,
    orchestrators: ORCHESTRATORS,
    activities: ACTIVITIES,
    container: container.createChildContainer(),
    pollIntervalMs: 50,
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    logger: (level, message, ...args) => {
      if (level === 'error' && process.env.DURABLY_TEST_LOG !== 'silent') console.error(message, ...args);
    },
  });
  apps.push(durably);
  if (options.start !== false) await durably.start();
  return durably;
}

/** Polls until `check` holds, failing the test with `what` after `timeoutMs`. */

const scheduledSequence = (history: readonly HistoryEvent[], input: string): number | undefined =>
  history.find((e) => e.type === HistoryEventType.TaskScheduled && e.input === encodePayload(input, 'input'))?.eventId;

const answersTo = (history: readonly HistoryEvent[], sequence: number): HistoryEvent[] =>
  history.filter((e) => (e.type === HistoryEventType.TaskCompleted || e.type === HistoryEventType.TaskFailed) && e.taskScheduledId === sequence);

const completion = (sequence: number, result: string): HistoryEvent => ({
  type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: new Date(), taskScheduledId: sequence, result: encodePayload(result, 'result'),
});

async function sequenceOf(durably: Durably, instanceId: string, input: string): Promise<number> {
  let sequence: number | undefined;
  await until(`'${input}' is scheduled`, async () => {
    sequence = scheduledSequence(await durably.client.getHistory(instanceId), input);
    return sequence !== undefined;
  });
  return sequence!;
}

const instanceDoc = (taskHub: string, instanceId: string): Promise<Document | null> =>
  db.collection<Document>(`${taskHub}.instances`).findOne({ _id: instanceId } as Document);

describe('runtime guarantees', () => {
  it('runs an activity at least once and records its completion exactly once', async () => {
    const hub = 'ExactlyOnce';
    const durably = await createApp(hub);
    const store = new MongoInstanceStore(db, { taskHub: hub });
    hold('once:a');
    // Held too, so that the commit scheduling it finds it running and writes its job (a job answered in the commit
    // that schedules it is never written, and a crash before that commit re-runs the episode that schedules it).
    hold('once:b');
    const id = await durably.client.startNew(TwoStepsThenGo, { input: 'once' });
    await until('the first activity runs', () => runCount('once:a') === 1);
    const { executionId } = (await store.getInstance(id))!;
    const seqA = await sequenceOf(durably, id, 'once:a');

    // The same completion delivered twice, under the runtime's dedupe key for that action. The second is absorbed by
    // the inbox's unique key if the first is still queued, or by the episode (the action is answered) if it was applied.
    const dedupeKey = DedupeKey.taskResult(id, executionId, seqA);
    const first = await store.sendMessage(id, completion(seqA, 'delivery 1'), { dedupeKey, executionId, now: new Date() });
    await store.sendMessage(id, completion(seqA, 'delivery 2'), { dedupeKey, executionId, now: new Date() });
    expect(first).toBe(true);
    // Applied while the real run is still held (whichever is applied first wins; waiting makes it this one).
    await until('the first delivery is applied', async () => answersTo(await durably.client.getHistory(id), seqA).length === 1);
    // The real run finishes too: a third delivery of the same completion.
    release('once:a');

    // The second activity completes; then its job runs again, as after a worker that crashed after recording the
    // result but before Agenda marked the job finished (Agenda finds it due again, the handler runs the activity again
    // and records its new result under the same key).
    const seqB = await sequenceOf(durably, id, 'once:b');
    const jobs = db.collection<Document>(`${hub}.jobs`);
    const key = jobKey({ instanceId: id, executionId, sequence: seqB });
    // Still running when the session stops waiting for it: its job is written (before the next commit, or as the
    // session ends), locked by this worker.
    await until('the second activity\'s job is written', async () => (await jobs.countDocuments({ 'data.key': key })) === 1);
    release('once:b');
    await until('the second activity is recorded', async () => answersTo(await durably.client.getHistory(id), seqB).length === 1);
    // The job is marked finished once the commit that recorded its result landed: a moment after the history shows it.
    await until('the job is marked finished', async () => (await jobs.findOne({ 'data.key': key }))?.lastFinishedAt instanceof Date);
    const finishedAt = (await jobs.findOne({ 'data.key': key }))?.lastFinishedAt as Date | undefined;
    expect(finishedAt).toBeInstanceOf(Date);
    // A finished job is renamed out of Agenda's scans (FinishedJobName); the crashed run it simulates was not.
    const rerun = await jobs.updateOne({ 'data.key': key }, { $set: { name: JobName.Activity, nextRunAt: new Date(), lockedAt: null } });
    expect(rerun.matchedCount).toBe(1);
    await until('the second activity ran again', () => runCount('once:b') === 2);
    await until('the re-run finished', async () => {
      const job = await jobs.findOne({ 'data.key': key });
      return job?.lastFinishedAt instanceof Date && job.lastFinishedAt > finishedAt! && job.lockedAt == null;
    });
    await until('the re-run result was absorbed', async () => (await db.collection(`${hub}.inbox`).countDocuments({ instanceId: id })) === 0);

    await durably.client.raiseEvent(id, 'go');
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    // Exactly one result per action: the first one delivered.
    expect(status.output).toEqual(['delivery 1', 'once:b#1']);
    const history = await durably.client.getHistory(id);
    expect(answersTo(history, seqA)).toHaveLength(1);
    expect(answersTo(history, seqB)).toHaveLength(1);
    expect(history.filter((e) => e.type === HistoryEventType.TaskCompleted)).toHaveLength(2);
    // At least once: the first activity ran once, the second twice.
    expect(runCount('once:a')).toBe(1);
    expect(runCount('once:b')).toBe(2);
    expect((await jobs.findOne({ 'data.key': key }))?.data.deliveries).toBe(2);
  });

  it('defers a completion that arrives before its scheduling commit, and applies it once the action is scheduled', async () => {
    const hub = 'Deferred';
    const durably = await createApp(hub);
    const store = new MongoInstanceStore(db, { taskHub: hub });
    hold('early:a');
    hold('early:b');
    const id = await durably.client.startNew(TwoSteps, { input: 'early' });
    await until('the first activity runs', () => runCount('early:a') === 1);
    const { executionId } = (await store.getInstance(id))!;
    const seqA = await sequenceOf(durably, id, 'early:a');
    // The orchestrator's next action will be number seqA + 1; its result arrives first.
    const seqB = seqA + 1;
    const sent = await store.sendMessage(id, completion(seqB, 'b, early'), {
      dedupeKey: DedupeKey.taskResult(id, executionId, seqB), executionId, now: new Date(),
    });
    expect(sent).toBe(true);
    // An episode looked at it (the work flag is cleared only by a release that saw every message) and left it queued.
    await until('an episode saw the early result', async () => {
      const doc = await instanceDoc(hub, id);
      return doc?.work.pending === false && doc.lease === undefined;
    });
    expect(await db.collection(`${hub}.inbox`).countDocuments({ instanceId: id })).toBe(1);
    expect(answersTo(await durably.client.getHistory(id), seqB)).toHaveLength(0);

    release('early:a');
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['early:a#1', 'b, early']);
    const history = await durably.client.getHistory(id);
    expect(scheduledSequence(history, 'early:b')).toBe(seqB);
    const answers = answersTo(history, seqB);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.type === HistoryEventType.TaskCompleted && decodePayload(answers[0].result)).toBe('b, early');
    // The activity itself was started too (its late result is dropped: the instance has finished).
    await until('the second activity started', () => runCount('early:b') === 1);
    release('early:b');
  });

  it('buffers an event raised before the orchestrator waits for it', async () => {
    const durably = await createApp('Buffered');
    hold('buffer:a');
    const id = await durably.client.startNew(StepThenApproval, { input: 'buffer' });
    await until('the activity runs', () => runCount('buffer:a') === 1);
    await durably.client.raiseEvent(id, 'approval', { by: 'ops' });
    // Applied to the history while nobody waits for it.
    await until('the event is in the history', async () =>
      (await durably.client.getHistory(id)).some((e) => e.type === HistoryEventType.EventRaised));
    expect((await durably.client.getStatus(id))?.runtimeStatus).toBe('Running');

    release('buffer:a');
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ a: 'buffer:a#1', approval: { by: 'ops' } });
    const types = (await durably.client.getHistory(id)).map((e) => e.type);
    expect(types.indexOf(HistoryEventType.EventRaised)).toBeLessThan(types.indexOf(HistoryEventType.TaskCompleted));
  });

  it('never loses an acknowledged startNew, raiseEvent or terminate, even with no worker running', async () => {
    const hub = 'Acknowledged';
    const clientOnly = await createApp(hub, { start: false });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await clientOnly.client.startNew(GoThenWork, { input: `ack${i}` }));
    for (const [i, id] of ids.entries()) await clientOnly.client.raiseEvent(id, 'go', `go${i}`);
    const doomed = await clientOnly.client.startNew(GoThenWork, { input: 'doomed' });
    await clientOnly.client.raiseEvent(doomed, 'go', 'never');
    await clientOnly.client.terminate(doomed, 'not needed');
    // Nothing ran: every instance waits, with its messages queued.
    for (const id of [...ids, doomed]) expect((await clientOnly.client.getStatus(id))?.runtimeStatus).toBe('Pending');
    expect(await db.collection(`${hub}.inbox`).countDocuments()).toBe(7);
    // The client goes away before any worker exists: the acknowledgements must not depend on it.
    await clientOnly.stop();

    const worker = await createApp(hub);
    for (const [i, id] of ids.entries()) {
      const status = await worker.client.waitForCompletion(id, { timeoutMs: 20_000 });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe(`ack${i}:go${i}#1`);
    }
    const terminated = await worker.client.waitForCompletion(doomed, { timeoutMs: 20_000 });
    expect(terminated.runtimeStatus).toBe('Terminated');
    expect(terminated.output).toBe('not needed');
    expect(runs.some((key) => key.startsWith('doomed'))).toBe(false);
  });

  it("picks up a crashed worker's in-flight activity and leased episode in another worker", async () => {
    const hub = 'Crash';
    const ledger = db.collection<Document>('crash_ledger');
    const child = startWorkerProcess({
      URI: mongo.uri, DB: mongo.dbName, TASK_HUB: hub, LEDGER: 'crash_ledger', POLL_MS: '50', LEASE_MS: '1000',
      BLOCK: '1', SPIN_MS: '60000',
    });
    children.push(child);
    await child.ready;
    const clientOnly = await createApp(hub, { start: false });

    // In-flight activity: the child runs Block, which never finishes there.
    const blocked = await clientOnly.client.startNew(Blocked, { input: 'x' });
    await until('the child runs the activity', async () => (await ledger.countDocuments({ activity: 'Block', pid: child.pid })) === 1);
    // Its job is held back while the episode's session lasts, then stored locked (the state a crash leaves it in).
    await until('the running activity\'s job is stored', async () => (await db.collection<Document>(`${hub}.jobs`).countDocuments({ name: 'durably.activity', 'data.instanceId': blocked, lockedAt: { $ne: null } })) === 1);
    // In-flight episode: the child claims Spinner and holds its event loop (and the lease) in the episode.
    const spinning = await clientOnly.client.startNew(Spinner, { input: 21 });
    await child.waitForEvent('spinning');
    await child.kill('SIGKILL');

    const lease = (await instanceDoc(hub, spinning))?.lease as { workerId: string } | undefined;
    expect(lease?.workerId.startsWith(`${child.pid}-`)).toBe(true);
    const jobs = db.collection<Document>(`${hub}.jobs`);
    const blockJob = await jobs.findOne({ name: 'durably.activity', 'data.instanceId': blocked });
    expect(blockJob?.lockedAt).toBeInstanceOf(Date);
    expect(blockJob?.data.deliveries).toBe(1);
    // Durably does not expose Agenda's lock lifetime (5 minutes): age the dead worker's lock instead of waiting it out.
    // This is exactly the state the job is in once the lifetime has passed without renewals.
    await jobs.updateOne({ _id: blockJob!._id }, { $set: { lockedAt: new Date(Date.now() - 10 * 60_000) } });

    // A second worker, in this process, with the same short lease.
    const survivor = await createApp(hub, { leaseMs: 1000 });
    const spun = await survivor.client.waitForCompletion(spinning, { timeoutMs: 20_000 });
    expect(spun.runtimeStatus).toBe('Completed');
    expect(spun.output).toBe(42);
    const unblocked = await survivor.client.waitForCompletion(blocked, { timeoutMs: 20_000 });
    expect(unblocked.runtimeStatus).toBe('Completed');
    expect(unblocked.output).toBe('unblocked x');
    expect(blockRunsHere).toEqual(['x']);
    expect((await jobs.findOne({ _id: blockJob!._id }))?.data.deliveries).toBe(2);
    // The dead worker's episode never committed: one execution start, one result.
    const history = await survivor.client.getHistory(spinning);
    expect(history.filter((e) => e.type === HistoryEventType.ExecutionStarted)).toHaveLength(1);
    expect(history.filter((e) => e.type === HistoryEventType.TaskCompleted)).toHaveLength(1);
  });
});
