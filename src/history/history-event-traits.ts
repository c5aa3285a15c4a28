import { activityAttemptFields } from './activity-attempt-fields.js';
import { assertNever } from './assert-never.js';
import type { HistoryEventOf } from './history-event-handlers.js';
import { HistoryEventType, type HistoryEvent } from './history-event.js';
import { OrchestratorActionType, type OrchestratorAction } from './orchestrator-action.js';

/**
 * What an event type is, for the code that treats many types alike (the planner, the engine's suspension rule and
 * step matching, the history parser):
 * - `lifecycle`: starts, ends, suspends or resumes the execution, or marks an episode's start or end;
 * - `records`: records an action the orchestrator code took (its `eventId` is the action's sequence number);
 * - `answers`: answers a recorded action (a result, a failure, a timer firing, a lock grant);
 * - `cancels`: the code gave up a recorded action (an activity or a timer it cancelled): an answer it made itself, so
 *   a result arriving later is not recorded; unlike answers, applied in place while suspended (the code made it);
 * - `input`: comes from outside, for the code to wait for (a raised event);
 * - `marks`: the code's own record of a choice it made (a patch it took: `ctx.patched`), with no action or sequence
 *   number; the engine reads the execution's marks before replaying it, and applies them in place while suspended;
 * - `note`: carries nothing for the code;
 * - `inbox`: a message to an entity, never in an orchestration's history.
 */
export type HistoryEventRole = 'lifecycle' | 'records' | 'answers' | 'cancels' | 'input' | 'marks' | 'note' | 'inbox';

/** The names of the fields of `E` that hold a `Date`, besides `timestamp` (which every event has). */
type DateFieldOf<E> = Exclude<{ [K in keyof E]-?: NonNullable<E[K]> extends Date ? K : never }[keyof E], 'timestamp'>;

/** `dates`: each date field of `E` (the type requires them all), and whether every event of the type has it. */
type DateFields<E> = [DateFieldOf<E>] extends [never]
  ? { readonly dates?: never }
  : { readonly dates: { readonly [K in DateFieldOf<E>]: undefined extends E[K] ? 'optional' : 'required' } };

/** The role of an event of type `E`, with what that role needs: the action it records, the action it answers. */
type RoleOf<E> =
  | { readonly role: 'records'; readonly action: (event: E) => OrchestratorAction }
  | { readonly role: 'answers'; readonly answers: (event: E) => number }
  | { readonly role: 'cancels'; readonly cancels: (event: E) => number }
  | { readonly role: 'lifecycle' | 'input' | 'marks' | 'note' | 'inbox' };

/** The traits of the events of type `E`. */
export type HistoryEventTraits<E> = RoleOf<E> & DateFields<E>;

/**
 * The traits of every history event type: its {@link HistoryEventRole} (with the action a `records` event records, the
 * sequence number an `answers` event answers) and its date fields. Typed over {@link HistoryEventType}: a type
 * missing here, a date field left out, or a wrong field read fails to compile.
 */
