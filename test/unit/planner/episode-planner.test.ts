// The episode planner: instance, history and messages in; what to apply, commit and discard out. No I/O.
import { describe, expect, it } from '@jest/globals';
import { NonDeterminismError } from '../../../src/core/errors/non-determinism-error.js';
import type { OrchestrationDecision } from '../../../src/engine/orchestration-decision.js';
import { HistoryEventType, type HistoryEvent } from '../../../src/history/history-event.js';
import { OrchestratorActionType } from '../../../src/history/orchestrator-action.js';
import { HistoryView } from '../../../src/planner/history-view.js';
import { planCommit } from '../../../src/planner/plan-commit.js';
import { deferredNowApplicable, planIntake, type Intake } from '../../../src/planner/plan-intake.js';
import type { HistoryChunk, InboxMessage, InstanceState } from '../../../src/ports/instance-store.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const LIMITS = { maxHistoryEvents: 1_000, maxActionsPerEpisode: 100 };

function instance(overrides: Partial<InstanceState> = {}): InstanceState {
  return {
    instanceId: 'i1', executionId: 'e1', name: 'Chain', runtimeStatus: 'Running', input: '1', output: undefined, customStatus: undefined,
    createdTime: T0, lastUpdatedTime: T0, historyLength: 0, version: 1, claimAttempts: 1, ...overrides,
  };
}

const chunk = (events: readonly HistoryEvent[], firstEventIndex = 0, consumedMessageIds: string[] = []): HistoryChunk =>
  ({ firstEventIndex, events, consumedMessageIds, undispatched: false });

const message = (id: string, event: HistoryEvent, executionId?: string): InboxMessage =>
  ({ id, instanceId: 'i1', event, createdAt: event.timestamp, ...(executionId === undefined ? {} : { executionId }) });

const completed = (sequence: number, result = '"r"'): HistoryEvent =>
  ({ type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: at(5), taskScheduledId: sequence, result });

/** One episode recorded: started, activity #0 scheduled, completed. */
function oneActivityView(): HistoryView {
  const events = new HistoryBuilder({ name: 'Chain', instanceId: 'i1', executionId: 'e1', input: 1, startTime: T0 })
    .taskScheduled('A', 1).orchestratorCompleted().build();
  return HistoryView.fromChunks([chunk(events, 0, ['m0'])]);
}

const run = (intake: Intake): Extract<Intake, { kind: 'run' }> => {
  if (intake.kind !== 'run') throw new Error(`expected a run, got ${intake.kind}`);
  return intake;
};

function decision(overrides: Partial<OrchestrationDecision> = {}): OrchestrationDecision {
  return {
    actions: [{ type: OrchestratorActionType.ScheduleTask, sequence: 1, name: 'A', input: '2' }],
    customStatus: undefined, completion: undefined, suspended: false,
    newHistory: [
      { type: HistoryEventType.TaskScheduled, eventId: 1, timestamp: at(10), name: 'A', input: '2' },
      { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: at(10) },
    ],
    ...overrides,
  };
}

describe('HistoryView', () => {
  it('counts a cancellation the code recorded as the answer: the activity is no longer open, a late result is a duplicate', () => {
    const view = oneActivityView();
    view.append(chunk([{ type: HistoryEventType.TaskCancelRequested, eventId: -1, timestamp: at(2), taskScheduledId: 0 }], view.length));
    expect(view.openActivities).toBe(0);
    expect(view.isAnswered(0)).toBe(true);
    const intake = planIntake({ instance: instance(), view, queued: [message('late', completed(0))], local: [], now: at(9), engineVersion: 2 });
    expect(intake).toMatchObject({ kind: 'idle', deleteMessageIds: ['late'] });
    // A result recorded in the same episode before the cancellation closes the action once: no double count.
    const both = oneActivityView();
    both.append(chunk([completed(0), { type: HistoryEventType.TaskCancelRequested, eventId: -1, timestamp: at(6), taskScheduledId: 0 }], both.length));
    expect(both.openActivities).toBe(0);
  });

  it('summarizes a history as it grows: length, open activities, scheduled and answered actions, consumed messages', () => {
    const view = oneActivityView();
    expect(view.length).toBe(4);
    expect(view.openActivities).toBe(1);
    expect(view.isScheduled(0)).toBe(true);
    expect(view.isAnswered(0)).toBe(false);
    expect(view.consumed('m0')).toBe(true);
    view.append(chunk([{ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: at(5) }, completed(0)], 4));
    expect(view.length).toBe(6);
    expect(view.openActivities).toBe(0);
    expect(view.isAnswered(0)).toBe(true);
    expect(view.approximateBytes).toBeGreaterThan(0);
  });

  it('keeps only the last loaded chunk as possibly undispatched, and forgets it once a chunk is appended', () => {
    const events = new HistoryBuilder({ name: 'Chain', startTime: T0 }).taskScheduled('A').orchestratorCompleted().build();
    const view = HistoryView.fromChunks([{ ...chunk(events.slice(0, 2)), undispatched: true }, { ...chunk(events.slice(2), 2), undispatched: true }]);
    expect(view.undispatchedChunk?.firstEventIndex).toBe(2);
    view.append(chunk([{ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: at(1) }], view.length));
    expect(view.undispatchedChunk).toBeUndefined();
  });
});

