import { describe, expect, it } from '@jest/globals';
import { LockingRulesViolationError, type LockingRule } from '../../../src/core/errors/locking-rules-violation-error.js';
import { NonDeterminismError } from '../../../src/core/errors/non-determinism-error.js';
import { unreleasedEntityLocks } from '../../../src/engine/critical-section.js';
import type { DurableTask } from '../../../src/engine/durable-task.js';
import type { EntityLock } from '../../../src/engine/entity-lock.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import type { OrchestrationDecision } from '../../../src/engine/orchestration-decision.js';
import { EntityId } from '../../../src/core/entity-id.js';
import type { OrchestratorAction } from '../../../src/history/orchestrator-action.js';
import { HistoryBuilder } from '../../../src/testing/history-builder.js';
import { replayHistory } from '../../../src/testing/replay-history.js';

// Node 20 defines Symbol.dispose (as Symbol.for('nodejs.dispose')) in its main realm only; jest runs tests in a vm
// context, where `using` needs it too.
(Symbol as { dispose?: symbol }).dispose ??= Symbol.for('nodejs.dispose');

const from = new EntityId('Account', 'alice');
const to = new EntityId('Account', 'bob');
const other = new EntityId('Account', 'carol');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const unlocks = (decision: OrchestrationDecision): OrchestratorAction[] => decision.actions.filter((a) => a.type === 'UnlockEntity');
const types = (decision: OrchestrationDecision): string[] => decision.newHistory.map((e) => e.type);

/** Moves money between two accounts inside a critical section, then notifies the sender (outside it). */
class Transfer {
  readonly seen: Array<{ inside: boolean; locked: string[] }> = [];
  lock: EntityLock | undefined;

  #look(ctx: OrchestrationContext): void {
    this.seen.push({ inside: ctx.isInCriticalSection, locked: ctx.lockedEntities.map((e) => e.instanceId) });
  }

  async run(ctx: OrchestrationContext<number>): Promise<string> {
    this.#look(ctx);
    // Out of order and with a duplicate: the lock set is sorted and unique.
    const request = ctx.lockEntities(to, from, to);
    this.#look(ctx);
    const lock = await request;
    this.lock = lock;
    this.#look(ctx);
    const balance = await ctx.callEntity<number>(from, 'get');
    if (balance >= ctx.input) {
      await ctx.whenAll([ctx.callEntity(from, 'add', -ctx.input), ctx.callEntity(to, 'add', ctx.input)]);
    }
    lock.release();
    this.#look(ctx);
    ctx.signalEntity(from, 'notify', balance >= ctx.input ? 'sent' : 'refused');
    return balance >= ctx.input ? 'done' : 'insufficient';
  }
}

/** The lock requested (#0) and granted. */
const granted = (): HistoryBuilder => new HistoryBuilder({ name: 'Transfer', input: 30 })
  .entityLockRequested([from, to]).orchestratorCompleted()
  .advance(1_000).orchestratorStarted().entityLockGranted(0);

/** Granted, balance read (#1 = 100), both moves (#2, #3) answered: the code releases now. */
const moved = (): HistoryBuilder => granted()
  .entityOperationCalled(from, 'get').orchestratorCompleted()
  .advance(1_000).orchestratorStarted().entityOperationCompleted(1, 100)
  .entityOperationCalled(from, 'add', -30).entityOperationCalled(to, 'add', 30).orchestratorCompleted()
  .advance(1_000).orchestratorStarted().entityOperationCompleted(3).entityOperationCompleted(2);

