import { EntityId } from '../entities/entity-id.js';
import type { HistoryEvent } from '../history/history-event.js';
import type { EntityStore } from '../ports/entity-store.js';
import type { InstanceStore } from '../ports/instance-store.js';

/**
 * Sends a message to an entity, creating the entity first if it does not exist yet (entities are created on demand
 * by their first message). Returns false when a message with the same `dedupeKey` is still queued.
 */
export async function sendToEntity(
  stores: { readonly store: InstanceStore; readonly entities: EntityStore },
  entityInstanceId: string,
  event: HistoryEvent,
  options: { readonly dedupeKey?: string; readonly now: Date },
): Promise<boolean> {
  return stores.entities.sendMessage(entityInstanceId, EntityId.fromInstanceId(entityInstanceId).name, event, options);
}
