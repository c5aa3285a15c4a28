import type { TraceContext } from '../core/trace-context.js';
import { activityAttemptFields } from '../history/activity-attempt-fields.js';
import type { TaskScheduledEvent } from '../history/history-event.js';
import type { InstanceState } from '../ports/instance-store.js';
import type { ActivityJob } from '../ports/work-scheduler.js';

/** The job of an activity a chunk schedules: the action, with its limits, attempt and heartbeat details, and the execution's span. */
export function activityJobOf(instance: InstanceState, event: TaskScheduledEvent, traceContext: TraceContext | undefined): ActivityJob {
  return {
    instanceId: instance.instanceId, executionId: instance.executionId, sequence: event.eventId, name: event.name, input: event.input,
    ...activityAttemptFields(event),
    ...(traceContext === undefined ? {} : { traceContext }),
  };
}
