// The behavioural contract of EntityStore (src/ports/entity-store.ts), written once and run against every adapter
// (see mongo-entity-store.test.ts). An entity is an instance of the InstanceStore — claimed, leased and released like
// an orchestration, its messages in the same inbox — so the contract drives both ports, and observes only through
// them; storage details (documents, indexes, what crosses the wire) are tested next to the adapter.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DurableError } from '../../src/core/durable-error.js';
import type { EntityStore } from '../../src/ports/entity-store.js';
import type { InstanceStore } from '../../src/ports/instance-store.js';
import { batch, claimEntity, commitBatch, entityRequest, outboxMessage } from './entity-store-fixtures.js';
import { at, claim, create, runEpisode, T0 } from './instance-store-fixtures.js';

/** A fresh, empty pair of stores on one task hub (schemas ensured) and how to dispose of them. */
export type EntityStoreFactory = () => Promise<{ entities: EntityStore; instances: InstanceStore; close(): Promise<void> }>;

/** Registers the entity-store contract for one adapter. Each test gets fresh stores from `factory`. */
export function describeEntityStoreContract(name: string, factory: EntityStoreFactory): void {
  describe(`EntityStore contract: ${name}`, () => {
    let entities: EntityStore;
    let instances: InstanceStore;
    let close: () => Promise<void>;

    beforeEach(async () => {
      ({ entities, instances, close } = await factory());
    });
    afterEach(async () => {
      await close();
    });

    const s = (): { entities: EntityStore; instances: InstanceStore } => ({ entities, instances });

    describe('ensureEntity / getEntity', () => {
      it('creates an entity with no state, nothing applied and nothing to send', async () => {
        await entities.ensureEntity('@counter@a', 'counter', T0);
        expect(await entities.getEntity('@counter@a')).toEqual({
          name: 'counter', exists: false, state: undefined, appliedMessageIds: [], outbox: [], lastModifiedTime: T0,
        });
      });

      it('returns undefined for an entity never signaled', async () => {
        expect(await entities.getEntity('@counter@never')).toBeUndefined();
      });

      it('is idempotent: a second call changes nothing, also once a batch committed state', async () => {
        await entities.ensureEntity('@counter@a', 'counter', T0);
        await entities.ensureEntity('@counter@a', 'counter', at(1_000));
        expect(await entities.getEntity('@counter@a')).toMatchObject({ exists: false, lastModifiedTime: T0 });
        await commitBatch(s(), '@counter@a', { state: '5' }, at(2_000));
        await entities.ensureEntity('@counter@a', 'counter', at(3_000));
        expect(await entities.getEntity('@counter@a')).toMatchObject({ exists: true, state: '5', lastModifiedTime: at(2_000) });
      });

      it('refuses an ID that is not an entity ID, and a key that is not a string, with INVALID_ARGUMENT', async () => {
        const operator = { $ne: '' } as unknown as string;
        const refusals = [
          entities.sendMessage('order-1', entityRequest('add', '1'), { now: T0 }),
          entities.sendMessage('@counter@d', entityRequest('add', '1'), { dedupeKey: operator, now: T0 }),
          entities.getEntity(operator),
          entities.ensureEntity('@@', 'counter', T0),
          entities.hasReceipt('@counter@d', operator),
        ];
        for (const refusal of refusals) {
          const error = await refusal.catch((e: unknown) => e);
          expect(error).toBeInstanceOf(DurableError);
          expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
        }
      });
    });

    describe('sendMessage', () => {
      it('creates a missing entity, queues the message and flags the entity as having work', async () => {
        expect(await entities.sendMessage('@counter@a', entityRequest('add', '1'), { now: T0 })).toBe(true);
        expect(await entities.getEntity('@counter@a')).toMatchObject({ name: 'counter', exists: false });
        expect((await instances.loadMessages('@counter@a')).map((m) => m.event)).toEqual([entityRequest('add', '1')]);
        expect((await claim(instances)).instance.instanceId).toBe('@counter@a');
      });

      it('flags an existing idle entity, and queues messages oldest first', async () => {
        await entities.ensureEntity('@counter@a', 'counter', T0);
        // Idle: whatever its creation flagged, an episode found nothing more to do.
        const idle = await claimEntity(s(), '@counter@a');
        expect(await instances.releaseWork(idle, { moreWork: false, succeeded: true, now: T0 })).toBe(true);
        expect(await instances.claimWork({ workerId: 'w1', leaseMs: 30_000, now: at(10) })).toBeUndefined();
        for (const n of [1, 2, 3]) await entities.sendMessage('@counter@a', entityRequest('add', String(n)), { now: at(n) });
        expect((await claim(instances, at(10))).instance.instanceId).toBe('@counter@a');
        expect((await instances.loadMessages('@counter@a')).map((m) => m.event)).toEqual([1, 2, 3].map((n) => entityRequest('add', String(n))));
      });

      // A message to an entity that does not exist yet is never withdrawn and sent again: a worker may have applied
      // the first copy meanwhile (the fault tests once caught that as 1,001 of 1,000).
      it('keeps every message of concurrent first senders: none is withdrawn and re-sent', async () => {
        await Promise.all(Array.from({ length: 20 }, (_, i) => entities.sendMessage('@counter@b', entityRequest('add', String(i)), { now: T0 })));
        expect(await instances.loadMessages('@counter@b')).toHaveLength(20);
        expect((await entities.listEntities({})).entities.map((e) => e.instanceId)).toEqual(['@counter@b']);
      });

      it('returns false for a keyed message still queued, and flags the entity again', async () => {
        expect(await entities.sendMessage('@counter@c', entityRequest('add', '1'), { dedupeKey: 'k1', now: T0 })).toBe(true);
        // An episode that applied nothing and found no more work: the flag is cleared.
        const item = await claim(instances);
        expect(await instances.releaseWork(item, { moreWork: false, succeeded: true, now: T0 })).toBe(true);
        expect(await instances.claimWork({ workerId: 'w1', leaseMs: 30_000, now: T0 })).toBeUndefined();

        expect(await entities.sendMessage('@counter@c', entityRequest('add', '1'), { dedupeKey: 'k1', now: at(1) })).toBe(false);
        expect(await instances.loadMessages('@counter@c')).toHaveLength(1);
        expect((await claim(instances, at(1))).instance.instanceId).toBe('@counter@c');
      });

      it('queues a keyed message again once the first copy was applied and left the inbox', async () => {
        await entities.sendMessage('@counter@c', entityRequest('add', '1'), { dedupeKey: 'k1', now: T0 });
        const [first] = await instances.loadMessages('@counter@c');
        await commitBatch(s(), '@counter@c', { state: '1', appliedMessageIds: [first!.id] });
        expect(await instances.loadMessages('@counter@c')).toEqual([]);
        expect(await entities.sendMessage('@counter@c', entityRequest('add', '1'), { dedupeKey: 'k1', now: at(1) })).toBe(true);
        expect(await instances.loadMessages('@counter@c')).toHaveLength(1);
      });
    });

    describe('commitEntityBatch', () => {
      it('commits state, lock, applied message IDs and outbox together, moves the version by one, and deletes only the applied messages', async () => {
        for (const n of [1, 2, 3]) await entities.sendMessage('@counter@a', entityRequest('add', String(n)), { now: at(n) });
        const [m1, m2, m3] = await instances.loadMessages('@counter@a');
        const item = await claim(instances, at(10));
        const lock = { criticalSectionId: 'cs-1', instanceId: 'orch-1' };
        const outbox = [outboxMessage('orch-1', 'answer-1'), { kind: 'start', name: 'Orch', instanceId: 'child-1', input: '"x"', idempotencyKey: 'start-1' } as const];
        expect(await entities.commitEntityBatch(batch(item, { state: '3', lock, appliedMessageIds: [m1!.id, m2!.id], outbox }, at(20)))).toBe(true);

        expect(await entities.getEntity('@counter@a')).toEqual({
          name: 'counter', exists: true, state: '3', lock, appliedMessageIds: [m1!.id, m2!.id], outbox, lastModifiedTime: at(20),
        });
        expect((await instances.getInstance('@counter@a'))?.version).toBe(item.instance.version + 1);
        expect((await instances.loadMessages('@counter@a')).map((m) => m.id)).toEqual([m3!.id]);
      });

      it('refuses a commit under a stale version or a lease that is not the holder\'s, changing nothing', async () => {
        await entities.sendMessage('@counter@a', entityRequest('add', '1'), { now: T0 });
        const [message] = await instances.loadMessages('@counter@a');
        const item = await claim(instances);
        const commit = batch(item, { state: '1', appliedMessageIds: [message!.id] });
        expect(await entities.commitEntityBatch({ ...commit, expectedVersion: item.instance.version + 1 })).toBe(false);
        expect(await entities.commitEntityBatch({ ...commit, leaseToken: 'not-the-lease' })).toBe(false);
        // Released: the lease token no longer holds.
        await instances.releaseWork(item, { moreWork: true, succeeded: false, now: T0 });
        expect(await entities.commitEntityBatch(commit)).toBe(false);

        expect(await entities.getEntity('@counter@a')).toMatchObject({ exists: false, state: undefined, appliedMessageIds: [], outbox: [] });
        expect((await instances.getInstance('@counter@a'))?.version).toBe(item.instance.version);
        expect(await instances.loadMessages('@counter@a')).toHaveLength(1);
      });

      it('of two concurrent commits at the same version, exactly one lands', async () => {
        await entities.ensureEntity('@counter@a', 'counter', T0);
        const item = await claimEntity(s(), '@counter@a');
        const results = await Promise.all(['1', '2'].map((state) => entities.commitEntityBatch(batch(item, { state }))));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await instances.getInstance('@counter@a'))?.version).toBe(item.instance.version + 1);
      });

      it('clears the state of an entity deleted by the batch, and a lock the batch does not hold', async () => {
        await entities.ensureEntity('@counter@a', 'counter', T0);
        await commitBatch(s(), '@counter@a', { state: '7', lock: { criticalSectionId: 'cs', instanceId: 'orch' } });
        await commitBatch(s(), '@counter@a', { exists: false, state: undefined }, at(5));
        const record = await entities.getEntity('@counter@a');
        expect(record).toMatchObject({ exists: false, lastModifiedTime: at(5) });
        expect(record?.state).toBeUndefined();
        expect(record?.lock).toBeUndefined();
      });
    });

    describe('recordReceipts / hasReceipt', () => {
      it('knows the receipts recorded, per entity and dedupe key', async () => {
        await entities.ensureEntity('@counter@a', 'counter', T0);
        expect(await entities.hasReceipt('@counter@a', 'k1')).toBe(false);
        await entities.recordReceipts('@counter@a', ['k1', 'k2'], T0);
        expect(await entities.hasReceipt('@counter@a', 'k1')).toBe(true);
        expect(await entities.hasReceipt('@counter@a', 'k2')).toBe(true);
        expect(await entities.hasReceipt('@counter@a', 'k3')).toBe(false);
        expect(await entities.hasReceipt('@counter@b', 'k1')).toBe(false);
      });

      it('records again what a retried batch records (some receipts old, some new), and nothing for no keys', async () => {
        await entities.recordReceipts('@counter@a', ['k1', 'k2'], T0);
        await entities.recordReceipts('@counter@a', ['k2', 'k3'], at(1));
        await entities.recordReceipts('@counter@a', [], at(2));
        for (const key of ['k1', 'k2', 'k3']) expect(await entities.hasReceipt('@counter@a', key)).toBe(true);
      });
    });

    describe('clearEntityOutbox', () => {
      it('empties the outbox of the batch at that version, never a later batch\'s', async () => {
        await entities.ensureEntity('@counter@a', 'counter', T0);
        const v1 = await commitBatch(s(), '@counter@a', { outbox: [outboxMessage('orch-1', 'a')] });
        await entities.clearEntityOutbox('@counter@a', v1);
        expect(await entities.getEntity('@counter@a')).toMatchObject({ state: '0', outbox: [] });

        const v2 = await commitBatch(s(), '@counter@a', { outbox: [outboxMessage('orch-1', 'b')] });
        await commitBatch(s(), '@counter@a', { outbox: [outboxMessage('orch-1', 'c')] });
        // A late clear for the batch before: the newer batch's sends stay.
        await entities.clearEntityOutbox('@counter@a', v2);
        expect((await entities.getEntity('@counter@a'))?.outbox).toEqual([outboxMessage('orch-1', 'c')]);
      });
    });

    describe('listEntities', () => {
      const seed = async (): Promise<void> => {
        await create(instances, 'orch-1');
        await entities.ensureEntity('@counter@b', 'counter', T0);
        await entities.ensureEntity('@counter@a', 'counter', T0);
        await entities.ensureEntity('@count@z', 'count', T0);
        await entities.ensureEntity('@register@x', 'register', T0);
        await commitBatch(s(), '@counter@a', { state: '41', lock: { criticalSectionId: 'cs', instanceId: 'orch-1' } }, at(1));
      };

      it('lists entities only, by instance ID, without state unless asked for', async () => {
        await seed();
        const { entities: listed, continuationToken } = await entities.listEntities({});
        expect(continuationToken).toBeUndefined();
        expect(listed).toEqual([
          { instanceId: '@count@z', name: 'count', exists: false, lastModifiedTime: T0 },
          { instanceId: '@counter@a', name: 'counter', exists: true, lock: { criticalSectionId: 'cs', instanceId: 'orch-1' }, lastModifiedTime: at(1) },
          { instanceId: '@counter@b', name: 'counter', exists: false, lastModifiedTime: T0 },
          { instanceId: '@register@x', name: 'register', exists: false, lastModifiedTime: T0 },
        ]);
        const withState = await entities.listEntities({ name: 'counter', fetchState: true });
        expect(withState.entities.map((e) => [e.instanceId, e.state])).toEqual([['@counter@a', '41'], ['@counter@b', undefined]]);
      });

      it('filters by name exactly, not by prefix', async () => {
        await seed();
        expect((await entities.listEntities({ name: 'count' })).entities.map((e) => e.instanceId)).toEqual(['@count@z']);
        expect((await entities.listEntities({ name: 'nothing' })).entities).toEqual([]);
      });

      it('pages with a continuation token: every entity once, in order, no token after the last page', async () => {
        for (let i = 0; i < 7; i++) await entities.ensureEntity(`@counter@k${i}`, 'counter', T0);
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await entities.listEntities({ name: 'counter', pageSize: 3, ...(token === undefined ? {} : { continuationToken: token }) });
          expect(page.entities.length).toBeLessThanOrEqual(3);
          seen.push(...page.entities.map((e) => e.instanceId));
          token = page.continuationToken;
        } while (token !== undefined && ++pages < 10);
        expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `@counter@k${i}`));
      });

      it('leaves out states over maxFieldBytes, saying so, and ends pages at maxPageBytes with at least one entry each', async () => {
        const big = JSON.stringify('x'.repeat(20_000));
        for (const [key, state] of [['a', big], ['b', '"small"'], ['c', big]] as const) {
          await entities.ensureEntity(`@reg@${key}`, 'reg', T0);
          await commitBatch(s(), `@reg@${key}`, { state });
        }
        const bounded = await entities.listEntities({ name: 'reg', fetchState: true, maxFieldBytes: 1_000 });
        expect(bounded.entities.map((e) => [e.instanceId, e.state, e.stateOmitted])).toEqual([
          ['@reg@a', undefined, true], ['@reg@b', '"small"', undefined], ['@reg@c', undefined, true],
        ]);

        const sizes: number[] = [];
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await entities.listEntities({ name: 'reg', fetchState: true, maxPageBytes: 10_000, ...(token === undefined ? {} : { continuationToken: token }) });
          sizes.push(page.entities.length);
          seen.push(...page.entities.map((e) => e.instanceId));
          expect(page.entities.every((e) => e.state !== undefined)).toBe(true);
          token = page.continuationToken;
        } while (token !== undefined && sizes.length < 10);
        expect(seen).toEqual(['@reg@a', '@reg@b', '@reg@c']);
        expect(sizes.length).toBeGreaterThan(1);
        expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
      });

      it('refuses a continuation token it did not issue with INVALID_CONTINUATION_TOKEN', async () => {
        await seed();
        for (const token of ['garbage!', Buffer.from('{"after":"orch-1"}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
          const error = await entities.listEntities({ continuationToken: token }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(DurableError);
          expect(error).toMatchObject({ code: 'INVALID_CONTINUATION_TOKEN' });
        }
      });
    });

    describe('cleanEntityStorage', () => {
      it('removes entities with no state, lock, queued message or pending send, and keeps the others', async () => {
        await entities.ensureEntity('@e@empty', 'e', T0);
        await entities.ensureEntity('@e@deleted', 'e', T0);
        await commitBatch(s(), '@e@deleted', { exists: false, state: undefined });
        await entities.ensureEntity('@e@stateful', 'e', T0);
        await commitBatch(s(), '@e@stateful', { state: '1' });
        await entities.ensureEntity('@e@sending', 'e', T0);
        await commitBatch(s(), '@e@sending', { exists: false, state: undefined, outbox: [outboxMessage('orch-1', 'k')] });
        await entities.sendMessage('@e@messaged', entityRequest('add', '1'), { now: T0 });

        expect(await entities.cleanEntityStorage(at(1_000))).toEqual({ emptyEntitiesRemoved: 2, orphanedLocksReleased: 0 });
        expect(await entities.getEntity('@e@empty')).toBeUndefined();
        expect(await entities.getEntity('@e@deleted')).toBeUndefined();
        expect((await entities.listEntities({ name: 'e' })).entities.map((e) => e.instanceId)).toEqual(['@e@messaged', '@e@sending', '@e@stateful']);
        expect(await instances.loadMessages('@e@messaged')).toHaveLength(1);
      });

      it('releases locks held for orchestrations that are no longer running, and keeps the others', async () => {
        await create(instances, 'orch-running');
        await create(instances, 'orch-done');
        await runEpisode(instances, 'orch-done', { runtimeStatus: 'Completed', output: '1', completedTime: T0 });
        for (const holder of ['orch-running', 'orch-done', 'orch-gone']) {
          await entities.ensureEntity(`@e@${holder}`, 'e', T0);
          await commitBatch(s(), `@e@${holder}`, { state: '1', lock: { criticalSectionId: `cs-${holder}`, instanceId: holder } });
        }

        expect(await entities.cleanEntityStorage(at(1_000))).toEqual({ emptyEntitiesRemoved: 0, orphanedLocksReleased: 2 });
        expect((await entities.getEntity('@e@orch-running'))?.lock).toEqual({ criticalSectionId: 'cs-orch-running', instanceId: 'orch-running' });
        expect((await entities.getEntity('@e@orch-done'))?.lock).toBeUndefined();
        expect((await entities.getEntity('@e@orch-gone'))?.lock).toBeUndefined();
        expect((await entities.getEntity('@e@orch-done'))?.state).toBe('1');
      });
    });
  });
}
