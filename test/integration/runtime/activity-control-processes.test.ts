// Work under control (issue 18) across real processes: heartbeat and start-to-close timeouts enforced after the worker
// running the activity was SIGKILLed, and cancellation (by the orchestration, or by terminating its instance) reaching
// an activity that runs in another process than the episode that cancels it. The workers are the fixture
// test/integration/runtime/fixtures/worker.mjs (see its header); this process only starts, follows and observes.
//
// Nothing here asserts a duration: the latencies are printed (console.log) for whoever runs the suite, and every wait
// has a generous deadline that is still far below the job lock lifetime (5 minutes), which is what recovery would take
// without the timeouts under test.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import { container } from 'tsyringe';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { RunnableClass } from '../../../src/engine/task-types.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { Durably } from '../../../src/app/durably.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { until } from '../../support/test-db.js';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process.js';

// Twins of the fixture's classes, under the same names: a client needs them registered to start instances by class.
// This process never runs them (its apps are not started).
@Activity()
class Heartbeater {
  run(input: string): string {
    throw new Error(`${input}: runs in the worker processes only`);
  }
}

@Activity()
class Sleeper {
  run(input: string): string {
    throw new Error(`${input}: runs in the worker processes only`);
  }
}

@Activity()
class Block {
  run(input: string): string {
    throw new Error(`${input}: runs in the worker processes only`);
  }
}

@Orchestrator()
class Blocked {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Block, ctx.input);
  }
}

@Orchestrator()
class HeartbeatRetried {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Heartbeater, ctx.input);
  }
}

@Orchestrator()
class SleepTimedOut {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Sleeper, ctx.input);
  }
}

@Orchestrator()
class SleepUntilStopped {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Sleeper, ctx.input);
  }
}

const ORCHESTRATORS: RunnableClass[] = [HeartbeatRetried, SleepTimedOut, SleepUntilStopped, Blocked];
const ACTIVITIES: RunnableClass[] = [Heartbeater, Sleeper, Block];

/** A LEDGER entry of the fixture's Heartbeater and Sleeper. */
interface Entry {
  pid: number;
  at: Date;
  activity: string;
  input: unknown;
  attempt?: number;
  last?: unknown;
  aborted?: string;
}

// ---- One server for the suite; each test its own task hub and ledger ------------------------------------------

let mongo: TestMongo;
let observer: MongoClient;
let db: Db;
const clients: Durably[] = [];
const children: WorkerProcess[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  observer = await MongoClient.connect(mongo.uri, { serverSelectionTimeoutMS: 10_000 });
  db = observer.db(mongo.dbName);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
}, 60_000);

afterAll(async () => {
  await observer?.close();
  await mongo?.stop();
}, 60_000);

/** A generous deadline for each wait: no test depends on the machine's speed. */
const WAIT_MS = 120_000;

/** A worker fixture on `hub`, writing to `ledger`, once it is ready. */
async function startWorker(hub: string, ledger: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = startWorkerProcess({ URI: mongo.uri, DB: mongo.dbName, TASK_HUB: hub, LEDGER: ledger, POLL_MS: '100', ...env });
  children.push(child);
  await child.ready;
  return child;
}

/** A client-only app on `hub` (never started: it runs nothing). */
async function createClient(hub: string): Promise<Durably> {
  const durably = await Durably.create({
    mongoUri: mongo.uri,
    dbName: mongo.dbName,
    taskHub: hub,
    orchestrators: ORCHESTRATORS,
    activities: ACTIVITIES,
    container: container.createChildContainer(),
    logger: (level, message, ...args) => {
      if (level === 'error' && process.env.DURABLY_TEST_LOG !== 'silent') console.error(message, ...args);
    },
  });
  clients.push(durably);
  return durably;
}

const has = (history: readonly HistoryEvent[], type: HistoryEventType): boolean => history.some((e) => e.type === type);

/** The instance's (single) activity job, running or finished. */
const activityJob = (hub: string, instanceId: string): Promise<Document | null> =>
  db.collection<Document>(`${hub}.jobs`).findOne({ name: { $in: ['durably.activity', 'durably.activity.done'] }, 'data.instanceId': instanceId });

