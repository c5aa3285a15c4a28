// Durable entities end to end through the real MongoDB driver and Agenda: client signals, reads, lists and cleans;
// orchestrations call, signal and lock entities; entities signal entities and start orchestrations. The guarantees
// of issue 5 each have a test: one operation at a time, sender order, rollback of a failed operation, signals never
// lost or applied twice (20 clients × 100 add(1) = 2,000, also with two worker processes), bounded state size.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Db, type Document } from 'mongodb';
import { container } from 'tsyringe';
import {
  Activity, DurableEntity, Entity, EntityId, Orchestrator, type EntityContext, type OrchestrationContext,
} from '../../../src/index.js';
import type { Durably } from '../../../src/app/durably.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';
import { until } from '../../support/test-db.js';
import { startWorkerProcess, type WorkerProcess } from '../../support/worker-process.js';

// ---- Entities --------------------------------------------------------------------------------------------------

/** The class-based Counter of API.md. */
@Entity()
class Counter extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  add(amount: number): void {
    this.state += amount;
  }
  reset(): void {
    this.state = 0;
  }
  get(): number {
    return this.state;
  }
  /** Adds, then fails: the addition must be rolled back. */
  addThenFail(amount: number): void {
    this.state += amount;
    throw new Error(`refused ${amount}`);
  }
  /** Grows the state past any sane limit. */
  explode(): void {
    this.state = Number.NaN;
    (this as unknown as { state: unknown }).state = 'x'.repeat(2 * 1024 * 1024);
  }
}

/** The Counter of the Durable Functions overview, function style, as written there. */
@Entity({ name: 'FnCounter' })
class FnCounter {
  run(ctx: EntityContext<number>): void {
    const currentValue = ctx.getState(() => 0);
    switch (ctx.operationName) {
      case 'add': {
        const amount = ctx.getInput<number>();
        ctx.setState(currentValue + amount);
        break;
      }
      case 'reset':
        ctx.setState(0);
        break;
      case 'get':
        ctx.return(currentValue);
        break;
    }
  }
}

/** Operations that take a while: how many ran at once. */
const slow = { running: 0, most: 0 };
@Entity()
class Slow extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  async add(amount: number): Promise<number> {
    slow.most = Math.max(slow.most, ++slow.running);
    await new Promise((resolve) => setTimeout(resolve, 2));
    slow.running--;
    this.state += amount;
    return this.state;
  }
}

/** Keeps the order in which operations were applied. */
@Entity()
class Journal extends DurableEntity<number[]> {
  protected override initializeState(): number[] {
    return [];
  }
  append(n: number): void {
    this.state = [...this.state, n];
  }
  get(): number[] {
    return this.state;
  }
}

/** A bank account, for critical sections. */
@Entity()
class Account extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  deposit(amount: number): void {
    this.state += amount;
  }
  withdraw(amount: number): void {
    if (amount > this.state) throw new Error(`insufficient funds: ${this.state} < ${amount}`);
    this.state -= amount;
  }
  balance(): number {
    return this.state;
  }
}

/** Forwards to a Counter and starts an orchestration: an entity's outgoing work. */
@Entity()
class Relay extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  forward(amount: number): void {
    this.state += 1;
    this.context.signalEntity(new EntityId('Counter', 'relayed'), 'add', amount);
  }
  kickOff(input: string): void {
    this.context.startNewOrchestration(Echo, input, `kicked-${input}`);
  }
  forwardThenFail(amount: number): void {
    this.context.signalEntity(new EntityId('Counter', 'relayed'), 'add', amount);
    throw new Error('no');
  }
}

// ---- Orchestrations ----------------------------------------------------------------------------------------------

@Activity()
class Shout {
  run(text: string): string {
    return text.toUpperCase();
  }
}

@Orchestrator()
class Echo {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Shout, ctx.input);
  }
}