export const HISTORY_EVENT_TRAITS: { readonly [K in HistoryEventType]: HistoryEventTraits<HistoryEventOf<K>> } = {
  ExecutionStarted: { role: 'lifecycle', dates: { scheduledStartTime: 'optional' } },
  ExecutionCompleted: { role: 'lifecycle' },
  ExecutionTerminated: { role: 'lifecycle' },
  ExecutionSuspended: { role: 'lifecycle' },
  ExecutionResumed: { role: 'lifecycle' },
  ExecutionRewound: { role: 'lifecycle' },
  ContinueAsNew: { role: 'lifecycle' },
  OrchestratorStarted: { role: 'lifecycle' },
  OrchestratorCompleted: { role: 'lifecycle' },
  TaskScheduled: {
    role: 'records',
    action: (e) => ({
      type: OrchestratorActionType.ScheduleTask, sequence: e.eventId, name: e.name, input: e.input, ...activityAttemptFields(e),
    }),
  },
  TaskCompleted: { role: 'answers', answers: (e) => e.taskScheduledId },
  TaskFailed: { role: 'answers', answers: (e) => e.taskScheduledId },
  TaskCancelRequested: { role: 'cancels', cancels: (e) => e.taskScheduledId },
  SubOrchestrationInstanceCreated: {
    role: 'records',
    action: (e) => ({
      type: OrchestratorActionType.CreateSubOrchestration, sequence: e.eventId, name: e.name, instanceId: e.instanceId, input: e.input,
      ...(e.version === undefined ? {} : { version: e.version }),
    }),
  },
  SubOrchestrationInstanceCompleted: { role: 'answers', answers: (e) => e.taskScheduledId },
  SubOrchestrationInstanceFailed: { role: 'answers', answers: (e) => e.taskScheduledId },
  TimerCreated: {
    role: 'records', dates: { fireAt: 'required' },
    action: (e) => ({ type: OrchestratorActionType.CreateTimer, sequence: e.eventId, fireAt: e.fireAt }),
  },
  TimerFired: { role: 'answers', dates: { fireAt: 'required' }, answers: (e) => e.timerId },
  TimerCanceled: { role: 'cancels', cancels: (e) => e.timerId },
  EventRaised: { role: 'input' },
  EventSent: {
    role: 'records',
    action: (e) => ({ type: OrchestratorActionType.SendEvent, sequence: e.eventId, instanceId: e.instanceId, name: e.name, input: e.input }),
  },
  GenericEvent: { role: 'note' },
  PatchMarker: { role: 'marks' },
  EntityOperationCalled: {
    role: 'records',
    action: (e) => ({ type: OrchestratorActionType.CallEntity, sequence: e.eventId, targetInstanceId: e.targetInstanceId, operation: e.operation, input: e.input }),
  },
  EntityOperationSignaled: {
    role: 'records', dates: { scheduledTime: 'optional' },
    action: (e) => ({
      type: OrchestratorActionType.SignalEntity, sequence: e.eventId, targetInstanceId: e.targetInstanceId, operation: e.operation, input: e.input,
      ...(e.scheduledTime === undefined ? {} : { scheduledTime: e.scheduledTime }),
    }),
  },
  EntityOperationCompleted: { role: 'answers', answers: (e) => e.taskScheduledId },
  EntityOperationFailed: { role: 'answers', answers: (e) => e.taskScheduledId },
  EntityLockRequested: {
    role: 'records',
    action: (e) => ({ type: OrchestratorActionType.LockEntities, sequence: e.eventId, criticalSectionId: e.criticalSectionId, lockSet: e.lockSet }),
  },
  EntityLockGranted: { role: 'answers', answers: (e) => e.taskScheduledId },
  EntityUnlockSent: {
    role: 'records',
    action: (e) => ({ type: OrchestratorActionType.UnlockEntity, sequence: e.eventId, criticalSectionId: e.criticalSectionId, targetInstanceId: e.targetInstanceId }),
  },
  EntityRequest: { role: 'inbox', dates: { scheduledTime: 'optional' } },
  EntityLockRequest: { role: 'inbox' },
  EntityUnlock: { role: 'inbox' },
};

/**
 * The traits of any one type, as the functions below read them. Declared with method syntax, whose parameters the
 * compiler checks both ways: each entry above, taking only its own type's events, is one of these.
 */
interface AnyEventTraits {
  readonly role: HistoryEventRole;
  action?(event: HistoryEvent): OrchestratorAction;
  answers?(event: HistoryEvent): number;
  cancels?(event: HistoryEvent): number;
  readonly dates?: Readonly<Record<string, 'required' | 'optional'>>;
}

const TRAITS: Readonly<Record<HistoryEventType, AnyEventTraits>> = HISTORY_EVENT_TRAITS;

/**
 * The traits of an event's type.
 *
 * @throws DurableError `INTERNAL_ERROR` for a type that is not a {@link HistoryEventType}.
 */
