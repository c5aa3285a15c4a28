import type { ActivityAttemptLimits, EncodedPayload } from './history-event.js';

/** What an activity attempt carries besides its name and input, wherever it travels (action, event, job). */
export interface ActivityAttemptFields {
  readonly limits?: ActivityAttemptLimits;
  readonly attempt?: number;
  readonly heartbeatDetails?: EncodedPayload;
}

/**
 * The attempt fields `source` has set — each left out when absent, never `undefined` (events and jobs are stored as
 * they are) — to copy from a ScheduleTask action to its TaskScheduled event, from the event to the activity's job, and
 * back.
 */
export function activityAttemptFields(source: ActivityAttemptFields): ActivityAttemptFields {
  return {
    ...(source.limits === undefined ? {} : { limits: source.limits }),
    ...(source.attempt === undefined ? {} : { attempt: source.attempt }),
    ...(source.heartbeatDetails === undefined ? {} : { heartbeatDetails: source.heartbeatDetails }),
  };
}