/**
 * Waits until the activity started in `worker` is committed and its job is stored: the episode that scheduled it has
 * committed (TaskScheduled in the history) and released the instance, and the job is locked, with `extra` holding.
 * From then on, killing or freezing the worker affects the activity only, never an episode.
 */
async function untilRunningIn(durably: Durably, hub: string, instanceId: string, extra: (job: Document) => boolean): Promise<void> {
  await until('the activity is scheduled, its job stored and locked, and the instance released', async () => {
    if (!has(await durably.client.getHistory(instanceId), HistoryEventType.TaskScheduled)) return false;
    const instance = await db.collection<Document>(`${hub}.instances`).findOne({ _id: instanceId } as Document);
    if (instance === null || instance.lease !== undefined) return false;
    const job = await activityJob(hub, instanceId);
    return job !== null && job.lockedAt instanceof Date && extra(job);
  }, WAIT_MS);
}

const entries = (ledger: Collection<Entry>, filter: Partial<Entry> = {}): Promise<Entry[]> => ledger.find(filter).sort({ at: 1 }).toArray();
const report = (line: string): void => {
  if (process.env.DURABLY_TEST_LOG !== 'silent') console.log(`activity-control-processes: ${line}`);
};

describe('activity control across processes', () => {
  it('a worker SIGKILLed mid-activity with heartbeatTimeoutMs 1000: another worker retries it', async () => {
    const hub = 'HeartbeatKill';
    const ledger = db.collection<Entry>('heartbeat_kill_ledger');
    const a = await startWorker(hub, ledger.collectionName, { BLOCK: '1' });
    const durably = await createClient(hub);
    const id = await durably.client.startNew(HeartbeatRetried, { input: 'hb' });

    await until('attempt 1 runs in worker A', async () => (await entries(ledger, { pid: a.pid, attempt: 1 })).length === 1, WAIT_MS);
    // A heartbeat (a number > 0) is stored, so that the retry has something to resume from.
    await untilRunningIn(durably, hub, id, (job) => typeof job.data?.lastHeartbeat === 'string');
    // The second worker is up before the kill: the latency below is the timeout's, not a worker's start.
    const b = await startWorker(hub, ledger.collectionName);
    await a.kill('SIGKILL');
    const killedAt = Date.now();

    await until('the activity starts again in worker B', async () => (await entries(ledger, { pid: b.pid })).length > 0, WAIT_MS);
    const status = await durably.client.waitForCompletion(id, { timeoutMs: WAIT_MS });
    const all = await entries(ledger);
    const inB = all.filter((e) => e.pid === b.pid);
    report(`kill → retry start in another worker: ${inB[0]!.at.getTime() - killedAt} ms (runs: ${JSON.stringify(all.map(({ pid, attempt, last }) => ({ pid, attempt, last })))})`);

    expect(status.runtimeStatus).toBe('Completed');
    // Attempt 1 ran in A; every start in B is a retry, resuming from A's heartbeats (the one that completed, last).
    expect(all[0]).toMatchObject({ pid: a.pid, activity: 'Heartbeater', input: 'hb', attempt: 1, last: null });
    expect(inB.length).toBeGreaterThan(0);
    for (const entry of inB) expect(entry.attempt).toBeGreaterThanOrEqual(2);
    const resumed = inB.at(-1)!;
    expect(typeof resumed.last).toBe('number');
    expect(resumed.last as number).toBeGreaterThan(0);
    expect(status.output).toBe(`resumed from ${String(resumed.last)}`);
    // On an unloaded machine, exactly: attempt 1 in A, attempt 2 in B.
    if (all.length === 2) expect(inB.map((e) => e.attempt)).toEqual([2]);
    // Attempt 1 failed with the heartbeat timeout.
    const history = await durably.client.getHistory(id);
    const failed = history.find((e) => e.type === HistoryEventType.TaskFailed);
    expect(failed?.type === HistoryEventType.TaskFailed && failed.failureDetails).toMatchObject({
      errorType: 'ActivityTimeoutError', errorMessage: expect.stringMatching(/heartbeat timeout of 1000 ms/),
    });
  }, 300_000);

  it('a start-to-close timeout is enforced after the worker that started the activity died', async () => {
    const hub = 'StartToCloseKill';
    const ledger = db.collection<Entry>('start_to_close_kill_ledger');
    const a = await startWorker(hub, ledger.collectionName);
    const durably = await createClient(hub);
    const id = await durably.client.startNew(SleepTimedOut, { input: 's2c' });

    await until('the Sleeper runs in worker A', async () => (await entries(ledger, { pid: a.pid, activity: 'Sleeper' })).length === 1, WAIT_MS);
    // Its deadline is stored: whichever worker is alive can enforce it.
    await untilRunningIn(durably, hub, id, (job) => job.data?.timeoutAt instanceof Date);
    // Killed at once, long before its own deadline (2 s after the start): A cannot have enforced it itself. The other
    // worker starts afterwards (it must not be the one that runs the Sleeper), and finds the deadline in the job.
    await a.kill('SIGKILL');
    const killedAt = Date.now();
    const startedAt = (await entries(ledger, { pid: a.pid }))[0]!.at.getTime();
    const b = await startWorker(hub, ledger.collectionName);
    const readyAt = Date.now();

    const status = await durably.client.waitForCompletion(id, { timeoutMs: WAIT_MS });
    const history = await durably.client.getHistory(id);
    const failed = history.find((e) => e.type === HistoryEventType.TaskFailed);
    const recordedAt = failed?.timestamp.getTime() ?? Number.NaN;
    report(`kill → start-to-close timeout recorded by another worker: ${recordedAt - killedAt} ms (that worker ready ${readyAt - killedAt} ms ` +
      `after the kill; A was killed ${killedAt - startedAt} ms after the start; the limit is 2000 ms, plus a 1000 ms grace)`);

    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toMatchObject({ name: 'TaskFailedError', errorType: 'ActivityTimeoutError' });
    expect((status.output as { errorMessage: string }).errorMessage).toMatch(/start-to-close timeout of 2000 ms/);
    // The Sleeper ran once, in A (no retry policy; nobody else ran it; A died before seeing its signal abort).
    expect(await entries(ledger)).toEqual([expect.objectContaining({ pid: a.pid, activity: 'Sleeper', input: 's2c', attempt: 1 })]);
    // The timeout was recorded by B: it took the dead worker's job over and finished it.
    const job = await activityJob(hub, id);
    expect(job?.lastFinishedAt).toBeInstanceOf(Date);
    expect(String(job?.lastModifiedBy)).toContain(`:${b.pid}:`);
  }, 300_000);

  describe('cancellation reaches an activity running in another process', () => {
    /**
     * How the activity came to run in worker A:
     * - `dispatched`: A ran the episode that scheduled it and started it at once (the usual case: its job document is
     *   held back, then stored when the session ends);
     * - `picked-up`: worker B ran that episode with no free activity slot (its only one is taken by a Block that never
     *   ends), so the job was queued, and A, started afterwards, picked it up.
     */
    type Arrangement = 'dispatched' | 'picked-up';

    async function runningInA(arrangement: Arrangement, hub: string, ledger: Collection<Entry>): Promise<{ a: WorkerProcess; b: WorkerProcess; durably: Durably; id: string }> {
      const durably = await createClient(hub);
      const sleeperInA = async (a: WorkerProcess): Promise<void> => {
        await until('the Sleeper runs in worker A', async () => (await entries(ledger, { pid: a.pid, activity: 'Sleeper' })).length === 1, WAIT_MS);
      };
      if (arrangement === 'dispatched') {
        const a = await startWorker(hub, ledger.collectionName);
        const id = await durably.client.startNew(SleepUntilStopped, { input: hub });
        await sleeperInA(a);
        await untilRunningIn(durably, hub, id, () => true);
        return { a, b: await startWorker(hub, ledger.collectionName), durably, id };
      }
      const b = await startWorker(hub, ledger.collectionName, { BLOCK: '1', ACTIVITY_CONCURRENCY: '1' });
      await durably.client.startNew(Blocked, { input: 'occupy' });
      await until("worker B's only activity slot is taken", async () => (await entries(ledger, { pid: b.pid, activity: 'Block' })).length === 1, WAIT_MS);
      const id = await durably.client.startNew(SleepUntilStopped, { input: hub });
      await until('the Sleeper is queued', async () => {
        const job = await activityJob(hub, id);
        return job?.name === 'durably.activity' && job.lockedAt == null;
      }, WAIT_MS);
      const a = await startWorker(hub, ledger.collectionName);
      await sleeperInA(a);
      await untilRunningIn(durably, hub, id, () => true);
      return { a, b, durably, id };
    }

    // While the episode that cancels runs, A is frozen (SIGSTOP): that episode can only run in worker B, so the
    // cancellation has to cross processes through the job. A is thawed once B marked the job, and A's own poll then
    // finds the mark and aborts the activity's signal.
    async function cancelAcross(arrangement: Arrangement, hub: string, cancel: (durably: Durably, id: string) => Promise<void>): Promise<{ durably: Durably; id: string }> {
      const ledger = db.collection<Entry>(`${hub.toLowerCase()}_ledger`);
      const { a, b, durably, id } = await runningInA(arrangement, hub, ledger);

      a.freeze();
      const cancelledAt = Date.now();
      await cancel(durably, id);
      await until('worker B marked the running job cancelled', async () => typeof (await activityJob(hub, id))?.data?.cancelRequested === 'string', WAIT_MS);
      const markedAt = Date.now();
      expect(a.alive()).toBe(true);
      a.thaw();
      const thawedAt = Date.now();
      await until('the activity in worker A sees its signal aborted', async () => (await entries(ledger, { aborted: 'TaskCanceledError' })).length > 0, WAIT_MS);
      const aborted = (await entries(ledger, { aborted: 'TaskCanceledError' }))[0]!;
      report(`${hub}: cancel → job marked by worker B ${markedAt - cancelledAt} ms (A frozen meanwhile); thaw → abort seen in A ${aborted.at.getTime() - thawedAt} ms`);

      expect(aborted).toMatchObject({ pid: a.pid, activity: 'Sleeper', input: hub });
      expect(b.alive()).toBe(true);
      // One start, one abort: both in A.
      expect((await entries(ledger, { activity: 'Sleeper' })).map(({ pid, attempt, aborted: reason }) => ({ pid, attempt, aborted: reason }))).toEqual([
        { pid: a.pid, attempt: 1, aborted: undefined },
        { pid: a.pid, attempt: undefined, aborted: 'TaskCanceledError' },
      ]);
      return { durably, id };
    }

    const byCancel = async (arrangement: Arrangement, hub: string): Promise<void> => {
      const { id, durably } = await cancelAcross(arrangement, hub, (d, instanceId) => d.client.raiseEvent(instanceId, 'Stop'));
      const status = await durably.client.waitForCompletion(id, { timeoutMs: WAIT_MS });
      expect(status.runtimeStatus).toBe('Completed');
      expect(status.output).toBe('stopped');
      expect(has(await durably.client.getHistory(id), HistoryEventType.TaskCancelRequested)).toBe(true);
    };

    const byTerminate = async (arrangement: Arrangement, hub: string): Promise<void> => {
      const { id, durably } = await cancelAcross(arrangement, hub, (d, instanceId) => d.client.terminate(instanceId, 'enough'));
      const status = await durably.client.waitForCompletion(id, { timeoutMs: WAIT_MS });
      expect(status.runtimeStatus).toBe('Terminated');
      expect(status.output).toBe('enough');
    };

    it("by the orchestration's task.cancel(), to an activity its worker picked up", () => byCancel('picked-up', 'CancelPickedUp'), 300_000);

    it('by terminating the instance, to an activity its worker picked up', () => byTerminate('picked-up', 'TerminatePickedUp'), 300_000);

    // The worker dispatched the job itself and runs it with its document held back (HeldJobInsert) until the session
    // ends: the cancellation check looks the document up once it is written.
    it("by the orchestration's task.cancel(), to an activity its worker dispatched itself", () => byCancel('dispatched', 'CancelDispatched'), 300_000);

    it('by terminating the instance, to an activity its worker dispatched itself', () => byTerminate('dispatched', 'TerminateDispatched'), 300_000);
  });
});
