// The dispatcher's choice of what to start: a chunk that answers its own activities (scheduling and result committed
// together, see startEagerly) re-dispatched after a crash starts only what is still open; and what it starts early.
import { describe, expect, it } from '@jest/globals';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import type { EntityStore } from '../../../src/ports/entity-store.js';
import type { HistoryChunk, InstanceState, InstanceStore } from '../../../src/ports/instance-store.js';
import type { ActivityJob, StartedActivities, WorkScheduler } from '../../../src/ports/work-scheduler.js';
import { ActionDispatcher } from '../../../src/runtime/action-dispatcher.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const instance: InstanceState = {
  instanceId: 'i1', executionId: 'e1', name: 'Chain', runtimeStatus: 'Running', input: '1', output: undefined, customStatus: undefined,
  createdTime: T0, lastUpdatedTime: T0, historyLength: 0, version: 1, claimAttempts: 1,
};
const scheduled = (sequence: number, name = 'A', limits = false): HistoryEvent => ({
  type: HistoryEventType.TaskScheduled, eventId: sequence, timestamp: T0, name, input: '1', ...(limits ? { limits: { startToCloseTimeoutMs: 1_000 } } : {}),
});
const completed = (sequence: number): HistoryEvent => ({ type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: T0, taskScheduledId: sequence, result: '2' });
const chunk = (events: HistoryEvent[]): HistoryChunk => ({ firstEventIndex: 0, events, consumedMessageIds: [], undispatched: true });
const NOTHING: StartedActivities = { stored: () => Promise.resolve() };

function dispatcher(here = true): { dispatcher: ActionDispatcher; scheduled: ActivityJob[][]; started: ActivityJob[][] } {
  const calls = { scheduled: [] as ActivityJob[][], started: [] as ActivityJob[][] };
  const scheduler = {
    scheduleActivities: (jobs: readonly ActivityJob[]) => {
      calls.scheduled.push([...jobs]);
      return Promise.resolve();
    },
    startActivities: (jobs: readonly ActivityJob[]) => {
      calls.started.push([...jobs]);
      return Promise.resolve(NOTHING);
    },
    startActivitiesHere: (jobs: readonly ActivityJob[]) => {
      calls.started.push([...jobs]);
      return Promise.resolve(here ? NOTHING : undefined);
    },
  } as unknown as WorkScheduler;
  const d = new ActionDispatcher({} as InstanceStore, scheduler, () => undefined, {} as EntityStore, { now: () => T0 });
  return { dispatcher: d, ...calls };
}

describe('ActionDispatcher', () => {
  it('re-dispatches only the activities a chunk does not answer itself', async () => {
    const d = dispatcher();
    await d.dispatcher.dispatch(instance, chunk([scheduled(0), completed(0), scheduled(1)]), { recovering: true });
    expect(d.scheduled.map((jobs) => jobs.map((job) => job.sequence))).toEqual([[1]]);
  });

  it('starts the fresh activities of a takeover the counted way, as a re-dispatch', async () => {
    const d = dispatcher();
    await d.dispatcher.dispatch(instance, chunk([scheduled(0)]), { mayHaveStarted: true });
    expect(d.scheduled).toHaveLength(1);
    expect(d.started).toHaveLength(0);
  });

  it('starts early only a chunk of activities alone, none with limits, not one too slow for it lately', async () => {
    const d = dispatcher();
    expect(await d.dispatcher.startEagerly(instance, chunk([scheduled(0), scheduled(1)]), undefined)).toBeDefined();
    expect(await d.dispatcher.startEagerly(instance, chunk([scheduled(0, 'A', true)]), undefined)).toBeUndefined();
    const timer: HistoryEvent = { type: HistoryEventType.TimerCreated, eventId: 1, timestamp: T0, fireAt: T0 };
    expect(await d.dispatcher.startEagerly(instance, chunk([scheduled(0), timer]), undefined)).toBeUndefined();
    const slow = await d.dispatcher.startEagerly(instance, chunk([scheduled(0, 'Slow')]), undefined);
    d.dispatcher.eagerTooSlow(slow?.jobs ?? []);
    expect(await d.dispatcher.startEagerly(instance, chunk([scheduled(0, 'Slow')]), undefined)).toBeUndefined();
    expect(await d.dispatcher.startEagerly(instance, chunk([scheduled(0, 'A')]), undefined)).toBeDefined();
    // A process without a free slot for each: not started.
    expect(await dispatcher(false).dispatcher.startEagerly(instance, chunk([scheduled(0)]), undefined)).toBeUndefined();
  });
});