describe('ctx.lockEntities', () => {
  it('first episode: a LockEntities action with a sorted, unique lock set and a deterministic critical section ID', async () => {
    const first = await replayHistory(Transfer, new HistoryBuilder({ name: 'Transfer', input: 30 }));
    const again = await replayHistory(Transfer, new HistoryBuilder({ name: 'Transfer', input: 30 }));
    const recorded = new HistoryBuilder({ name: 'Transfer', input: 30 }).entityLockRequested([to, from]).build();

    expect(first.actions).toEqual([{ type: 'LockEntities', sequence: 0, criticalSectionId: expect.stringMatching(UUID), lockSet: ['@account@alice', '@account@bob'] }]);
    expect(first.newHistory[0]).toEqual(expect.objectContaining({ type: 'EntityLockRequested', eventId: 0, lockSet: ['@account@alice', '@account@bob'] }));
    expect(again.actions).toEqual(first.actions);
    // The history builder derives the same ID the engine does.
    expect(recorded.at(-1)).toEqual(expect.objectContaining({ criticalSectionId: (first.actions[0] as { criticalSectionId: string }).criticalSectionId }));
  });

  it('a different execution or instance gets a different critical section ID', async () => {
    const idOf = async (options: { instanceId?: string; executionId?: string }): Promise<string> => {
      const decision = await replayHistory(Transfer, new HistoryBuilder({ name: 'Transfer', input: 30, ...options }));
      return (decision.actions[0] as { criticalSectionId: string }).criticalSectionId;
    };

    const ids = new Set([await idOf({}), await idOf({ executionId: 'second' }), await idOf({ instanceId: 'other' })]);

    expect(ids.size).toBe(3);
  });

  it('does not change the GUIDs ctx.newGuid() gives', async () => {
    const guids: string[][] = [];
    class Guids {
      constructor(private readonly lock: boolean) {}
      async run(ctx: OrchestrationContext): Promise<void> {
        const mine = [ctx.newGuid()];
        if (this.lock) void ctx.lockEntities(from);
        mine.push(ctx.newGuid());
        guids.push(mine);
        await ctx.callActivity('Wait');
      }
    }

    await replayHistory(new Guids(false), new HistoryBuilder({ name: 'Guids' }));
    await replayHistory(new Guids(true), new HistoryBuilder({ name: 'Guids' }));

    expect(guids[1]).toEqual(guids[0]);
  });

  it('completes with the lock on EntityLockGranted; the code then calls the locked entities', async () => {
    const orchestrator = new Transfer();

    const decision = await replayHistory(orchestrator, granted());

    expect(decision.actions).toEqual([{ type: 'CallEntity', sequence: 1, targetInstanceId: '@account@alice', operation: 'get', input: undefined }]);
    expect(orchestrator.lock?.criticalSectionId).toMatch(UUID);
    expect(orchestrator.lock?.entities.map((e) => e.instanceId)).toEqual(['@account@alice', '@account@bob']);
    expect(orchestrator.lock?.isReleased).toBe(false);
  });

  it('isInCriticalSection and lockedEntities: from the request until the release', async () => {
    const orchestrator = new Transfer();

    await replayHistory(orchestrator, moved());

    const locked = ['@account@alice', '@account@bob'];
    expect(orchestrator.seen).toEqual([
      { inside: false, locked: [] },
      { inside: true, locked }, // requested, not granted yet
      { inside: true, locked },
      { inside: false, locked: [] },
    ]);
  });

  it('release() sends one UnlockEntity per locked entity, then the code is outside again', async () => {
    const orchestrator = new Transfer();

    const decision = await replayHistory(orchestrator, moved());

    const id = orchestrator.lock?.criticalSectionId;
    expect(decision.actions).toEqual([
      { type: 'UnlockEntity', sequence: 4, criticalSectionId: id, targetInstanceId: '@account@alice' },
      { type: 'UnlockEntity', sequence: 5, criticalSectionId: id, targetInstanceId: '@account@bob' },
      { type: 'SignalEntity', sequence: 6, targetInstanceId: '@account@alice', operation: 'notify', input: '"sent"' },
    ]);
    expect(types(decision)).toEqual(['EntityUnlockSent', 'EntityUnlockSent', 'EntityOperationSignaled', 'ExecutionCompleted', 'OrchestratorCompleted']);
    expect(decision.newHistory[0]).toEqual(expect.objectContaining({ eventId: 4, criticalSectionId: id, targetInstanceId: '@account@alice' }));
    expect(decision.completion).toEqual({ status: 'Completed', output: '"done"' });
    expect(orchestrator.lock?.isReleased).toBe(true);
  });

  it('a released lock is not released again in later episodes (replay sees EntityUnlockSent)', async () => {
    class ReleaseThenWork {
      async run(ctx: OrchestrationContext): Promise<void> {
        const lock = await ctx.lockEntities(from);
        lock.release();
        lock.release(); // idempotent
        lock[Symbol.dispose]();
        await ctx.callActivity('Work');
      }
    }
    const history = new HistoryBuilder({ name: 'ReleaseThenWork' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0);
    const releasing = await replayHistory(ReleaseThenWork, history);
    history.append(releasing.newHistory).advance(1_000).orchestratorStarted().taskCompleted(2);

    const done = await replayHistory(ReleaseThenWork, history);

    expect(releasing.actions.map((a) => a.type)).toEqual(['UnlockEntity', 'ScheduleTask']);
    expect(done.actions).toEqual([]);
    expect(types(done)).toEqual(['ExecutionCompleted', 'OrchestratorCompleted']);
  });

  it('adopts the critical section ID recorded in history', async () => {
    const orchestrator = new Transfer();
    const history = new HistoryBuilder({ name: 'Transfer', input: 30 })
      .entityLockRequested([from, to], 'recorded-section').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0)
      .entityOperationCalled(from, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(1, 0);

    const decision = await replayHistory(orchestrator, history);

    expect(orchestrator.lock?.criticalSectionId).toBe('recorded-section');
    expect(unlocks(decision)).toEqual([
      expect.objectContaining({ criticalSectionId: 'recorded-section', targetInstanceId: '@account@alice' }),
      expect.objectContaining({ criticalSectionId: 'recorded-section', targetInstanceId: '@account@bob' }),
    ]);
    expect(decision.completion).toEqual({ status: 'Completed', output: '"insufficient"' });
  });

  it('a different lock set at a recorded lock request is non-deterministic', async () => {
    class LocksMore {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.lockEntities(from, to, other);
      }
    }

    const error = await replayHistory(LocksMore, granted()).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error).toMatchObject({
      sequence: 0,
      expected: "a lock on '@account@alice', '@account@bob'",
      actual: "a lock on '@account@alice', '@account@bob', '@account@carol'",
    });
  });

  it('a release the recorded history does not have is non-deterministic', async () => {
    class ReleasesEarly {
      async run(ctx: OrchestrationContext): Promise<void> {
        const lock = await ctx.lockEntities(from);
        lock.release();
        await ctx.callEntity(from, 'get');
      }
    }
    // Recorded by code that called `get` inside the critical section.
    const history = new HistoryBuilder({ name: 'ReleasesEarly' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityOperationCalled(from, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(1);

    const error = await replayHistory(ReleasesEarly, history).then(() => undefined, (e: unknown) => e);

    expect(error).toMatchObject({ code: 'NON_DETERMINISM', sequence: 1, expected: "a call of 'get' on entity '@account@alice'", actual: "the release of entity '@account@alice'" });
  });

  it('a grant arriving while suspended is held until the resume', async () => {
    const history = new HistoryBuilder({ name: 'Transfer', input: 30 }).entityLockRequested([from, to]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().executionSuspended().entityLockGranted(0);
    const suspended = await replayHistory(Transfer, history);
    history.append(suspended.newHistory).advance(1_000).orchestratorStarted().executionResumed();

    const resumed = await replayHistory(Transfer, history);

    expect(suspended.actions).toEqual([]);
    expect(resumed.actions).toEqual([expect.objectContaining({ type: 'CallEntity', operation: 'get' })]);
  });

  it('works with `using`: the lock is released at the end of the block, once', async () => {
    class Scoped {
      async run(ctx: OrchestrationContext): Promise<number> {
        let value: number;
        {
          using lock = await ctx.lockEntities(from);
          value = await ctx.callEntity<number>(from, 'get');
          if (!lock.isReleased) ctx.setCustomStatus('inside');
        }
        await ctx.callActivity('After', value);
        return value;
      }
    }
    const history = new HistoryBuilder({ name: 'Scoped' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityOperationCalled(from, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(1, 9);
    const leaving = await replayHistory(Scoped, history);
    history.append(leaving.newHistory).advance(1_000).orchestratorStarted().taskCompleted(3);

    const done = await replayHistory(Scoped, history);

    expect(leaving.actions).toEqual([
      expect.objectContaining({ type: 'UnlockEntity', sequence: 2, targetInstanceId: '@account@alice' }),
      expect.objectContaining({ type: 'ScheduleTask', sequence: 3, name: 'After', input: '9' }),
    ]);
    expect(done.completion).toEqual({ status: 'Completed', output: '9' });
    expect(unlocks(done)).toEqual([]);
  });

  it('works in generator orchestrators', async () => {
    class Yielding {
      *run(ctx: OrchestrationContext): Generator<unknown, number, unknown> {
        const lock = (yield ctx.lockEntities(from, to)) as EntityLock;
        const values = (yield ctx.whenAll([ctx.callEntity<number>(from, 'get'), ctx.callEntity<number>(to, 'get')])) as number[];
        lock.release();
        return values.reduce((a, b) => a + b, 0);
      }
    }
    const history = new HistoryBuilder({ name: 'Yielding' }).entityLockRequested([from, to]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityOperationCalled(from, 'get').entityOperationCalled(to, 'get')
      .orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(2, 5).entityOperationCompleted(1, 4);

    const decision = await replayHistory(Yielding, history);

    expect(decision.completion).toEqual({ status: 'Completed', output: '9' });
    expect(unlocks(decision).map((a) => a.sequence)).toEqual([3, 4]);
  });

  it('needs at least one entity', async () => {
    let code: string | undefined;
    class Empty {
      run(ctx: OrchestrationContext): void {
        try {
          void ctx.lockEntities();
        } catch (error) {
          code = (error as LockingRulesViolationError).code;
        }
      }
    }

    const decision = await replayHistory(Empty, new HistoryBuilder({ name: 'Empty' }));

    expect(code).toBe('INVALID_ARGUMENT');
    expect(decision.actions).toEqual([]);
  });
});

/**
 * Locks `from` and `to`, optionally waits for the grant, then tries `attempt` and records what it threw (synchronously:
 * the violation must come from the ctx call itself).
 */
class Probe {
  thrown: unknown = 'nothing thrown';
  constructor(private readonly attempt: (ctx: OrchestrationContext) => unknown, private readonly awaitGrant = true) {}

  async run(ctx: OrchestrationContext): Promise<string> {
    const request = ctx.lockEntities(from, to);
    if (this.awaitGrant) await request;
    try {
      this.attempt(ctx);
    } catch (error) {
      this.thrown = error;
    }
    await ctx.callActivity('Park');
    return 'parked';
  }
}

const lockPending = (): HistoryBuilder => new HistoryBuilder({ name: 'Probe' });
const lockGranted = (): HistoryBuilder => new HistoryBuilder({ name: 'Probe' }).entityLockRequested([from, to]).orchestratorCompleted()
  .advance(1_000).orchestratorStarted().entityLockGranted(0);

async function violation(attempt: (ctx: OrchestrationContext) => unknown, awaitGrant = true): Promise<LockingRulesViolationError> {
  const probe = new Probe(attempt, awaitGrant);
  await replayHistory(probe, awaitGrant ? lockGranted() : lockPending());
  if (!(probe.thrown instanceof LockingRulesViolationError)) throw new Error(`expected a LockingRulesViolationError, got ${String(probe.thrown)}`);
  return probe.thrown;
}

describe('critical section rules (each a LockingRulesViolationError from the ctx call)', () => {
  it.each<[string, (ctx: OrchestrationContext) => unknown, boolean, LockingRule, string]>([
    ['no nested lock while holding one', (ctx) => ctx.lockEntities(other), true, 'NestedLock', 'Must not enter another critical section from within a critical section'],
    ['no nested lock while the request is pending', (ctx) => ctx.lockEntities(other), false, 'NestedLock', 'while a lock request is pending'],
    ['no nested lock of the same entities', (ctx) => ctx.lockEntities(from), true, 'NestedLock', 'holds locks on'],
    ['no call before the lock is granted', (ctx) => ctx.callEntity(from, 'get'), false, 'CallBeforeLockGranted', 'Must await the completion of the lock request'],
    ['calls only to locked entities', (ctx) => ctx.callEntity(other, 'get'), true, 'CallToUnlockedEntity', "'@account@carol' is not among '@account@alice', '@account@bob'"],
    ['not two calls to the same entity at once', (ctx) => ctx.whenAll([ctx.callEntity(from, 'get'), ctx.callEntity(from, 'get')]), true, 'ConcurrentCall', 'prior call to the same entity is still pending'],
    ['no signal to a locked entity', (ctx) => ctx.signalEntity(to, 'add', 1), true, 'SignalToLockedEntity', "'@account@bob' is locked"],
    ['no signal to a locked entity while the request is pending', (ctx) => ctx.signalEntity(to, 'add', 1), false, 'SignalToLockedEntity', 'Must not signal a locked entity'],
    ['no sub-orchestrator', (ctx) => ctx.callSubOrchestrator('Child'), true, 'SubOrchestrationInCriticalSection', 'Must not call a sub-orchestrator from a critical section'],
    ['no sub-orchestrator (with retry) while the request is pending', (ctx) => ctx.callSubOrchestratorWithRetry('Child', { firstRetryIntervalInMilliseconds: 1_000, maxNumberOfAttempts: 2 }), false, 'SubOrchestrationInCriticalSection', 'sub-orchestrator'],
  ])('%s', async (_title, attempt, awaitGrant, rule, message) => {
    const error = await violation(attempt, awaitGrant);

    expect(error.code).toBe('LOCKING_RULES_VIOLATION');
    expect(error.rule).toBe(rule);
    expect(error.message).toContain(message);
  });

  it('a refused call takes no step: the orchestration goes on with the next action number', async () => {
    const probe = new Probe((ctx) => ctx.callEntity(other, 'get'));

    const decision = await replayHistory(probe, lockGranted());

    expect(decision.actions).toEqual([{ type: 'ScheduleTask', sequence: 1, name: 'Park', input: undefined }]);
  });

  it.each<[string, (ctx: OrchestrationContext) => unknown, string[]]>([
    ['one call to each locked entity at once', (ctx) => ctx.whenAll([ctx.callEntity(from, 'get'), ctx.callEntity(to, 'get')]), ['CallEntity', 'CallEntity']],
    ['a signal to an entity that is not locked', (ctx) => ctx.signalEntity(other, 'add', 1), ['SignalEntity']],
    ['activities, timers and events', (ctx) => [ctx.callActivity('Audit'), ctx.createTimer(ctx.currentUtcDateTime), ctx.waitForExternalEvent('Go')], ['ScheduleTask', 'CreateTimer']],
  ])('allowed inside: %s', async (_title, attempt, actions) => {
    const probe = new Probe(attempt);

    const decision = await replayHistory(probe, lockGranted());

    expect(probe.thrown).toBe('nothing thrown');
    expect(decision.actions.map((a) => a.type)).toEqual([...actions, 'ScheduleTask']);
  });

  it('a locked entity may be called again once its previous call has completed', async () => {
    class Sequential {
      async run(ctx: OrchestrationContext): Promise<number> {
        const lock = await ctx.lockEntities(from);
        const a = await ctx.callEntity<number>(from, 'get');
        const b = await ctx.callEntity<number>(from, 'get');
        lock.release();
        return a + b;
      }
    }
    const history = new HistoryBuilder({ name: 'Sequential' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityOperationCalled(from, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationFailed(1, new Error('transient'));
    class Retrying {
      async run(ctx: OrchestrationContext): Promise<string> {
        await ctx.lockEntities(from);
        try {
          await ctx.callEntity(from, 'get');
        } catch {
          await ctx.callEntity(from, 'get');
        }
        return 'ok';
      }
    }

    const afterFailure = await replayHistory(Retrying, history);
    const second = await replayHistory(Sequential, new HistoryBuilder({ name: 'Sequential' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityOperationCalled(from, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationCompleted(1, 1));

    expect(afterFailure.actions).toEqual([expect.objectContaining({ type: 'CallEntity', sequence: 2 })]);
    expect(second.actions).toEqual([expect.objectContaining({ type: 'CallEntity', sequence: 2 })]);
  });

  it('outside critical sections everything is allowed again, including a new lock', async () => {
    class Twice {
      async run(ctx: OrchestrationContext): Promise<void> {
        const first = await ctx.lockEntities(from);
        first.release();
        ctx.signalEntity(from, 'add', 1);
        void ctx.callEntity(other, 'get');
        void ctx.callSubOrchestrator('Child');
        const second = await ctx.lockEntities(from, to);
        first.release(); // the old lock: no effect on the new critical section
        if (!ctx.isInCriticalSection || second.isReleased) throw new Error('the second critical section ended');
      }
    }
    const history = new HistoryBuilder({ name: 'Twice' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0);

    const decision = await replayHistory(Twice, history);

    expect(decision.actions.map((a) => a.type)).toEqual(['UnlockEntity', 'SignalEntity', 'CallEntity', 'CreateSubOrchestration', 'LockEntities']);
  });

  it('an uncaught violation fails the orchestration with it, and the locks are released', async () => {
    class Careless {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.lockEntities(from);
        await ctx.callEntity(other, 'get');
      }
    }
    const history = new HistoryBuilder({ name: 'Careless' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0);

    const decision = await replayHistory(Careless, history);

    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorType: 'LockingRulesViolationError' } });
    expect(decision.actions).toEqual([expect.objectContaining({ type: 'UnlockEntity', sequence: 1, targetInstanceId: '@account@alice' })]);
  });
});

/** Locks both accounts, then does what `inside` says while holding them. */
class HoldsLocks {
  constructor(private readonly inside: (ctx: OrchestrationContext<number>) => DurableTask<unknown> | string) {}

  async run(ctx: OrchestrationContext<number>): Promise<unknown> {
    await ctx.lockEntities(from, to);
    return this.inside(ctx);
  }
}

const holding = (): HistoryBuilder => new HistoryBuilder({ name: 'HoldsLocks', input: 1 })
  .entityLockRequested([from, to]).orchestratorCompleted()
  .advance(1_000).orchestratorStarted().entityLockGranted(0);

const autoUnlocks = (decision: OrchestrationDecision, firstSequence: number): unknown[] => [
  { type: 'UnlockEntity', sequence: firstSequence, criticalSectionId: expect.stringMatching(UUID), targetInstanceId: '@account@alice' },
  { type: 'UnlockEntity', sequence: firstSequence + 1, criticalSectionId: (decision.actions.find((a) => a.type === 'UnlockEntity') as { criticalSectionId: string } | undefined)?.criticalSectionId, targetInstanceId: '@account@bob' },
];

describe('locks still held when the execution ends are released', () => {
  it('on completion', async () => {
    const decision = await replayHistory(new HoldsLocks(() => 'done'), holding());

    expect(decision.completion).toEqual({ status: 'Completed', output: '"done"' });
    expect(decision.actions).toEqual(autoUnlocks(decision, 1));
    expect(types(decision)).toEqual(['EntityUnlockSent', 'EntityUnlockSent', 'ExecutionCompleted', 'OrchestratorCompleted']);
  });

  it('on failure thrown inside the critical section', async () => {
    const decision = await replayHistory(new HoldsLocks(() => { throw new Error('bug inside'); }), holding());

    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorMessage: 'bug inside' } });
    expect(decision.actions).toEqual(autoUnlocks(decision, 1));
    expect(types(decision)).toEqual(['EntityUnlockSent', 'EntityUnlockSent', 'ExecutionCompleted', 'OrchestratorCompleted']);
  });

  it('on failure of an awaited call inside the critical section, after the actions taken so far', async () => {
    class FailsInside {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.lockEntities(from, to);
        ctx.signalEntity(other, 'audit');
        await ctx.callEntity(from, 'withdraw', 1_000);
      }
    }
    const history = new HistoryBuilder({ name: 'FailsInside' }).entityLockRequested([from, to]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityOperationSignaled(other, 'audit')
      .entityOperationCalled(from, 'withdraw', 1_000).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityOperationFailed(2, new Error('overdrawn'));

    const decision = await replayHistory(FailsInside, history);

    expect(decision.completion).toMatchObject({ status: 'Failed' });
    expect(decision.actions).toEqual(autoUnlocks(decision, 3));
  });

  it('on continueAsNew', async () => {
    const orchestrator = new HoldsLocks((ctx) => {
      ctx.continueAsNew(ctx.input + 1);
      return 'again';
    });

    const decision = await replayHistory(orchestrator, holding());

    expect(decision.completion).toEqual({ status: 'ContinuedAsNew', input: '2', carryoverEvents: [] });
    expect(decision.actions).toEqual(autoUnlocks(decision, 1));
    expect(types(decision)).toEqual(['EntityUnlockSent', 'EntityUnlockSent', 'ContinueAsNew', 'OrchestratorCompleted']);
  });

  it('on termination, and nothing else is started', async () => {
    const waiting = new HoldsLocks((ctx) => ctx.callEntity(from, 'get'));
    const recorded = new HistoryBuilder({ name: 'HoldsLocks', input: 1 }).entityLockRequested([from, to]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityOperationCalled(from, 'get').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().executionTerminated('stop');

    const decision = await replayHistory(waiting, recorded);

    expect(decision.completion).toEqual({ status: 'Terminated', reason: '"stop"' });
    expect(decision.actions).toEqual(autoUnlocks(decision, 2));
    expect(types(decision)).toEqual(['EntityUnlockSent', 'EntityUnlockSent', 'ExecutionCompleted', 'OrchestratorCompleted']);
  });

  it('on termination in the episode where the lock is granted: unlocks only, not the call the code made', async () => {
    const decision = await replayHistory(new HoldsLocks((ctx) => ctx.callEntity(from, 'get')), holding().executionTerminated('stop'));

    expect(decision.actions).toEqual(autoUnlocks(decision, 2));
    expect(decision.newHistory.map((e) => e.eventId)).toEqual([2, 3, -1, -1]);
  });

  it('on termination with the lock request still pending: every entity of the request', async () => {
    const history = new HistoryBuilder({ name: 'HoldsLocks', input: 1 }).entityLockRequested([from, to]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().executionTerminated();

    const decision = await replayHistory(new HoldsLocks(() => 'never'), history);

    expect(decision.completion).toEqual({ status: 'Terminated', reason: undefined });
    expect(decision.actions).toEqual(autoUnlocks(decision, 1));
  });

  it('on termination right after a release in the same episode: that release is still sent, once', async () => {
    class ReleaseThenWork {
      async run(ctx: OrchestrationContext): Promise<void> {
        const lock = await ctx.lockEntities(from);
        lock.release();
        await ctx.callActivity('Work');
      }
    }
    const history = new HistoryBuilder({ name: 'ReleaseThenWork' }).entityLockRequested([from]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).executionTerminated();

    const decision = await replayHistory(ReleaseThenWork, history);

    expect(decision.actions).toEqual([expect.objectContaining({ type: 'UnlockEntity', sequence: 1, targetInstanceId: '@account@alice' })]);
  });

  it('a lock request not sent yet when the execution ends is dropped (nothing to release)', async () => {
    class LocksAndLeaves {
      run(ctx: OrchestrationContext): string {
        void ctx.lockEntities(from);
        return 'left';
      }
    }
    class LocksThenWaits {
      async run(ctx: OrchestrationContext): Promise<void> {
        await ctx.waitForExternalEvent('Go');
        await ctx.lockEntities(from);
      }
    }

    const completed = await replayHistory(LocksAndLeaves, new HistoryBuilder({ name: 'LocksAndLeaves' }));
    const terminated = await replayHistory(LocksThenWaits, new HistoryBuilder({ name: 'LocksThenWaits' }).eventRaised('Go').executionTerminated());

    expect(completed.completion).toEqual({ status: 'Completed', output: '"left"' });
    expect(completed.actions).toEqual([]);
    expect(types(completed)).toEqual(['ExecutionCompleted', 'OrchestratorCompleted']);
    expect(terminated.actions).toEqual([]);
    expect(types(terminated)).toEqual(['ExecutionCompleted', 'OrchestratorCompleted']);
  });

  it('a lock released by the code is not released again at the end', async () => {
    class ReleasesThenThrows {
      async run(ctx: OrchestrationContext): Promise<void> {
        {
          using _lock = await ctx.lockEntities(from, to);
          throw new Error('thrown inside the using block');
        }
      }
    }
    const history = new HistoryBuilder({ name: 'ReleasesThenThrows' }).entityLockRequested([from, to]).orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0);

    const decision = await replayHistory(ReleasesThenThrows, history);

    expect(decision.completion).toMatchObject({ status: 'Failed', failureDetails: { errorMessage: 'thrown inside the using block' } });
    expect(decision.actions).toEqual(autoUnlocks(decision, 1));
  });
});

describe('unreleasedEntityLocks (for the runtime, when it ends an execution without replaying it)', () => {
  it('lists each entity of every lock request not released in history, granted or pending', () => {
    const history = new HistoryBuilder({ name: 'X' })
      .entityLockRequested([from], 'first').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(0).entityLockReleased(0)
      .entityLockRequested([to, other], 'second').orchestratorCompleted()
      .advance(1_000).orchestratorStarted().entityLockGranted(2).entityUnlockSent(2, other)
      .entityLockRequested([from], 'third');

    expect(unreleasedEntityLocks(history.build())).toEqual([
      { criticalSectionId: 'second', targetInstanceId: '@account@bob' },
      { criticalSectionId: 'third', targetInstanceId: '@account@alice' },
    ]);
    expect(unreleasedEntityLocks(new HistoryBuilder({ name: 'X' }).build())).toEqual([]);
  });

  it('agrees with the replay: nothing is left once the execution has ended', async () => {
    const history = holding();
    const decision = await replayHistory(new HoldsLocks(() => 'done'), history);

    expect(unreleasedEntityLocks(history.build())).toHaveLength(2);
    expect(unreleasedEntityLocks([...history.build(), ...decision.newHistory])).toEqual([]);
  });
});
