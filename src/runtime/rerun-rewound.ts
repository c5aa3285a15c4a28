import { withoutRewound } from '../history/rewound-history.js';
import { answeredSequence } from '../history/history-event-traits.js';
import { HistoryEventType, type ExecutionRewoundEvent, type HistoryEvent } from '../history/history-event.js';
import { activityJobOf } from './activity-job-of.js';
import type { Clock } from '../ports/clock.js';
import type { InstanceState, InstanceStore } from '../ports/instance-store.js';
import type { ActivityJob, JobRef, WorkScheduler } from '../ports/work-scheduler.js';

/** What a rewind's dispatch uses: the store, the scheduler, the clock, and how a child's result reaches the parent. */
export interface RerunDeps {
  readonly store: InstanceStore;
  readonly scheduler: WorkScheduler;
  readonly clock: Clock;
  /** Sends a sub-orchestration's result to this instance (once per action: the result's dedupe key). */
  reportChild(sequence: number, event: HistoryEvent): Promise<void>;
}

/**
 * Carries out a recorded rewind: runs again the actions it lists that still have no answer (a re-dispatch after a
 * crash skips those answered since). An activity's or a timer's finished job is forgotten, then scheduled again
 * under the same key — a job still queued or running is left to finish, and its result is the one recorded. A failed
 * sub-orchestration is rewound in turn (not restarted; one purged meanwhile fails the call again); one that finished otherwise after its parent failed (its
 * result was dropped then) reports its result again; a running one reports when it ends. Returns how many instances
 * were given work.
 */
export async function rerunRewound(deps: RerunDeps, instance: InstanceState, rewind: ExecutionRewoundEvent): Promise<number> {
  if (rewind.rerun === undefined || rewind.rerun.length === 0) return 0;
  const { instanceId, executionId } = instance;
  const chunks = await deps.store.loadHistory(instanceId, executionId);
  const events = withoutRewound(chunks.flatMap((chunk) => chunk.events));
  const answered = new Set(events.map(answeredSequence).filter((s): s is number => s !== undefined));
  const wanted = new Set(rewind.rerun.filter((sequence) => !answered.has(sequence)));
  const activities: ActivityJob[] = [];
  const timers: { ref: JobRef; fireAt: Date }[] = [];
  let given = 0;
  const started = events.find((event) => event.type === HistoryEventType.ExecutionStarted);
  const traceContext = started?.type === HistoryEventType.ExecutionStarted ? started.traceContext : undefined;
  for (const event of events) {
    if (!wanted.has(event.eventId)) continue;
    const ref: JobRef = { instanceId, executionId, sequence: event.eventId };
    if (event.type === HistoryEventType.TaskScheduled) activities.push(activityJobOf(instance, event, traceContext));
    else if (event.type === HistoryEventType.TimerCreated) timers.push({ ref, fireAt: event.fireAt });
    else if (event.type === HistoryEventType.SubOrchestrationInstanceCreated) {
      given += await rerunChild(deps, instance, event.eventId, event.instanceId, rewind.reason);
    }
  }
  await deps.scheduler.forgetFinishedJobs([...activities, ...timers.map((t) => t.ref)]);
  await deps.scheduler.scheduleActivities(activities);
  for (const timer of timers) await deps.scheduler.scheduleTimer({ ...timer.ref, fireAt: timer.fireAt });
  return given;
}

async function rerunChild(
  deps: RerunDeps, parent: InstanceState, sequence: number, childId: string, reason: string | undefined,
): Promise<number> {
  const child = await deps.store.getInstance(childId);
  const ours = child?.parentInstance?.instanceId === parent.instanceId && child.parentInstance.executionId === parent.executionId &&
    child.parentInstance.taskScheduledId === sequence;
  const now = deps.clock.now();
  if (child === undefined || !ours) {
    // Purged, or replaced by another instance: nothing is left to rewind, and the call fails again.
    await deps.reportChild(sequence, {
      type: HistoryEventType.SubOrchestrationInstanceFailed, eventId: -1, timestamp: now, taskScheduledId: sequence,
      failureDetails: { errorType: 'InstanceNotFoundError', errorMessage: `Sub-orchestration '${childId}' no longer exists (purged or replaced): it cannot be rewound.` },
    });
    return 1;
  }
  switch (child.runtimeStatus) {
    case 'Failed':
      await deps.store.sendMessage(childId, {
        type: HistoryEventType.ExecutionRewound, eventId: -1, timestamp: now, ...(reason === undefined ? {} : { reason }),
      }, { executionId: child.executionId, now });
      return 1;
    case 'Completed':
      await deps.reportChild(sequence, { type: HistoryEventType.SubOrchestrationInstanceCompleted, eventId: -1, timestamp: now, taskScheduledId: sequence, result: child.output });
      return 1;
    case 'Terminated':
    case 'Canceled':
      await deps.reportChild(sequence, {
        type: HistoryEventType.SubOrchestrationInstanceFailed, eventId: -1, timestamp: now, taskScheduledId: sequence,
        failureDetails: child.failureDetails ?? { errorType: 'Terminated', errorMessage: `Sub-orchestration '${childId}' was ${child.runtimeStatus.toLowerCase()}` },
      });
      return 1;
    case 'Pending':
    case 'Running':
    case 'Suspended':
    case 'ContinuedAsNew':
      // Still running: it reports to the parent when it ends.
      return 0;
  }
}