@Orchestrator()
class CallCounter {
  async run(ctx: OrchestrationContext<string>): Promise<{ value: number; error: string }> {
    const id = new EntityId('Counter', ctx.input);
    await ctx.callEntity(id, 'add', 5);
    ctx.signalEntity(id, 'add', 1);
    let error = '';
    try {
      await ctx.callEntity(id, 'addThenFail', 100);
    } catch (e) {
      error = (e as Error).message;
    }
    const value = await ctx.callEntity<number>(id, 'get');
    return { value, error };
  }
}

@Orchestrator()
class Transfer {
  async run(ctx: OrchestrationContext<{ from: string; to: string; amount: number }>): Promise<string> {
    const from = new EntityId('Account', ctx.input.from);
    const to = new EntityId('Account', ctx.input.to);
    const lock = await ctx.lockEntities(from, to);
    try {
      const balance = await ctx.callEntity<number>(from, 'balance');
      if (balance < ctx.input.amount) return 'insufficient';
      await ctx.whenAll([ctx.callEntity(from, 'withdraw', ctx.input.amount), ctx.callEntity(to, 'deposit', ctx.input.amount)]);
      return 'done';
    } finally {
      lock.release();
    }
  }
}

@Orchestrator()
class SignalThenWait {
  async run(ctx: OrchestrationContext<string>): Promise<void> {
    ctx.signalEntity(new EntityId('Counter', ctx.input), 'add', 1);
    await ctx.waitForExternalEvent('go');
  }
}

@Orchestrator()
class LockAndWait {
  async run(ctx: OrchestrationContext<string>): Promise<void> {
    await ctx.lockEntities(new EntityId('Account', ctx.input));
    await ctx.waitForExternalEvent('never');
  }
}

@Orchestrator()
class ManyCallers {
  async run(ctx: OrchestrationContext<number>): Promise<number[]> {
    const id = new EntityId('Slow', 'callers');
    return ctx.whenAll(Array.from({ length: ctx.input }, () => ctx.callEntity<number>(id, 'add', 1)));
  }
}

@Orchestrator()
class LockAndFail {
  async run(ctx: OrchestrationContext<string>): Promise<void> {
    await ctx.lockEntities(new EntityId('Account', ctx.input));
    throw new Error('failed inside the critical section');
  }
}

// ---- Harness -------------------------------------------------------------------------------------------------------

let mongo: TestMongo;
let client: MongoClient;
let db: Db;
let app: TestApp;
let durably: Durably;

beforeAll(async () => {
  mongo = await startTestMongo();
  client = await MongoClient.connect(mongo.uri);
  db = client.db(mongo.dbName);
  app = await startTestApp({
    mongo, taskHub: 'Entities', container: container.createChildContainer(),
    orchestrators: [Echo, CallCounter, Transfer, LockAndFail, LockAndWait, ManyCallers, SignalThenWait], activities: [Shout],
    entities: [Counter, FnCounter, Journal, Account, Relay, Slow],
  });
  durably = app.durably;
});

afterAll(async () => {
  await app?.stop();
  await client?.close();
  await mongo?.stop();
});

const stateOf = async <T>(id: EntityId): Promise<T | undefined> => (await durably.client.readEntityState<T>(id)).entityState;


// ---- Tests -----------------------------------------------------------------------------------------------------

