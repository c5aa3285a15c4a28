import { LockingRulesViolationError } from '../core/errors/locking-rules-violation-error.js';
import type { EntityId } from '../core/entity-id.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { uuidV5 } from './deterministic-guid.js';
import type { EntityLock } from './entity-lock.js';

/**
 * The ID of the critical section requested by action `sequence`: a name-based UUID like `ctx.newGuid()`'s, from a
 * name of its own (so the GUIDs user code gets are unchanged), the same on every replay.
 */
export function criticalSectionIdFor(instanceId: string, executionId: string, episodeTime: Date, sequence: number): string {
  return uuidV5(`${instanceId}_${executionId}_${episodeTime.toISOString()}_lock_${sequence}`);
}

/** One entity lock of a critical section. */
export interface HeldEntityLock {
  readonly criticalSectionId: string;
  readonly targetInstanceId: string;
}

/**
 * The entity locks an execution's history leaves unreleased: each entity of every lock request (EntityLockRequested,
 * granted or still pending) without an EntityUnlockSent of the same critical section, in lock order. The replay
 * releases these itself when the execution ends; this is for the runtime when it ends an execution without a replay
 * (e.g. terminating an instance whose code no longer replays, or failing one that exceeded a limit).
 */
export function unreleasedEntityLocks(history: readonly HistoryEvent[]): HeldEntityLock[] {
  const requested: HeldEntityLock[] = [];
  const released = new Set<string>();
  for (const event of history) {
    if (event.type === HistoryEventType.EntityLockRequested) {
      for (const target of event.lockSet) requested.push({ criticalSectionId: event.criticalSectionId, targetInstanceId: target });
    } else if (event.type === HistoryEventType.EntityUnlockSent) {
      released.add(`${event.criticalSectionId}\n${event.targetInstanceId}`);
    }
  }
  return requested.filter((lock) => !released.has(`${lock.criticalSectionId}\n${lock.targetInstanceId}`));
}

/** The entities of a lock request: unique by instance ID, sorted by it (the global order that rules out deadlocks). */
export function lockOrder(entities: readonly EntityId[]): EntityId[] {
  const unique = new Map<string, EntityId>();
  for (const entity of entities) if (!unique.has(entity.instanceId)) unique.set(entity.instanceId, entity);
  return [...unique.keys()].sort().map((id) => unique.get(id) as EntityId);
}

/**
 * An orchestration's critical section, from the `lockEntities` call (the request pending) through the grant until
 * it is released, and Durable Functions' rules for what the orchestration may do meanwhile. Internal to the engine.
 */
export class CriticalSection {
  /** Adopted from history when the request is replayed (the recorded ID is the one entities know). */
  id: string;
  readonly entities: readonly EntityId[];
  readonly lockSet: readonly string[];
  granted = false;
  released = false;
  /** Locked entities with a call in flight. */
  readonly #calling = new Set<string>();
  readonly lock: EntityLock;

  constructor(id: string, readonly sequence: number, entities: readonly EntityId[], release: (section: CriticalSection) => void) {
    this.id = id;
    this.entities = Object.freeze(lockOrder(entities));
    this.lockSet = Object.freeze(this.entities.map((entity) => entity.instanceId));
    this.lock = new SectionLock(this, release);
  }

  /** `lockEntities` is allowed only outside critical sections. */
  static checkLock(current: CriticalSection | undefined): void {
    if (current === undefined) return;
    throw new LockingRulesViolationError('NestedLock', current.granted
      ? `Must not enter another critical section from within a critical section: this orchestration holds locks on ${list(current.lockSet)}. Release them first.`
      : `Must not enter another critical section while a lock request is pending (on ${list(current.lockSet)}).`);
  }

  /** `callSubOrchestrator` is allowed only outside critical sections. */
  static checkSubOrchestration(current: CriticalSection | undefined): void {
    if (current === undefined) return;
    throw new LockingRulesViolationError('SubOrchestrationInCriticalSection',
      `Must not call a sub-orchestrator from a critical section (locks on ${list(current.lockSet)}). Release the locks first.`);
  }

  /** Inside: calls go to locked entities only, one at a time per entity, once the locks are granted. */
  checkCall(target: string): void {
    if (!this.granted) {
      throw new LockingRulesViolationError('CallBeforeLockGranted',
        `Must await the completion of the lock request (on ${list(this.lockSet)}) prior to calling any entity; '${target}' was called.`);
    }
    if (!this.lockSet.includes(target)) {
      throw new LockingRulesViolationError('CallToUnlockedEntity',
        `Must not call an entity from a critical section if it is not one of the locked entities: '${target}' is not among ${list(this.lockSet)}.`);
    }
    if (this.#calling.has(target)) {
      throw new LockingRulesViolationError('ConcurrentCall',
        `Must not call an entity from a critical section while a prior call to the same entity is still pending: '${target}'.`);
    }
  }

  /** Inside: signals go to entities that are not locked. */
  checkSignal(target: string): void {
    if (this.lockSet.includes(target)) {
      throw new LockingRulesViolationError('SignalToLockedEntity',
        `Must not signal a locked entity from a critical section: '${target}' is locked by this orchestration. Call it instead.`);
    }
  }

  beginCall(target: string): void {
    this.#calling.add(target);
  }

  endCall(target: string): void {
    this.#calling.delete(target);
  }
}

class SectionLock implements EntityLock {
  readonly #section: CriticalSection;
  readonly #release: (section: CriticalSection) => void;

  constructor(section: CriticalSection, release: (section: CriticalSection) => void) {
    this.#section = section;
    this.#release = release;
  }

  get criticalSectionId(): string {
    return this.#section.id;
  }
  get entities(): readonly EntityId[] {
    return this.#section.entities;
  }
  get isReleased(): boolean {
    return this.#section.released;
  }
  release(): void {
    if (!this.#section.released) this.#release(this.#section);
  }
  /** Defined on the prototype below, under the symbol this realm has. */
  declare [Symbol.dispose]: () => void;
}

// Node 20 defines `Symbol.dispose` as `Symbol.for('nodejs.dispose')`, but only in its main realm: code running in
// another realm (a `vm` context, as under jest) has no `Symbol.dispose` and finds the same symbol in the registry.
Object.defineProperty(SectionLock.prototype, (Symbol.dispose as symbol | undefined) ?? Symbol.for('nodejs.dispose'), {
  value(this: SectionLock): void {
    this.release();
  },
  writable: true,
  configurable: true,
});

function list(ids: readonly string[]): string {
  return ids.map((id) => `'${id}'`).join(', ');
}
