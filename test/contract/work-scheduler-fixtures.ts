// Builders for the work-scheduler contract (and the Agenda adapter's own suites): jobs with fresh keys, handlers that
// record what they were called with, and small waiting helpers.
import type { ActivityJob, ActivityRunOptions, TimedOutActivity, TimerJob, WorkHandlers } from '../../src/ports/work-scheduler.js';

/** One call of {@link WorkHandlers.runActivity}, and when it came (epoch ms). */
export interface ActivityRun {
  readonly job: ActivityJob;
  readonly deliveries: number;
  readonly at: number;
  readonly options: ActivityRunOptions | undefined;
}

/** One call of {@link WorkHandlers.timeOutActivity}, and when it came (epoch ms). */
export interface TimeoutRun {
  readonly job: ActivityJob;
  readonly timedOut: TimedOutActivity;
  readonly at: number;
}

/** One call of {@link WorkHandlers.fireTimer}, and when it came (epoch ms). */
export interface TimerRun {
  readonly job: TimerJob;
  readonly at: number;
}

/** Handlers that record every call; `onActivity` / `onTimer` run after recording (to block, throw, ...). */
export interface RecordingHandlers extends WorkHandlers {
  readonly activities: ActivityRun[];
  readonly timeouts: TimeoutRun[];
  readonly timers: TimerRun[];
}

/** Handlers that record every call, then run the hooks given (if any). */
export function recordingHandlers(hooks: {
  onActivity?: (job: ActivityJob, deliveries: number, options: ActivityRunOptions | undefined) => Promise<void>;
  onTimer?: (job: TimerJob) => Promise<void>;
} = {}): RecordingHandlers {
  const activities: ActivityRun[] = [];
  const timers: TimerRun[] = [];
  const timeouts: TimeoutRun[] = [];
  return {
    activities,
    timeouts,
    timers,
    async runActivity(job, deliveries, options) {
      activities.push({ job, deliveries, at: Date.now(), options });
      await hooks.onActivity?.(job, deliveries, options);
    },
    timeOutActivity(job, timedOut) {
      timeouts.push({ job, timedOut, at: Date.now() });
      return Promise.resolve();
    },
    async fireTimer(job) {
      timers.push({ job, at: Date.now() });
      await hooks.onTimer?.(job);
    },
  };
}

let counter = 0;

/** A fresh task hub name, so that every test has its own jobs. */
export function newTaskHub(): string {
  return `hub${++counter}`;
}

/** An activity job; a fresh instance ID unless one is given. */
export function activityJob(instanceId = `instance-${++counter}`, sequence = 0, executionId = 'e1'): ActivityJob {
  return { instanceId, executionId, sequence, name: 'SayHello', input: JSON.stringify({ n: sequence }) };
}

/** A timer job due at `fireAt`; a fresh instance ID unless one is given. */
export function timerJob(fireAt: Date, instanceId = `instance-${++counter}`, sequence = 0, executionId = 'e1'): TimerJob {
  return { instanceId, executionId, sequence, fireAt };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise and its resolver. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The instance/sequence keys of recorded runs, sorted: what ran, and how often. */
export function ranKeys(runs: readonly { readonly job: { readonly instanceId: string; readonly executionId: string; readonly sequence: number } }[]): string[] {
  return runs.map((r) => `${r.job.instanceId}/${r.job.executionId}/${r.job.sequence}`).sort();
}

/** An activity hook that runs until the start's signal aborts, and the reason it aborted with (once it did). */
export function untilAborted(): { readonly handler: (job: ActivityJob, deliveries: number, options: ActivityRunOptions | undefined) => Promise<void>; readonly reason: Error | undefined } {
  let reason: Error | undefined;
  return {
    handler: (_job, _deliveries, options) => new Promise<void>((resolve) => {
      options?.signal?.addEventListener('abort', () => {
        reason = options.signal?.reason as Error;
        resolve();
      });
    }),
    get reason() {
      return reason;
    },
  };
}