describe('planIntake', () => {
  it('starts a new execution with OrchestratorStarted, ExecutionStarted and carried-over events, then the messages', () => {
    const raised: HistoryEvent = { type: HistoryEventType.EventRaised, eventId: -1, timestamp: at(1), name: 'go', input: '1' };
    const carried: HistoryEvent = { ...raised, name: 'carried' };
    const intake = run(planIntake({
      instance: instance({ carryoverEvents: [carried] as never }), view: HistoryView.fromChunks([]), queued: [message('m1', raised)], local: [], now: at(2), engineVersion: 7,
    }));
    expect(intake.starting).toBe(true);
    expect(intake.newEvents.map((e) => e.type)).toEqual(['OrchestratorStarted', 'ExecutionStarted', 'EventRaised', 'EventRaised']);
    expect(intake.newEvents[1]).toMatchObject({ name: 'Chain', instanceId: 'i1', executionId: 'e1', input: '1', engineVersion: 7, timestamp: at(2) });
    expect(intake.consumedMessageIds).toEqual(['m1']);
  });

  it('absorbs duplicates, drops stale messages, defers results that precede their scheduling, applies the rest (inbox first, then local)', () => {
    const view = oneActivityView();
    view.append(chunk([{ type: HistoryEventType.OrchestratorStarted, eventId: -1, timestamp: at(5) }, completed(0)], 4, ['m-consumed']));
    view.append(chunk([{ type: HistoryEventType.TaskScheduled, eventId: 1, timestamp: at(6), name: 'A', input: '2' }], 6));
    const intake = run(planIntake({
      instance: instance(),
      view,
      queued: [
        message('m-dup', completed(0), 'e1'),
        message('m-consumed', completed(1), 'e1'),
        message('m-old-exec', completed(1), 'e0'),
        message('m-early', completed(9), 'e1'),
        message('m-ok', completed(1, '"inbox"'), 'e1'),
      ],
      local: [completed(1, '"local"'), completed(0)],
      now: at(7),
      engineVersion: 1,
    }));
    expect(intake.deleteMessageIds).toEqual(['m-consumed', 'm-old-exec', 'm-dup']);
    expect(intake.deferred.map((m) => m.id)).toEqual(['m-early']);
    expect(intake.consumedMessageIds).toEqual(['m-ok']);
    // The inbox's copy of #1 wins; both local results are duplicates, recorded already.
    expect(intake.localAccepted).toEqual([]);
    expect(intake.localRecorded).toEqual([0, 1]);
    expect(intake.newEvents.map((e) => e.type)).toEqual(['OrchestratorStarted', 'TaskCompleted']);
  });

  it('is idle when nothing applies, and finished for a terminal instance (late messages dropped)', () => {
    const view = oneActivityView();
    expect(planIntake({ instance: instance(), view, queued: [], local: [], now: at(1), engineVersion: 1 }).kind).toBe('idle');
    const finished = planIntake({ instance: instance({ runtimeStatus: 'Completed' }), view, queued: [message('m1', completed(0))], local: [completed(0)], now: at(1), engineVersion: 1 });
    expect(finished).toMatchObject({ kind: 'finished', deleteMessageIds: ['m1'], localRecorded: [0] });
  });

  it('finishes what a history records but the instance does not: continue-as-new, completion', () => {
    const base = new HistoryBuilder({ name: 'Chain', startTime: T0 }).build();
    const can = HistoryView.fromChunks([chunk([...base, { type: HistoryEventType.ContinueAsNew, eventId: -1, timestamp: at(1), input: '2' }])]);
    expect(planIntake({ instance: instance(), view: can, queued: [], local: [], now: at(2), engineVersion: 1 }).kind).toBe('continue-as-new');
    const done = HistoryView.fromChunks([chunk([...base, { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: at(1), orchestrationStatus: 'Completed', result: '1' }])]);
    expect(planIntake({ instance: instance(), view: done, queued: [], local: [], now: at(2), engineVersion: 1 }).kind).toBe('sync-completion');
  });

  it('tells when a deferred result becomes applicable after a commit', () => {
    const deferred = [message('m', completed(3))];
    expect(deferredNowApplicable(deferred, [{ type: HistoryEventType.TaskScheduled, eventId: 3, timestamp: T0, name: 'A', input: undefined }])).toBe(true);
    expect(deferredNowApplicable(deferred, [{ type: HistoryEventType.EventSent, eventId: 3, timestamp: T0, instanceId: 'x', name: 'e', input: undefined }])).toBe(false);
  });
});

