// Small, explicit builders for the instance-store contract: fixed clocks and hand-made events, so that every
// expectation can be read off the test.
import { randomUUID } from 'node:crypto';
import type { FailureDetails } from '../../src/core/failure-details.js';
import { HistoryEventType, type EventRaisedEvent, type HistoryEvent } from '../../src/history/history-event.js';
import type { EpisodeCommit, HistoryChunk, InstanceStore, WorkItem } from '../../src/ports/instance-store.js';

/** The contract's clock origin; tests pass times explicitly (the store never reads the clock). */
export const T0 = new Date('2030-01-01T00:00:00.000Z');

/** T0 plus `ms` milliseconds. */
export function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

export const LEASE_MS = 30_000;

export function executionStarted(instanceId: string, executionId: string, timestamp: Date, input?: string): HistoryEvent {
  return {
    type: HistoryEventType.ExecutionStarted, eventId: -1, timestamp, name: 'Orch', instanceId, executionId, input, engineVersion: 1,
    scheduledStartTime: new Date(timestamp.getTime() - 1000),
    parentInstance: { instanceId: 'parent', name: 'Parent', taskScheduledId: 3 },
  };
}

export function orchestratorStarted(timestamp: Date): HistoryEvent {
  return { type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp };
}

export function orchestratorCompleted(timestamp: Date): HistoryEvent {
  return { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp };
}

export function taskScheduled(eventId: number, timestamp: Date, input?: string): HistoryEvent {
  return { type: HistoryEventType.TaskScheduled, eventId, timestamp, name: 'Act', input };
}

export function taskCompleted(taskScheduledId: number, timestamp: Date, result?: string): HistoryEvent {
  return { type: HistoryEventType.TaskCompleted, eventId: -1, timestamp, taskScheduledId, result };
}

export function taskFailed(taskScheduledId: number, timestamp: Date, failureDetails: FailureDetails): HistoryEvent {
  return { type: HistoryEventType.TaskFailed, eventId: -1, timestamp, taskScheduledId, failureDetails };
}

export function timerCreated(eventId: number, timestamp: Date, fireAt: Date): HistoryEvent {
  return { type: HistoryEventType.TimerCreated, eventId, timestamp, fireAt };
}

export function timerFired(timerId: number, timestamp: Date, fireAt: Date): HistoryEvent {
  return { type: HistoryEventType.TimerFired, eventId: -1, timestamp, timerId, fireAt };
}

export function eventRaised(name: string, timestamp: Date, input?: string): EventRaisedEvent {
  return { type: HistoryEventType.EventRaised, eventId: -1, timestamp, name, input };
}

export const FAILURE: FailureDetails = {
  errorType: 'TypeError',
  errorMessage: 'boom',
  stackTrace: 'TypeError: boom\n    at x (y.ts:1:1)',
  innerFailure: { errorType: 'Error', errorMessage: 'cause' },
};

/** Creates an instance with a fresh executionId at `now` (T0 by default); returns the executionId. */
export async function create(
  store: InstanceStore,
  instanceId: string,
  options: { now?: Date; scheduledStartTime?: Date; idempotencyKey?: string; input?: string; executionId?: string } = {},
): Promise<string> {
  const executionId = options.executionId ?? randomUUID();
  await store.createInstance({
    instanceId,
    executionId,
    name: 'Orch',
    input: options.input ?? '"in"',
    now: options.now ?? T0,
    ...(options.scheduledStartTime !== undefined && { scheduledStartTime: options.scheduledStartTime }),
    ...(options.idempotencyKey !== undefined && { idempotencyKey: options.idempotencyKey }),
  });
  return executionId;
}

/** Claims work at `now`, failing the test when there is none. */
export async function claim(store: InstanceStore, now: Date = T0, workerId = 'w1'): Promise<WorkItem> {
  const item = await store.claimWork({ workerId, leaseMs: LEASE_MS, now });
  if (item === undefined) throw new Error(`expected claimable work at ${now.toISOString()}`);
  return item;
}

/** The commit a worker holding `item` makes for an episode of `events` at history position `firstEventIndex`. */
export function episode(
  item: WorkItem,
  events: HistoryEvent[],
  options: { firstEventIndex?: number; consumedMessageIds?: string[]; update?: EpisodeCommit['update']; now?: Date; undispatched?: boolean; expectedVersion?: number } = {},
): EpisodeCommit {
  const chunk: HistoryChunk = {
    firstEventIndex: options.firstEventIndex ?? item.instance.historyLength,
    events,
    consumedMessageIds: options.consumedMessageIds ?? [],
    undispatched: options.undispatched ?? true,
  };
  return {
    instanceId: item.instance.instanceId,
    executionId: item.instance.executionId,
    expectedVersion: options.expectedVersion ?? item.instance.version,
    leaseToken: item.leaseToken,
    chunk,
    update: options.update ?? { runtimeStatus: 'Running' },
    now: options.now ?? T0,
  };
}

/**
 * Claims the instance, commits one episode setting `update`, and releases it: the usual way to reach a status.
 * Instances claimed on the way (older work) are released again, still flagged.
 */
export async function runEpisode(store: InstanceStore, instanceId: string, update: EpisodeCommit['update'], now: Date = T0): Promise<void> {
  const others: WorkItem[] = [];
  let item = await claim(store, now);
  while (item.instance.instanceId !== instanceId) {
    others.push(item);
    item = await claim(store, now);
  }
  const history = await store.loadHistory(instanceId, item.instance.executionId);
  const length = history.reduce((n, c) => n + c.events.length, 0);
  const ok = await store.commitEpisode(episode(item, [orchestratorStarted(now), orchestratorCompleted(now)], { firstEventIndex: length, update, now }));
  if (!ok) throw new Error('commit failed');
  await store.releaseWork(item, { moreWork: false, succeeded: true, now });
  for (const other of others) await store.releaseWork(other, { moreWork: true, succeeded: false, now });
}

/** All events of an execution, in order. */
export async function allEvents(store: InstanceStore, instanceId: string, executionId: string): Promise<HistoryEvent[]> {
  return (await store.loadHistory(instanceId, executionId)).flatMap((c) => c.events);
}
