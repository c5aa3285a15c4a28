import { NonDeterminismError } from '../core/errors/non-determinism-error.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { PATCH_HINT } from './replay-step.js';

/** A cancellation the code made: of an activity (TaskCancelRequested) or of a timer (TimerCanceled). */
interface Cancel {
  readonly kind: 'task' | 'timer';
  readonly reason: string | undefined;
  recorded: boolean;
}

/**
 * The cancellations of one execution's code, so that each is recorded in history once: made by the code (a
 * `cancel()`, a timeout giving up an attempt), matched against the recorded ones during replay, and the new ones
 * carried by the next decision. Recording them is engine version 2 behaviour: an execution started under version 1
 * keeps cancelling in memory only (its histories have no such events). Internal to the engine.
 */
export class CancelLedger {
  readonly #cancels = new Map<number, Cancel>();
  readonly #unrecorded = new Set<number>();
  #records = false;

  /** Turns recording on (from the execution's engine version, once ExecutionStarted is applied). */
  enable(): void {
    this.#records = true;
  }

  /** The code cancelled action `sequence` (it had no answer yet). A second cancel of the same action changes nothing. */
  cancel(kind: 'task' | 'timer', sequence: number, reason?: string): void {
    if (!this.#records || this.#cancels.has(sequence)) return;
    this.#cancels.set(sequence, { kind, reason, recorded: false });
    this.#unrecorded.add(sequence);
  }

  /**
   * Replay found a recorded cancellation of action `sequence`: the code must have made it. Returns the
   * non-determinism otherwise (a history that gave up an action the code still waits for would never answer it).
   */
  match(sequence: number, kind: 'task' | 'timer'): NonDeterminismError | undefined {
    const cancel = this.#cancels.get(sequence);
    if (cancel === undefined || cancel.kind !== kind) {
      const what = kind === 'task' ? `a cancellation of the activity of action #${sequence}` : `a cancellation of the timer of action #${sequence}`;
      return new NonDeterminismError({
        sequence, expected: what, actual: undefined,
        hint: `The code no longer cancels it: was it changed while instances were in flight? Keep the cancel for them. ${PATCH_HINT}`,
      });
    }
    cancel.recorded = true;
    this.#unrecorded.delete(sequence);
    return undefined;
  }

  /** The events recording the cancellations not recorded yet, at `timestamp`, in the order made. */
  unrecordedEvents(timestamp: Date): HistoryEvent[] {
    const events: HistoryEvent[] = [];
    for (const sequence of this.#unrecorded) {
      const cancel = this.#cancels.get(sequence) as Cancel;
      events.push(cancel.kind === 'timer'
        ? { type: HistoryEventType.TimerCanceled, eventId: -1, timestamp, timerId: sequence }
        : { type: HistoryEventType.TaskCancelRequested, eventId: -1, timestamp, taskScheduledId: sequence, ...(cancel.reason === undefined ? {} : { reason: cancel.reason }) });
    }
    return events;
  }

  /** The decision carrying them was committed. */
  recordAll(): void {
    for (const sequence of this.#unrecorded) (this.#cancels.get(sequence) as Cancel).recorded = true;
    this.#unrecorded.clear();
  }
}