describe('planCommit', () => {
  const view = oneActivityView();
  const intake = run(planIntake({ instance: instance(), view, queued: [], local: [completed(0)], now: at(10), engineVersion: 1 }));

  it('commits the chunk alone when nothing a reader of the instance sees changes (one write)', () => {
    const plan = planCommit({ instance: instance(), view, intake, outcome: { ok: true, decision: decision() }, now: at(10), limits: LIMITS });
    expect(plan.kind).toBe('commit');
    if (plan.kind !== 'commit') return;
    expect(plan.update).toBeUndefined();
    expect(plan.continuable).toBe(true);
    expect(plan.chunk.firstEventIndex).toBe(4);
    expect(plan.chunk.events.map((e) => e.type)).toEqual(['OrchestratorStarted', 'TaskCompleted', 'TaskScheduled', 'OrchestratorCompleted']);
    expect(plan.chunk.undispatched).toBe(true);
  });

  it('flags a chunk for dispatch only when it has something to carry out: an action, a parent to tell, a termination', () => {
    const ending = (status: 'Completed' | 'Terminated'): OrchestrationDecision => decision({
      actions: [], completion: { status: 'Completed', output: '3' },
      newHistory: [
        { type: HistoryEventType.ExecutionCompleted, eventId: -1, timestamp: at(10), orchestrationStatus: status, result: '3' },
        { type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: at(10) },
      ],
    });
    const flagged = (decided: OrchestrationDecision, of = instance()): boolean | undefined => {
      const plan = planCommit({ instance: of, view, intake, outcome: { ok: true, decision: decided }, now: at(10), limits: LIMITS });
      return plan.kind === 'commit' ? plan.chunk.undispatched : undefined;
    };
    expect(flagged(decision())).toBe(true);
    expect(flagged(ending('Completed'))).toBe(false);
    expect(flagged(ending('Completed'), instance({ parentInstance: { instanceId: 'p', executionId: 'pe', name: 'Parent', taskScheduledId: 0 } }))).toBe(true);
    expect(flagged(ending('Terminated'))).toBe(true);
    expect(flagged(decision({ actions: [], newHistory: [{ type: HistoryEventType.OrchestratorCompleted, eventId: -1, timestamp: at(10) }] }))).toBe(false);
  });

  it('updates the instance for a first episode, a new custom status, a cleared stuck flag, or a completion', () => {
    const changed = (overrides: Parameters<typeof planCommit>[0]): boolean => {
      const plan = planCommit(overrides);
      return plan.kind === 'commit' && plan.update !== undefined;
    };
    const base = { instance: instance(), view, intake, now: at(10), limits: LIMITS };
    expect(changed({ ...base, outcome: { ok: true, decision: decision({ customStatus: '"half"' }) } })).toBe(true);
    expect(changed({ ...base, instance: instance({ stuck: { errorType: 'X', errorMessage: 'x' } }), outcome: { ok: true, decision: decision() } })).toBe(true);
    expect(changed({ ...base, intake: { ...intake, starting: true }, outcome: { ok: true, decision: decision() } })).toBe(true);
    const done = planCommit({ ...base, outcome: { ok: true, decision: decision({ actions: [], completion: { status: 'Completed', output: '3' } }) } });
    expect(done).toMatchObject({ kind: 'commit', runtimeStatus: 'Completed', continuable: false, update: { runtimeStatus: 'Completed', output: '3', completedTime: at(10) } });
  });

  it('fails the execution past the history limit, releasing nothing held and not continuing the live execution', () => {
    const plan = planCommit({ instance: instance(), view, intake, outcome: { ok: true, decision: decision() }, now: at(10), limits: { ...LIMITS, maxHistoryEvents: 6 } });
    expect(plan).toMatchObject({ kind: 'commit', runtimeStatus: 'Failed', continuable: false });
    if (plan.kind !== 'commit') return;
    expect(plan.update?.failureDetails?.errorType).toBe('HistoryLimitExceeded');
    expect(plan.chunk.events.at(-2)).toMatchObject({ type: 'ExecutionCompleted', orchestrationStatus: 'Failed' });
  });

  it('marks the instance stuck when its code cannot run the history, unless a termination is being applied', () => {
    const error = new NonDeterminismError({ sequence: 0, expected: 'a', actual: 'b', hint: 'h' });
    expect(planCommit({ instance: instance(), view, intake, outcome: { ok: false, error }, now: at(10), limits: LIMITS })).toEqual({ kind: 'stuck', error });
    const termination = { type: HistoryEventType.ExecutionTerminated, eventId: -1, timestamp: at(9), reason: '"bye"' } as const;
    const plan = planCommit({ instance: instance(), view, intake: { ...intake, termination }, outcome: { ok: false, error }, now: at(10), limits: LIMITS });
    expect(plan).toMatchObject({ kind: 'commit', runtimeStatus: 'Terminated', continuable: false, update: { runtimeStatus: 'Terminated', output: '"bye"' } });
  });
});
