// Builders for the entity-store contract: entity messages, outbox items, and a batch committed the way the runtime
// commits one — under a lease on the entity's instance, at the version read at claim time.
import { expect } from '@jest/globals';
import type { EntityBatchCommit, EntityOutboxItem, EntityStore } from '../../src/ports/entity-store.js';
import { ENTITY_EXECUTION_ID } from '../../src/ports/entity-store.js';
import { HistoryEventType, type HistoryEvent } from '../../src/history/history-event.js';
import type { InstanceStore, WorkItem } from '../../src/ports/instance-store.js';
import { LEASE_MS, T0 } from './instance-store-fixtures.js';

/** The two ports an entity lives in: its own fields, and the instance it is claimed, leased and messaged as. */
export interface EntityStores {
  readonly entities: EntityStore;
  readonly instances: InstanceStore;
}

/** A request to run `operation` on an entity. */
export function entityRequest(operation: string, input?: string, timestamp: Date = T0): HistoryEvent {
  return { type: HistoryEventType.EntityRequest, eventId: -1, timestamp, operation, input };
}

/** An outbox item: a keyed message to `targetInstanceId`. */
export function outboxMessage(targetInstanceId: string, dedupeKey: string): EntityOutboxItem {
  return { kind: 'message', targetInstanceId, event: entityRequest('signal'), dedupeKey };
}

/** Claims the entity's instance (whether or not it has work), failing the test when it cannot be claimed. */
export async function claimEntity(s: EntityStores, instanceId: string, now: Date = T0, workerId = 'w1'): Promise<WorkItem> {
  const item = await s.instances.claimInstance(instanceId, ENTITY_EXECUTION_ID, { workerId, leaseMs: LEASE_MS, now });
  if (item === undefined) throw new Error(`expected to claim entity ${instanceId}`);
  return item;
}

/** The commit of one batch by the holder of `item`: a state by default, nothing applied, nothing to send. */
export function batch(item: WorkItem, entity: Partial<EntityBatchCommit['entity']> = {}, now: Date = T0): EntityBatchCommit {
  return {
    instanceId: item.instance.instanceId,
    leaseToken: item.leaseToken,
    expectedVersion: item.instance.version,
    entity: { exists: true, state: '0', appliedMessageIds: [], outbox: [], ...entity },
    now,
  };
}

/** Claims the entity, commits one batch of `entity` and releases it; returns the entity's version after the batch. */
export async function commitBatch(s: EntityStores, instanceId: string, entity: Partial<EntityBatchCommit['entity']> = {}, now: Date = T0): Promise<number> {
  const item = await claimEntity(s, instanceId, now);
  expect(await s.entities.commitEntityBatch(batch(item, entity, now))).toBe(true);
  expect(await s.instances.releaseWork(item, { moreWork: false, succeeded: true, now })).toBe(true);
  return item.instance.version + 1;
}
