// Shared helpers of the AgendaWorkScheduler suites: schedulers on the suite's test database, handlers that record
// what they were called with, and job factories.
import type { Collection } from 'mongodb';
import { AgendaWorkScheduler, type AgendaWorkSchedulerOptions } from '../../../src/adapters/agenda/agenda-work-scheduler.js';
import { CollectionSuffix } from '../../../src/adapters/mongodb/collection-suffix.js';
import type { ActivityJob, TimerJob, WorkHandlers } from '../../../src/ports/work-scheduler.js';
import type { Doc, TestDb } from '../../support/test-db.js';

export interface ActivityRun {
  readonly job: ActivityJob;
  readonly deliveries: number;
  readonly at: number;
}

export interface TimerRun {
  readonly job: TimerJob;
  readonly at: number;
}

/** Handlers that record every call; `onActivity` / `onTimer` run after recording (to block, throw, ...). */
export interface RecordingHandlers extends WorkHandlers {
  readonly activities: ActivityRun[];
  readonly timers: TimerRun[];
}

export function recordingHandlers(hooks: {
  onActivity?: (job: ActivityJob, deliveries: number) => Promise<void>;
  onTimer?: (job: TimerJob) => Promise<void>;
} = {}): RecordingHandlers {
  const activities: ActivityRun[] = [];
  const timers: TimerRun[] = [];
  return {
    activities,
    timers,
    async runActivity(job, deliveries) {
      activities.push({ job, deliveries, at: Date.now() });
      await hooks.onActivity?.(job, deliveries);
    },
    async fireTimer(job) {
      timers.push({ job, at: Date.now() });
      await hooks.onTimer?.(job);
    },
  };
}

let counter = 0;

/** A fresh task hub name, so that every test has its own jobs collection. */
export function newTaskHub(): string {
  return `hub${++counter}`;
}

export function activityJob(instanceId = `instance-${++counter}`, sequence = 0, executionId = 'e1'): ActivityJob {
  return { instanceId, executionId, sequence, name: 'SayHello', input: JSON.stringify({ n: sequence }) };
}

export function timerJob(fireAt: Date, instanceId = `instance-${++counter}`, sequence = 0, executionId = 'e1'): TimerJob {
  return { instanceId, executionId, sequence, fireAt };
}

/** Creates schedulers on the suite's database and stops all of them on {@link SchedulerPool.stopAll}. */
export class SchedulerPool {
  readonly logs: string[] = [];
  readonly #created: AgendaWorkScheduler[] = [];

  constructor(private readonly t: TestDb) {}

  create(taskHub: string, options: Partial<AgendaWorkSchedulerOptions> = {}): AgendaWorkScheduler {
    const scheduler = new AgendaWorkScheduler({
      mongoUri: this.t.mongo.uri,
      dbName: this.t.mongo.dbName,
      taskHub,
      processEveryMs: 100,
      stopGraceMs: 5_000,
      log: (line) => this.logs.push(line),
      ...options,
    });
    this.#created.push(scheduler);
    return scheduler;
  }

  jobs(taskHub: string): Collection<Doc> {
    return this.t.db.collection<Doc>(`${taskHub}.${CollectionSuffix.Jobs}`);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#created.splice(0).map((s) => s.stop()));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise and its resolver. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Prints a measurement unless DURABLY_TEST_LOG=silent. */
export function report(line: string): void {
  if (process.env.DURABLY_TEST_LOG !== 'silent') process.stdout.write(`${line}\n`);
}