export function traitsOf(event: HistoryEvent): AnyEventTraits {
  const traits = TRAITS[event.type] as AnyEventTraits | undefined;
  return traits ?? assertNever(event as never, 'history event type');
}

/** The event's {@link HistoryEventRole}. */
export function roleOf(event: HistoryEvent): HistoryEventRole {
  return traitsOf(event).role;
}

/** The action a `records` event records (as the code took it); undefined for other events. */
export function recordedAction(event: HistoryEvent): OrchestratorAction | undefined {
  return traitsOf(event).action?.(event);
}

/**
 * The sequence number of the action an `answers` event answers, or a `cancels` event gives up (after which nothing
 * else answers it); undefined for other events.
 */
export function answeredSequence(event: HistoryEvent): number | undefined {
  const traits = traitsOf(event);
  return traits.answers?.(event) ?? traits.cancels?.(event);
}

/**
 * Whether a committed chunk holding `event` has something to carry out (the runtime's action dispatcher): every action
 * recorded or cancelled; an execution's end when a parent waits for it (`hasParent`) or when it was terminated (its
 * jobs and children go); a rewind (it re-runs what failed). A chunk with none of these needs no dispatch.
 */
export function carriesAction(event: HistoryEvent, hasParent: boolean): boolean {
  const role = roleOf(event);
  if (role === 'records' || role === 'cancels') return true;
  if (event.type === HistoryEventType.ExecutionCompleted) return hasParent || event.orchestrationStatus === 'Terminated';
  return event.type === HistoryEventType.ExecutionRewound;
}

/** The sequence numbers of the activities whose outcomes (`TaskCompleted`, `TaskFailed`) `events` record. */
export function activitiesAnswered(events: readonly HistoryEvent[]): ReadonlySet<number> {
  const answered = new Set<number>();
  for (const event of events) {
    if (event.type === HistoryEventType.TaskCompleted || event.type === HistoryEventType.TaskFailed) answered.add(event.taskScheduledId);
  }
  return answered;
}

/** The sequence number of the action a `cancels` event gives up; undefined for other events. */
export function cancelledSequence(event: HistoryEvent): number | undefined {
  return traitsOf(event).cancels?.(event);
}

/**
 * Whether a later history event answers the action (a result, a failure, a timer firing, a lock grant). Signals,
 * events sent and releases are fire-and-forget: once recorded, nothing in history refers to them again.
 */
export function expectsAnswer(action: Pick<OrchestratorAction, 'type'>): boolean {
  switch (action.type) {
    case OrchestratorActionType.ScheduleTask:
    case OrchestratorActionType.CreateTimer:
    case OrchestratorActionType.CreateSubOrchestration:
    case OrchestratorActionType.CallEntity:
    case OrchestratorActionType.LockEntities:
      return true;
    case OrchestratorActionType.SendEvent:
    case OrchestratorActionType.SignalEntity:
    case OrchestratorActionType.UnlockEntity:
      return false;
    default:
      return assertNever(action.type, 'orchestrator action type');
  }
}

/** Whether `event` records an action that a later event answers. */
export function isAnswerable(event: HistoryEvent): boolean {
  const action = recordedAction(event);
  return action !== undefined && expectsAnswer(action);
}

/** The names of the fields that hold dates in some event type (`timestamp` included). */
export const DATE_FIELDS: ReadonlySet<string> = new Set([
  'timestamp', ...Object.values(TRAITS).flatMap((traits) => Object.keys(traits.dates ?? {})),
]);

const REQUIRED_DATES = new Map(Object.entries(TRAITS).map(([type, traits]) => [
  type, Object.entries(traits.dates ?? {}).filter(([, presence]) => presence === 'required').map(([field]) => field),
]));

/** The date fields every event of the type has (besides `timestamp`). */
export function requiredDateFields(type: HistoryEventType): readonly string[] {
  return REQUIRED_DATES.get(type) ?? [];
}
