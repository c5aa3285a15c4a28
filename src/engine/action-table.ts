import type { NonDeterminismError } from '../core/errors/non-determinism-error.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { expectsAnswer } from '../history/history-event-traits.js';
import { OrchestratorActionType, type OrchestratorAction } from '../history/orchestrator-action.js';
import type { CompletableTask } from './completable-task.js';
import type { CriticalSection } from './critical-section.js';
import { stepChanged, stepNotRecorded, stepNotTaken, stepOfAction, type ReplayStep } from './replay-step.js';
import { DurableTimerTask } from './timer-task.js';

/** An action the code took, while history may still refer to it. */
export interface OpenAction {
  /** Replaced once when a lock request is matched in history (the recorded critical section ID is adopted). */
  action: OrchestratorAction;
  readonly task: CompletableTask<unknown>;
  /** Recorded in history (matched during replay, or committed with a decision). */
  recorded: boolean;
  /** Never carried out: a lock request not yet sent when the execution ended. */
  dropped?: boolean;
}

/**
 * The actions of one execution, by sequence number, for as long as history may still refer to them: until recorded
 * and answered (a result, a failure, a firing, a grant) — or, fire-and-forget, until recorded. What has left the
 * table is settled for good: a duplicate answer finds nothing and is ignored, as the completed task would ignore it.
 * So the table, and every per-episode loop over it, stays the size of what is open, however long the history.
 * Internal to the executor.
 */
export class ActionTable {
  #next = 0;
  readonly #open = new Map<number, OpenAction>();
  /** Sequence numbers of actions taken by the code but not (yet) found in history, in the order taken. */
  readonly #unrecorded = new Set<number>();
  /** Critical sections by the sequence number of their lock request. */
  readonly #lockRequests = new Map<number, CriticalSection>();

  /** Numbers the next action. */
  nextSequence(): number {
    return this.#next++;
  }

  /** A new action of the code, not recorded yet (a lock request with its critical section). */
  add(action: OrchestratorAction, task: CompletableTask<unknown>, section?: CriticalSection): void {
    this.#open.set(action.sequence, { action, task, recorded: false });
    this.#unrecorded.add(action.sequence);
    if (section !== undefined) this.#lockRequests.set(action.sequence, section);
  }

  get(sequence: number): OpenAction | undefined {
    return this.#open.get(sequence);
  }

  lockRequest(sequence: number): CriticalSection | undefined {
    return this.#lockRequests.get(sequence);
  }

  /**
   * Replay found the record of a step in history: it must be the code's action of that number. Returns the
   * non-determinism otherwise.
   */
  match(event: HistoryEvent, recorded: ReplayStep): NonDeterminismError | undefined {
    const open = this.#open.get(event.eventId);
    if (open === undefined) {
      // A step taken, recorded and answered earlier has left the table: recording it again changes nothing.
      if (event.eventId >= 0 && event.eventId < this.#next) return undefined;
      return stepNotTaken(event.eventId, recorded);
    }
    const actual = stepOfAction(open.action);
    if (actual.kind !== recorded.kind || actual.key !== recorded.key) return stepChanged(event.eventId, recorded, actual);
    open.recorded = true;
    this.#unrecorded.delete(event.eventId);
    if (event.type === HistoryEventType.EntityLockRequested && open.action.type === OrchestratorActionType.LockEntities) {
      // The recorded ID is the one the entities know: later releases must name it, whatever this code derives.
      open.action = { ...open.action, criticalSectionId: event.criticalSectionId };
      const section = this.#lockRequests.get(event.eventId);
      if (section !== undefined) section.id = event.criticalSectionId;
    }
    if (!expectsAnswer(open.action)) this.#open.delete(event.eventId);
    else this.retire(event.eventId);
    return undefined;
  }

  /**
   * After an answer to action `sequence` was applied: a recorded action that is settled leaves the table (a
   * cancelled timer's firing is its last event too). Unrecorded actions stay: replay still has to match them.
   */
  retire(sequence: number): void {
    const open = this.#open.get(sequence);
    if (open === undefined || !open.recorded) return;
    if (!open.task.isCompleted && !(open.task instanceof DurableTimerTask && open.task.isCancelled)) return;
    this.#open.delete(sequence);
    this.#lockRequests.delete(sequence);
  }

  /**
   * The non-determinism of an episode whose OrchestratorCompleted is replayed while an action of the code is still
   * unrecorded: a step the old code never took. (The first such action is the one reported.)
   */
  unrecordedStep(): NonDeterminismError | undefined {
    for (const sequence of this.#unrecorded) return stepNotRecorded((this.#open.get(sequence) as OpenAction).action);
    return undefined;
  }

  /** The actions not recorded yet, in the order taken: what a decision may carry out. */
  *unrecorded(): Generator<OpenAction> {
    for (const sequence of this.#unrecorded) yield this.#open.get(sequence) as OpenAction;
  }

  /** The decision that carried out the unrecorded actions was committed: they are recorded now. */
  recordAll(): void {
    for (const sequence of this.#unrecorded) {
      const open = this.#open.get(sequence) as OpenAction;
      open.recorded = true;
      if (!expectsAnswer(open.action)) this.#open.delete(sequence);
    }
    this.#unrecorded.clear();
  }
}
