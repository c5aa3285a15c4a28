// Shared helpers of the AgendaWorkScheduler suites: schedulers on the suite's test database, and (shared with the
// work-scheduler contract) handlers that record what they were called with, and job factories.
import type { Collection } from 'mongodb';
import { AgendaWorkScheduler, type AgendaWorkSchedulerOptions } from '../../../src/adapters/agenda/agenda-work-scheduler.js';
import { CollectionSuffix } from '../../../src/adapters/mongodb/collection-suffix.js';
import type { Doc, TestDb } from '../../support/test-db.js';
export {
  activityJob, deferred, newTaskHub, recordingHandlers, sleep, timerJob, type ActivityRun, type RecordingHandlers, type TimerRun,
} from '../../contract/work-scheduler-fixtures.js';

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

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Prints a measurement unless DURABLY_TEST_LOG=silent. */
export function report(line: string): void {
  if (process.env.DURABLY_TEST_LOG !== 'silent') process.stdout.write(`${line}\n`);
}