describe('entities: client', () => {
  it('signals a class-based entity, created on demand, and reads its state', async () => {
    const id = new EntityId('Counter', 'basic');
    expect(await durably.client.readEntityState(id)).toEqual({ entityExists: false, entityState: undefined });
    for (const n of [1, 2, 3]) await durably.client.signalEntity(id, 'add', n);
    await until('the counter is 6', async () => (await stateOf<number>(id)) === 6);
    // Operation names are case-insensitive, like DispatchAsync.
    await durably.client.signalEntity(id, 'ADD', 4);
    await until('the counter is 10', async () => (await stateOf<number>(id)) === 10);
  });

  it('signals through a typed proxy: client.entity(Counter, key).add(1)', async () => {
    const counter = durably.client.entity(Counter, 'proxied');
    await counter.add(2);
    await counter.add(3);
    await until('the counter is 5', async () => (await stateOf<number>(new EntityId('Counter', 'proxied'))) === 5);
    await counter.reset();
    await until('the counter is 0', async () => (await stateOf<number>(new EntityId('Counter', 'proxied'))) === 0);
    // Type-checked against the class (never called: the compiler is the test).
    const misuse = async (): Promise<void> => {
      // @ts-expect-error — not an operation of Counter.
      await counter.subtract(1);
      // @ts-expect-error — add takes a number.
      await counter.add('1');
    };
    expect(typeof misuse).toBe('function');
  });

  it('runs the overview\'s function-style Counter as written', async () => {
    const id = new EntityId('FnCounter', 'overview');
    await durably.client.signalEntity(id, 'add', 5);
    await durably.client.signalEntity(id, 'add', 7);
    await until('the counter is 12', async () => (await stateOf<number>(id)) === 12);
    await durably.client.signalEntity(id, 'reset');
    await until('the counter is 0', async () => (await stateOf<number>(id)) === 0);
  });

  it('applies one sender\'s operations in the order sent', async () => {
    const id = new EntityId('Journal', 'order');
    for (let i = 0; i < 40; i++) await durably.client.signalEntity(id, 'append', i);
    await until('all 40 are applied', async () => ((await stateOf<number[]>(id)) ?? []).length === 40);
    expect(await stateOf<number[]>(id)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('applies 20 concurrent clients × 100 add(1) exactly once each: 2,000', async () => {
    const id = new EntityId('Counter', 'contended');
    await Promise.all(Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 100; i++) await durably.client.signalEntity(id, 'add', 1);
    }));
    await until('the counter reaches 2,000', async () => (await stateOf<number>(id)) === 2000, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stateOf<number>(id)).toBe(2000);
    expect(await db.collection('Entities.inbox').countDocuments({ instanceId: id.instanceId })).toBe(0);
  });

  it('rolls back a failed operation and goes on with the next ones', async () => {
    const id = new EntityId('Counter', 'rollback');
    await durably.client.signalEntity(id, 'add', 1);
    await durably.client.signalEntity(id, 'addThenFail', 50);
    await durably.client.signalEntity(id, 'add', 2);
    await until('the counter is 3', async () => (await stateOf<number>(id)) === 3);
  });

  it('refuses a state over maxPayloadBytes: the operation fails, the state stays', async () => {
    const id = new EntityId('Counter', 'oversize');
    await durably.client.signalEntity(id, 'add', 9);
    await durably.client.signalEntity(id, 'explode');
    await durably.client.signalEntity(id, 'add', 1);
    await until('the counter is 10', async () => (await stateOf<number>(id)) === 10);
  });

  it('deletes the state with the implicit delete operation', async () => {
    const id = new EntityId('Counter', 'deleted');
    await durably.client.signalEntity(id, 'add', 3);
    await until('it exists', async () => (await durably.client.readEntityState(id)).entityExists);
    await durably.client.signalEntity(id, 'delete');
    await until('it is gone', async () => !(await durably.client.readEntityState(id)).entityExists);
  });

  it('applies a scheduled signal not before its time', async () => {
    const id = new EntityId('Counter', 'scheduled');
    const at = new Date(Date.now() + 400);
    await durably.client.signalEntity(id, 'add', 1, { scheduledTime: at });
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Whenever the machine lets this read happen, an applied operation means its time had come.
    const early = await stateOf<number>(id);
    if (early !== undefined) expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    await until('it is applied', async () => (await stateOf<number>(id)) === 1);
    const entity = (await durably.client.listEntities({ entityName: 'Counter', pageSize: 1000 })).entities.find((e) => e.entityId.key === 'scheduled');
    expect(entity?.lastModifiedTime.getTime()).toBeGreaterThanOrEqual(at.getTime());
  });

  it('lists entities (by name, paged, with state) and cleans up empty ones', async () => {
    for (const key of ['a', 'b', 'c']) await durably.client.signalEntity(new EntityId('FnCounter', `list-${key}`), 'add', 1);
    await durably.client.signalEntity(new EntityId('FnCounter', 'list-empty'), 'reset');
    await until('three have state', async () => {
      const all = await durably.client.listEntities({ entityName: 'FnCounter', fetchState: true, pageSize: 1000 });
      return all.entities.filter((e) => e.entityId.key.startsWith('list-') && e.state === 1).length === 3;
    });
    const first = await durably.client.listEntities({ entityName: 'fncounter', pageSize: 2 });
    expect(first.entities).toHaveLength(2);
    expect(first.continuationToken).toBeDefined();
    const rest = await durably.client.listEntities({ entityName: 'FnCounter', pageSize: 1000, continuationToken: first.continuationToken });
    const keys = [...first.entities, ...rest.entities].map((e) => e.entityId.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c']));
    expect([...first.entities, ...rest.entities].every((e) => e.entityId.name === 'fncounter')).toBe(true);

    // A deleted entity (class-based: the implicit delete) has no state: cleaning removes it, and keeps the others.
    const gone = new EntityId('Counter', 'list-gone');
    await durably.client.signalEntity(gone, 'add', 1);
    await until('it exists', async () => (await durably.client.readEntityState(gone)).entityExists);
    await durably.client.signalEntity(gone, 'delete');
    await until('its state is gone', async () => !(await durably.client.readEntityState(gone)).entityExists);
    await until('it is idle', async () => (await db.collection<Document>('Entities.instances').findOne({ _id: gone.instanceId } as Document))?.work?.pending === false);
    const cleaned = await durably.client.cleanEntityStorage();
    expect(cleaned.emptyEntitiesRemoved).toBeGreaterThanOrEqual(1);
    expect((await durably.client.listEntities({ entityName: 'Counter', pageSize: 1000 })).entities.map((e) => e.entityId.key)).not.toContain('list-gone');
    const after = await durably.client.listEntities({ entityName: 'FnCounter', pageSize: 1000 });
    expect(after.entities.map((e) => e.entityId.key)).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c']));
  });

  it('keeps entities out of listInstances', async () => {
    const { instances } = await durably.client.listInstances({ pageSize: 1000 });
    expect(instances.some((i) => i.instanceId.startsWith('@'))).toBe(false);
  });

  it('rejects a bad entity ID or operation with a typed error', async () => {
    const codeOf = (make: () => unknown): unknown => {
      try {
        make();
      } catch (error) {
        return (error as { code?: unknown }).code;
      }
      return undefined;
    };
    expect(codeOf(() => new EntityId('', 'k'))).toBe('INVALID_ENTITY_ID');
    expect(codeOf(() => new EntityId('a@b', 'k'))).toBe('INVALID_ENTITY_ID');
    await expect(durably.client.signalEntity({ name: 'Counter', key: 'x' } as unknown as EntityId, 'add', 1)).rejects.toMatchObject({ code: 'INVALID_ENTITY_ID' });
    await expect(durably.client.signalEntity(new EntityId('Counter', 'x'), '', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('entities: poison operations', () => {
  it('fails, without running it, an operation whose episodes keep crashing their worker; the others apply', async () => {
    const taskHub = 'EntitiesPoison';
    const options = { mongo, taskHub, container: container.createChildContainer(), entities: [Counter], maxEpisodeAttempts: 2 };
    const clientOnly = await startTestApp({ ...options, start: false });
    const id = new EntityId('Counter', 'poisoned');
    await clientOnly.durably.client.signalEntity(id, 'add', 100);
    await clientOnly.durably.client.signalEntity(id, 'add', 1);
    await clientOnly.durably.client.signalEntity(id, 'add', 2);
    await clientOnly.stop();
    // As after three claims whose workers died applying the batch (the next claim is the fourth: past the cap + 1).
    await db.collection<Document>(`${taskHub}.instances`).updateOne({ _id: id.instanceId } as Document, { $set: { claimAttempts: 3 } });
    const worker = await startTestApp(options);
    try {
      await until('the other operations are applied', async () => (await worker.durably.client.readEntityState<number>(id)).entityState === 3);
      expect(await db.collection(`${taskHub}.inbox`).countDocuments({ instanceId: id.instanceId })).toBe(0);
      expect((await db.collection<Document>(`${taskHub}.instances`).findOne({ _id: id.instanceId } as Document))?.claimAttempts).toBe(0);
    } finally {
      await worker.stop();
    }
  });
});

describe('entities: from orchestrations and entities', () => {
  it('calls an entity (result and error delivered) and signals it', async () => {
    const id = await durably.client.startNew(CallCounter, { input: 'called' });
    const status = await durably.client.waitForCompletion(id, { timeoutMs: 20_000 });
    expect(status.runtimeStatus).toBe('Completed');
    const output = status.output as { value: number; error: string };
    expect(output.value).toBe(6);
    expect(output.error).toContain('refused 100');
    expect(await stateOf<number>(new EntityId('Counter', 'called'))).toBe(6);
  });

  it('moves money between two locked accounts, and holds other operations back meanwhile', async () => {
    const a = new EntityId('Account', 'alice');
    const b = new EntityId('Account', 'bob');
    await durably.client.signalEntity(a, 'deposit', 100);
    await until('alice has 100', async () => (await stateOf<number>(a)) === 100);
    const transfers = await Promise.all(Array.from({ length: 5 }, (_, i) => durably.client.startNew(Transfer, { input: { from: 'alice', to: 'bob', amount: 10 + i } })));
    // Client signals racing the critical sections.
    await durably.client.signalEntity(b, 'deposit', 1);
    for (const id of transfers) expect((await durably.client.waitForCompletion(id, { timeoutMs: 30_000 })).output).toBe('done');
    await until('bob has all', async () => (await stateOf<number>(b)) === 10 + 11 + 12 + 13 + 14 + 1);
    expect(await stateOf<number>(a)).toBe(100 - (10 + 11 + 12 + 13 + 14));
    // The last release reaches the entities a moment after its orchestration completed.
    await until('no lock is left held', async () =>
      (await durably.client.listEntities({ entityName: 'Account', pageSize: 1000 })).entities.every((e) => e.lockedBy === undefined));
  });

  it('runs the operations of one entity strictly one at a time, also when many orchestrations and clients call it', async () => {
    slow.most = 0;
    const callers = await Promise.all(Array.from({ length: 4 }, () => durably.client.startNew(ManyCallers, { input: 10 })));
    await Promise.all(Array.from({ length: 20 }, () => durably.client.signalEntity(new EntityId('Slow', 'callers'), 'add', 1)));
    const results: number[] = [];
    for (const id of callers) results.push(...((await durably.client.waitForCompletion(id, { timeoutMs: 30_000 })).output as number[]));
    await until('every operation is applied', async () => (await stateOf<number>(new EntityId('Slow', 'callers'))) === 60);
    expect(slow.most).toBe(1);
    // Each call saw its own increment: 40 distinct results between 1 and 60.
    expect(new Set(results).size).toBe(40);
    expect(results.every((r) => r >= 1 && r <= 60)).toBe(true);
  });

  it('does not apply a signal twice when recovery re-sends it after the entity applied the first copy (receipts)', async () => {
    const key = 'resent';
    const options = {
      mongo, taskHub: 'EntitiesResent', container: container.createChildContainer(), orchestrators: [SignalThenWait], entities: [Counter],
    };
    const first = await startTestApp(options);
    const id = await first.durably.client.startNew(SignalThenWait, { input: key });
    const state = async (app: TestApp): Promise<number | undefined> => (await app.durably.client.readEntityState<number>(new EntityId('Counter', key))).entityState;
    await until('the signal is applied', async () => (await state(first)) === 1);
    // As after a worker that died between the dispatch and the dispatched mark: the worker is gone (and its cached
    // execution with it), the chunk is flagged again, and the next worker's episode (woken by an unrelated event)
    // re-dispatches it. The first copy has long left the entity's inbox.
    await first.stop();
    const history = db.collection<Document>('EntitiesResent.history');
    const chunks = await history.find({ instanceId: id } as Document, { sort: { firstEventIndex: 1 } }).toArray();
    await history.updateOne({ _id: chunks.at(-1)?._id }, { $set: { undispatched: true } });
    const second = await startTestApp(options);
    try {
      await second.durably.client.raiseEvent(id, 'unrelated');
      await until('the re-dispatch happened', async () => (await history.findOne({ _id: chunks.at(-1)?._id } as Document))?.undispatched === false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await state(second)).toBe(1);
      await second.durably.client.raiseEvent(id, 'go');
      expect((await second.durably.client.waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus).toBe('Completed');
    } finally {
      await second.stop();
    }
  });

  it('releases the locks of a terminated orchestration', async () => {
    const dave = new EntityId('Account', 'dave');
    const id = await durably.client.startNew(LockAndWait, { input: 'dave' });
    await until('dave is locked', async () => (await durably.client.listEntities({ entityName: 'Account', pageSize: 1000 }))
      .entities.some((e) => e.entityId.key === 'dave' && e.lockedBy === id));
    await durably.client.signalEntity(dave, 'deposit', 7);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Held back while the orchestration holds the lock.
    expect(await stateOf<number>(dave)).toBeUndefined();
    await durably.client.terminate(id, 'stop');
    expect((await durably.client.waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus).toBe('Terminated');
    await until('the deposit is applied after the release', async () => (await stateOf<number>(dave)) === 7);
  });

  it('releases the locks of an orchestration that fails inside its critical section', async () => {
    const id = await durably.client.startNew(LockAndFail, { input: 'carol' });
    expect((await durably.client.waitForCompletion(id, { timeoutMs: 20_000 })).runtimeStatus).toBe('Failed');
    const carol = new EntityId('Account', 'carol');
    await durably.client.signalEntity(carol, 'deposit', 5);
    await until('carol got the deposit (not held back by a lock)', async () => (await stateOf<number>(carol)) === 5);
  });

  it('lets an entity signal another entity and start an orchestration; a failed operation sends nothing', async () => {
    const relay = new EntityId('Relay', 'r1');
    await durably.client.signalEntity(relay, 'forward', 7);
    await durably.client.signalEntity(relay, 'forwardThenFail', 1000);
    await durably.client.signalEntity(relay, 'kickOff', 'hi');
    await until('the counter got the forward', async () => (await stateOf<number>(new EntityId('Counter', 'relayed'))) === 7);
    // The entity starts it once its batch committed: wait until it exists.
    await until('the entity started the orchestration', async () => (await durably.client.getStatus('kicked-hi')) !== undefined);
    const status = await durably.client.waitForCompletion('kicked-hi', { timeoutMs: 20_000 });
    expect(status.output).toBe('HI');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await stateOf<number>(new EntityId('Counter', 'relayed'))).toBe(7);
  });
});

describe('entities: two worker processes', () => {
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  });

  it('applies 20 clients × 100 add(1) exactly once with two workers: 2,000', async () => {
    const taskHub = 'EntitiesScaleOut';
    for (let i = 0; i < 2; i++) workers.push(startWorkerProcess({ URI: mongo.uri, DB: mongo.dbName, TASK_HUB: taskHub, POLL_MS: '20' }));
    await Promise.all(workers.map((w) => w.ready));
    const clientApp = await startTestApp({ mongo, taskHub, start: false });
    try {
      const id = new EntityId('Tally', 'shared');
      await Promise.all(Array.from({ length: 20 }, async () => {
        for (let i = 0; i < 100; i++) await clientApp.durably.client.signalEntity(id, 'add', 1);
      }));
      type Tally = { total: number; byPid: Record<string, number> };
      const read = async (): Promise<Tally | undefined> => (await clientApp.durably.client.readEntityState<Tally>(id)).entityState;
      await until('the tally reaches 2,000', async () => (await read())?.total === 2000, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const tally = await read();
      expect(tally?.total).toBe(2000);
      // Both workers applied batches (the entity records which process applied each operation).
      expect(Object.keys(tally?.byPid ?? {}).sort()).toEqual(workers.map((w) => String(w.pid)).sort());
    } finally {
      await clientApp.stop();
    }
  });
});
