import type { EntityMetadata } from '../client/durable-client.js';

/**
 * One entity of `GET /entities` as the admin router sends it: Durable Functions' `DurableEntityStatus`. The name in
 * `entityId` is lower-cased, as in an entity's instance ID (and as DF sends it).
 */
export interface EntityStatusPayload {
  readonly entityId: { readonly name: string; readonly key: string };
  /** When the entity's state last changed, ISO 8601 in UTC with milliseconds (e.g. `2024-05-01T10:00:00.123Z`). */
  readonly lastOperationTime: string;
  /** The entity's state; only with `fetchState=true` (`null` when it was left out: see `stateOmitted`). */
  readonly state?: unknown;
  /**
   * With `fetchState=true`: `true` when the state was larger than the router's `readLimits.maxFieldBytes` and was
   * left out; `GET /entities/:entityName/:entityKey` returns it.
   */
  readonly stateOmitted?: true;
}

/** Maps a client's entity metadata to the HTTP payload. */
export function toEntityStatusPayload(entity: EntityMetadata, fetchState: boolean): EntityStatusPayload {
  return {
    entityId: { name: entity.entityId.name, key: entity.entityId.key },
    lastOperationTime: entity.lastModifiedTime.toISOString(),
    ...(fetchState ? { state: entity.state ?? null } : {}),
    ...(fetchState && entity.stateOmitted === true && { stateOmitted: true }),
  };
}
