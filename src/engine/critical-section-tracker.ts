import type { EntityId } from '../core/entity-id.js';
import { OrchestratorActionType, type OrchestratorAction } from '../history/orchestrator-action.js';
import type { ActionTable } from './action-table.js';
import { CriticalSection } from './critical-section.js';

/**
 * The critical-section bookkeeping of one execution: the section the code is in (lock requested or held), the entity
 * calls made inside one (each holds its entity's call slot until answered), the grant, and the releases — one
 * UnlockEntity action per locked entity, when the code releases the lock or the execution ends. Internal to the
 * engine.
 */
export class CriticalSectionTracker {
  readonly #actions: ActionTable;
  readonly #open: (action: OrchestratorAction) => void;
  /** The critical section the code is in (lock requested or held), if any. */
  #current: CriticalSection | undefined;
  /** Entity calls made inside a critical section, by sequence: the locked entity whose call slot each one holds. */
  readonly #callsInSection = new Map<number, { readonly section: CriticalSection; readonly target: string }>();

  /**
   * @param actions - The execution's actions (lock requests are found there by sequence number).
   * @param open - Opens an action of the code (the releases).
   */
  constructor(actions: ActionTable, open: (action: OrchestratorAction) => void) {
    this.#actions = actions;
    this.#open = open;
  }

  /** The critical section the code is in, if any. */
  get current(): CriticalSection | undefined {
    return this.#current;
  }

  /** The entities of the current critical section (none outside one). */
  get lockedEntities(): readonly EntityId[] {
    return this.#current?.entities ?? [];
  }

  /** Enters a new critical section (its lock requested by action `sequence`); the caller checked the rules. */
  enter(id: string, sequence: number, entities: readonly EntityId[]): CriticalSection {
    const section = new CriticalSection(id, sequence, entities, (released) => this.release(released));
    this.#current = section;
    return section;
  }

  /** An entity call (action `sequence`) made in `section`: the entity's call slot is taken until the answer. */
  beginCall(section: CriticalSection, sequence: number, target: string): void {
    section.beginCall(target);
    this.#callsInSection.set(sequence, { section, target });
  }

  /** An entity call inside a critical section has its answer: the entity may be called again. */
  endCall(sequence: number): void {
    const call = this.#callsInSection.get(sequence);
    if (call === undefined) return;
    this.#callsInSection.delete(sequence);
    call.section.endCall(call.target);
  }

  /** History granted the lock requested by action `sequence`: its task completes with the lock. */
  grant(sequence: number): void {
    const open = this.#actions.get(sequence);
    const section = this.#actions.lockRequest(sequence);
    if (open === undefined || section === undefined || open.task.isCompleted) return;
    section.granted = true;
    open.task.complete(section.lock);
  }

  /** Ends a critical section: one UnlockEntity action per locked entity (each entity of a pending request, too). */
  release(section: CriticalSection): void {
    if (section.released) return;
    section.released = true;
    if (this.#current === section) this.#current = undefined;
    for (const target of section.lockSet) {
      this.#open({ type: OrchestratorActionType.UnlockEntity, sequence: this.#actions.nextSequence(), criticalSectionId: section.id, targetInstanceId: target });
    }
  }

  /**
   * The execution ends (completed, failed, continued as new or terminated) inside a critical section: its locks are
   * released, and a pending request's entities too (each may hold the lock by the time the release arrives). A
   * request not even sent yet (made in this last episode) is dropped instead: nothing is locked, nothing to release.
   */
  releaseAtEnd(): void {
    const section = this.#current;
    if (section === undefined) return;
    const request = this.#actions.get(section.sequence);
    if (request !== undefined && !request.recorded) {
      request.dropped = true;
      section.released = true;
      this.#current = undefined;
      return;
    }
    this.release(section);
  }
}
