import { DurableError } from '../durable-error.js';

/** Which limit of an activity call ran out (see `CallActivityOptions`). */
export type ActivityTimeoutKind = 'startToClose' | 'scheduleToClose' | 'heartbeat';

const LABELS: Readonly<Record<ActivityTimeoutKind, string>> = {
  startToClose: 'start-to-close',
  scheduleToClose: 'schedule-to-close',
  heartbeat: 'heartbeat',
};

/** How a timeout is named in messages: `start-to-close`, `schedule-to-close`, `heartbeat`. */
export function activityTimeoutLabel(kind: ActivityTimeoutKind): string {
  return LABELS[kind];
}

/**
 * An activity attempt (or, schedule-to-close, the whole call) ran out of time. It is the `reason` of the activity's
 * aborted `ctx.signal`, and the orchestrator sees it as a `TaskFailedError` whose `failureDetails.errorType` is
 * `'ActivityTimeoutError'`. Code `ACTIVITY_TIMEOUT`.
 */
export class ActivityTimeoutError extends DurableError {
  constructor(
    /** Which limit ran out. */
    readonly timeout: ActivityTimeoutKind,
    activityName: string,
    limitMs: number,
  ) {
    super('ACTIVITY_TIMEOUT', `Activity '${activityName}' timed out: its ${activityTimeoutLabel(timeout)} timeout of ${limitMs} ms passed${timeout === 'heartbeat' ? ' without a heartbeat' : ''}.`);
  }
}
