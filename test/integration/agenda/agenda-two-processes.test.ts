// Two worker processes running Agenda against one server share 500 jobs: every job runs exactly once, both workers
// take part, and no job runs twice at the same time. This is the cross-process locking Durably's activities rely on.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { openTestDb, waitFor, type Doc, type TestDb } from '../../support/test-db.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/agenda-worker.mjs', import.meta.url));
const JOBS = 'two_proc_jobs';
const LEDGER = 'two_proc_ledger';
const JOB_COUNT = 500;

interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: string[];
  ready: boolean;
  exit: Promise<number | null>;
}

let t: TestDb;
const workers: Worker[] = [];

function startWorker(): Worker {
  const child = spawn(process.execPath, [WORKER_SCRIPT], {
    env: { ...process.env, URI: t.mongo.uri, DB: t.mongo.dbName, JOBS, LEDGER, CONCURRENCY: '5', SLEEP_MS: '5' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const worker: Worker = {
    child,
    output: [],
    ready: false,
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      worker.output.push(line);
      if (line.includes('"event":"ready"')) worker.ready = true;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  workers.push(worker);
  return worker;
}

/** Resolves with the exit code, or null if the process is still running after `ms`. */
async function exitWithin(worker: Worker, ms: number): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([worker.exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  for (const w of workers) {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGKILL');
      await exitWithin(w, 5_000);
    }
  }
  await t?.close();
}, 30_000);

describe('Agenda in two processes', () => {
  it(
    'runs 500 jobs exactly once across two workers, without overlapping executions',
    async () => {
      const [a, b] = [startWorker(), startWorker()];
      const bothReady = await waitFor(() => a.ready && b.ready, 30_000, 50);
      if (!bothReady) {
        throw new Error(`workers did not start:\n${[...a.output, ...b.output].join('\n')}`);
      }

      // Jobs are created the way an application would: through Agenda's own now().
      const producer = new Agenda({ backend: new MongoBackend({ mongo: t.db, collection: JOBS }), processEvery: 60_000 });
      await producer.ready;
      for (let n = 0; n < JOB_COUNT; n += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, k) => producer.now('work', { n: n + k })));
      }
      await producer.stop();

      const ledger = t.db.collection<Doc>(LEDGER);
      const allDone = await waitFor(async () => (await ledger.countDocuments()) >= JOB_COUNT, 90_000, 100);
      // A late duplicate would show up shortly after the last first-time execution.
      await new Promise((r) => setTimeout(r, 1_000));

      for (const w of [a, b]) w.child.kill('SIGTERM');
      const codes = await Promise.all([exitWithin(a, 15_000), exitWithin(b, 15_000)]);

      const entries = await ledger.find({}).toArray();
      const diagnostics = `ledger=${entries.length}\n${[...a.output, ...b.output].slice(-40).join('\n')}`;
      expect({ allDone, diagnostics }).toEqual({ allDone: true, diagnostics });

      // Each job exactly once.
      const byN = new Map<number, Doc[]>();
      for (const e of entries) {
        const list = byN.get(e.n as number) ?? [];
        list.push(e);
        byN.set(e.n as number, list);
      }
      const duplicated = [...byN.entries()].filter(([, list]) => list.length > 1).map(([n]) => n);
      expect(duplicated).toEqual([]);
      expect(entries).toHaveLength(JOB_COUNT);
      expect([...byN.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: JOB_COUNT }, (_, i) => i));

      // No two executions of the same job overlapped (vacuous when there are no duplicates, decisive otherwise).
      const overlapping = [...byN.values()].filter((list) =>
        list.some((x, i) =>
          list.some(
            (y, j) =>
              i < j &&
              (x.startedAt as Date).getTime() < (y.finishedAt as Date).getTime() &&
              (y.startedAt as Date).getTime() < (x.finishedAt as Date).getTime(),
          ),
        ),
      );
      expect(overlapping).toHaveLength(0);

      // Both workers did part of the work.
      const perPid = new Map<number, number>();
      for (const e of entries) perPid.set(e.pid as number, (perPid.get(e.pid as number) ?? 0) + 1);
      expect([...perPid.keys()].sort()).toEqual([a.child.pid, b.child.pid].sort());
      for (const count of perPid.values()) expect(count).toBeGreaterThan(0);

      // Every job document is finished and unlocked.
      const jobs = t.db.collection<Doc>(JOBS);
      expect(await jobs.countDocuments({ name: 'work' })).toBe(JOB_COUNT);
      expect(await jobs.countDocuments({ name: 'work', lastFinishedAt: { $type: 'date' } })).toBe(JOB_COUNT);
      expect(await jobs.countDocuments({ name: 'work', lockedAt: { $type: 'date' } })).toBe(0);

      // Both workers shut down cleanly on SIGTERM.
      expect(codes).toEqual([0, 0]);
    },
    180_000,
  );
});
