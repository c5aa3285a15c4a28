import { DurableError } from '../core/durable-error.js';
import type { EntityId } from '../core/entity-id.js';
import type { InstanceQuery } from '../ports/instance-store.js';
import type { ListBounds } from '../ports/list-bounds.js';

/** Default {@link ListPageBounds.maxFieldBytes}: payloads over 64 KiB are left out of list entries. */
export const DEFAULT_LIST_MAX_FIELD_BYTES = 64 * 1024;

/** Default {@link ListPageBounds.maxPageBytes}: a list page holds about 4 MiB at most. */
export const DEFAULT_LIST_MAX_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * How much one page of `listInstances` / `listEntities` may hold, so that listing stays cheap whatever the instances
 * carry: large payloads are summarised (left out, with a flag), and a page ends early once it is large.
 */
export interface ListPageBounds {
  /**
   * A payload (input, output, custom status, entity state) whose encoding is larger than this, in bytes, is left out
   * of its entry — not even read from MongoDB — and the entry says so (`inputOmitted`, `outputOmitted`,
   * `customStatusOmitted`, `stateOmitted`: `true`). Read it with `getStatus` / `readEntityState`. 0 leaves out every
   * payload; `Infinity` none. Default 64 KiB ({@link DEFAULT_LIST_MAX_FIELD_BYTES}).
   */
  readonly maxFieldBytes?: number;
  /**
   * A page ends before the entry that would take its size past this many bytes (estimated from the stored sizes of
   * what it returns, plus 512 bytes per entry), with a continuation token that resumes at that entry; a page holds
   * at least one entry. `Infinity`: pages end at `pageSize` only. Default 4 MiB ({@link DEFAULT_LIST_MAX_PAGE_BYTES}).
   */
  readonly maxPageBytes?: number;
}

/** Options of `DurableClient.listInstances`. */
export interface ListInstancesOptions extends InstanceQuery, ListPageBounds {
  /** At most this many instances per page: default 100, capped at 1000. */
  readonly pageSize?: number;
  readonly continuationToken?: string;
}

/** Options of `DurableClient.listEntities`. */
export interface ListEntitiesOptions extends ListPageBounds {
  /** Only entities of this name (case-insensitive). */
  readonly entityName?: string;
  /** At most this many entities per page: default 100, capped at 1000. */
  readonly pageSize?: number;
  readonly continuationToken?: string;
  /** Include each entity's state. Default false. */
  readonly fetchState?: boolean;
}

/** One entity in a `DurableClient.listEntities` page. */
export interface EntityMetadata {
  readonly entityId: EntityId;
  readonly lastModifiedTime: Date;
  /** False for an entity with no state (signaled, but never written, or deleted). */
  readonly entityExists: boolean;
  /** The orchestration holding the entity in a critical section, if any. */
  readonly lockedBy?: string;
  /** With `fetchState`, unless the state was left out (`stateOmitted`). */
  readonly state?: unknown;
  /** With `fetchState`: true when the state was larger than `maxFieldBytes` and left out; `readEntityState` reads it. */
  readonly stateOmitted?: true;
}

/**
 * The store's bounds for a list's options: the defaults filled in, `Infinity` meaning no bound.
 * @throws DurableError with code `INVALID_ARGUMENT` for a bound that is not a non-negative integer or `Infinity`.
 */
export function toStoreBounds(options: ListPageBounds): ListBounds {
  const bound = (value: number | undefined, fallback: number, what: string, min: number): number | undefined => {
    const chosen = value ?? fallback;
    if (chosen === Number.POSITIVE_INFINITY) return undefined;
    if (typeof chosen !== 'number' || !Number.isSafeInteger(chosen) || chosen < min) {
      throw new DurableError('INVALID_ARGUMENT', `${what} must be an integer >= ${min} or Infinity, got ${String(chosen)}.`);
    }
    return chosen;
  };
  const maxFieldBytes = bound(options.maxFieldBytes, DEFAULT_LIST_MAX_FIELD_BYTES, 'maxFieldBytes', 0);
  const maxPageBytes = bound(options.maxPageBytes, DEFAULT_LIST_MAX_PAGE_BYTES, 'maxPageBytes', 1);
  return {
    ...(maxFieldBytes === undefined ? {} : { maxFieldBytes }),
    ...(maxPageBytes === undefined ? {} : { maxPageBytes }),
  };
}
