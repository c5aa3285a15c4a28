import { DurableError } from '../core/durable-error.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';

/** Longest accepted patch ID, in characters. */
export const MAX_PATCH_ID_LENGTH = 256;

/** A marker the code made in this execution, not committed yet. */
interface NewMarker {
  readonly patchId: string;
  readonly deprecated: boolean;
}

/**
 * The patches of one execution (`ctx.patched`, `ctx.deprecatePatch`: Temporal's code-level versioning). Every patch
 * marker in the execution's committed history is known before replay starts: the code may ask about a patch during
 * replay before the replay reaches its marker (a marker is appended at the end of the episode that first asked).
 * Each answer is kept, so the code gets the same answer for a patch for the whole execution — a `false` given during
 * replay is never contradicted later, even once the execution runs new episodes. Internal to the engine.
 */
export class PatchLedger {
  /** Patch IDs with a marker in history, or one made in this execution (committed or not). */
  readonly #marked = new Set<string>();
  /** `ctx.patched` answers, by patch ID. */
  readonly #answers = new Map<string, boolean>();
  readonly #unrecorded: NewMarker[] = [];

  /** Learns the markers of the execution's committed history (the events replay is about to apply). */
  constructor(pastEvents: readonly HistoryEvent[]) {
    for (const event of pastEvents) {
      if (event.type === HistoryEventType.PatchMarker) this.#marked.add(event.patchId);
    }
  }

  /** A marker of `patchId` is in history (answers already given stay as they are). */
  learn(patchId: string): void {
    this.#marked.add(patchId);
  }

  /**
   * `ctx.patched(patchId)`: true when history holds its marker; else false while replaying (the recorded execution
   * passed this point on the old path); else true, recording the marker.
   */
  patched(patchId: string, replaying: boolean): boolean {
    const known = this.#answers.get(patchId);
    if (known !== undefined) return known;
    const answer = this.#marked.has(patchId) || (!replaying && this.#mark(patchId, false));
    this.#answers.set(patchId, answer);
    return answer;
  }

  /**
   * `ctx.deprecatePatch(patchId)`: records the marker when not replaying and not marked yet (so that code rolled back
   * to `ctx.patched(patchId)` keeps this execution on the new path). Never fails, marker or none.
   */
  deprecate(patchId: string, replaying: boolean): void {
    if (!replaying && !this.#marked.has(patchId)) this.#mark(patchId, true);
  }

  /** The events recording the markers made since the last commit, at `timestamp`, in the order made. */
  unrecordedEvents(timestamp: Date): HistoryEvent[] {
    return this.#unrecorded.map(({ patchId, deprecated }) => ({
      type: HistoryEventType.PatchMarker, eventId: -1, timestamp, patchId, ...(deprecated ? { deprecated } : {}),
    }));
  }

  /** The decision carrying them was committed. */
  recordAll(): void {
    this.#unrecorded.length = 0;
  }

  #mark(patchId: string, deprecated: boolean): true {
    this.#marked.add(patchId);
    this.#unrecorded.push({ patchId, deprecated });
    return true;
  }
}

/**
 * A patch ID argument, checked.
 *
 * @throws DurableError `INVALID_ARGUMENT` unless a non-empty string of at most {@link MAX_PATCH_ID_LENGTH} characters.
 */
export function checkPatchId(patchId: unknown, what: string): asserts patchId is string {
  if (typeof patchId !== 'string' || patchId.length === 0 || patchId.length > MAX_PATCH_ID_LENGTH) {
    throw new DurableError('INVALID_ARGUMENT', `${what} expects a patch ID: a non-empty string of at most ${MAX_PATCH_ID_LENGTH} characters (got ${typeof patchId === 'string' ? `${patchId.length} characters` : typeof patchId})`);
  }
}
