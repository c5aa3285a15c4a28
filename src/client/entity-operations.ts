import { decodePayload, encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { EntityId } from '../core/entity-id.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import { HistoryEventType } from '../history/history-event.js';
import type { DurableClientOptions } from './durable-client-options.js';
import { toStoreBounds, type EntityMetadata, type ListEntitiesOptions } from './list-options.js';
import { activeTraceContext } from '../telemetry/trace-contexts.js';

// The entity operations of DurableClient (its methods of the same names say what each does), kept apart to keep the
// class to its instance operations.

/** `DurableClient.signalEntity`: stores the signal (applied once, in order) and wakes the workers of this process. */
export async function signalEntity(
  options: DurableClientOptions, entityId: EntityId, operation: string, input: unknown, signal: { readonly scheduledTime?: Date },
): Promise<void> {
  assertEntityIdArgument(entityId);
  if (typeof operation !== 'string' || operation.length === 0) throw new DurableError('INVALID_ARGUMENT', 'operation must be a non-empty string');
  const scheduledTime = signal.scheduledTime;
  if (scheduledTime !== undefined && (!(scheduledTime instanceof Date) || Number.isNaN(scheduledTime.getTime()))) {
    throw new DurableError('INVALID_ARGUMENT', 'scheduledTime must be a valid Date');
  }
  const encoded = assertPayloadSize(encodePayload(input, `input of operation '${operation}'`), `input of operation '${operation}'`, options.maxPayloadBytes);
  const now = options.clock.now();
  // The operation's span continues the caller's trace, if it has one.
  const traceContext = options.telemetry === undefined ? undefined : activeTraceContext();
  await options.entities.sendMessage(entityId.instanceId, {
    type: HistoryEventType.EntityRequest, eventId: -1, timestamp: now, operation, input: encoded,
    ...(scheduledTime === undefined ? {} : { scheduledTime }),
    ...(traceContext === undefined ? {} : { traceContext }),
  }, { now });
  options.wake();
}

/** `DurableClient.readEntityState`. */
export async function readEntityState<TState>(options: DurableClientOptions, entityId: EntityId): Promise<{ entityExists: boolean; entityState: TState | undefined }> {
  assertEntityIdArgument(entityId);
  const record = await options.entities.getEntity(entityId.instanceId);
  if (record === undefined || !record.exists) return { entityExists: false, entityState: undefined };
  return { entityExists: true, entityState: decodePayload<TState>(record.state) };
}

/** `DurableClient.listEntities`: one bounded page. */
export async function listEntities(options: DurableClientOptions, list: ListEntitiesOptions): Promise<{ entities: EntityMetadata[]; continuationToken?: string }> {
  const page = await options.entities.listEntities({
    ...(list.entityName === undefined ? {} : { name: list.entityName }),
    ...(list.pageSize === undefined ? {} : { pageSize: list.pageSize }),
    ...(list.continuationToken === undefined ? {} : { continuationToken: list.continuationToken }),
    ...toStoreBounds(list),
    fetchState: list.fetchState === true,
  });
  const entities = page.entities.map((entity): EntityMetadata => ({
    entityId: EntityId.fromInstanceId(entity.instanceId),
    lastModifiedTime: entity.lastModifiedTime,
    entityExists: entity.exists,
    ...(entity.lock === undefined ? {} : { lockedBy: entity.lock.instanceId }),
    ...(list.fetchState === true && entity.exists && entity.stateOmitted !== true ? { state: decodePayload(entity.state) } : {}),
    ...(list.fetchState === true && entity.stateOmitted === true ? { stateOmitted: true } : {}),
  }));
  return page.continuationToken === undefined ? { entities } : { entities, continuationToken: page.continuationToken };
}

function assertEntityIdArgument(entityId: unknown): asserts entityId is EntityId {
  if (!(entityId instanceof EntityId)) throw new DurableError('INVALID_ENTITY_ID', 'entityId must be an EntityId (new EntityId(name, key))');
}
