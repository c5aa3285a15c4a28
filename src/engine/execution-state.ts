import type { EncodedPayload, ExecutionStartedEvent, HistoryEvent } from '../history/history-event.js';
import { historyEventBytes } from '../history/history-event-size.js';
import { ActionTable } from './action-table.js';
import { CancelLedger } from './cancel-ledger.js';
import type { OrchestrationCompletion } from './orchestration-decision.js';
import type { OrchestrationExecutionRequest } from './orchestration-execution-request.js';
import { PatchLedger } from './patch-ledger.js';
import { RaisedEvents } from './raised-events.js';

/**
 * The state of one orchestration execution, shared by the executor's parts: the replay loop and the event appliers
 * write what history establishes (the start, the episode's time, suspension, the end), the context host what the code
 * asks for (actions, waits, custom status, continue-as-new), and the decision is built from it. Plain fields,
 * internal to the engine.
 */
export class ExecutionState {
  readonly request: OrchestrationExecutionRequest;
  /** The execution's ExecutionStarted, once applied. */
  started: ExecutionStartedEvent | undefined;
  /** The decoded orchestration input. */
  input: unknown;
  /** `ctx.currentUtcDateTime`: the current episode's OrchestratorStarted time. */
  now = new Date(0);
  /** True while the event being applied is a past (committed) one. */
  replaying = true;
  /** Between ExecutionSuspended and ExecutionResumed. */
  suspended = false;
  /** `ctx.historyLength`: the history events up to the one applied last (or recorded by a committed decision). */
  historyLength = 0;
  /** The size of the events counted and measured so far (see historySizeBytes). */
  #measuredBytes = 0;
  /** Events counted but not measured yet: measuring (a JSON text each) waits until the code asks, or 256 wait. */
  #unmeasured: HistoryEvent[] = [];
  /** How the execution ended, once it did. */
  completion: OrchestrationCompletion | undefined;
  /** What makes the episode throw (non-determinism, a non-durable await); applying stops at it. */
  fatal: Error | undefined;
  /** The orchestrator's `run` returned or threw. */
  runSettled = false;
  /** The last custom status the code set. */
  customStatus: EncodedPayload;
  /** Set when the code called `continueAsNew`. */
  continueAsNew: { readonly input: EncodedPayload; readonly preserve: boolean } | undefined;
  /** The code's actions while history may still refer to them. */
  readonly actions = new ActionTable();
  /** The cancellations the code made, to be recorded once each. */
  readonly cancels = new CancelLedger();
  /** External events and the tasks waiting for them. */
  readonly events = new RaisedEvents();
  /** The patches the code asked about (`ctx.patched`), knowing every marker of the committed history. */
  readonly patches: PatchLedger;

  constructor(request: OrchestrationExecutionRequest) {
    this.request = request;
    this.patches = new PatchLedger(request.pastEvents);
  }

  /** Counts events into `historyLength` and `historySizeBytes`, in history order. */
  countEvents(events: readonly HistoryEvent[]): void {
    for (const event of events) this.countEvent(event);
  }

  /** Counts one event (see {@link ExecutionState.countEvents}). */
  countEvent(event: HistoryEvent): void {
    this.historyLength++;
    this.#unmeasured.push(event);
    if (this.#unmeasured.length >= 256) this.#measure();
  }

  /**
   * `ctx.historySizeBytes`: the size (`historyEventBytes`) of the events counted so far. Measured when asked (or 256
   * events at a time), off the path of an episode that does not ask; the answer is the same as measuring each event
   * as it is counted.
   */
  get historySizeBytes(): number {
    this.#measure();
    return this.#measuredBytes;
  }

  #measure(): void {
    for (const event of this.#unmeasured) this.#measuredBytes += historyEventBytes(event);
    this.#unmeasured = [];
  }

  /** False once the execution ended or an episode failed: no further event reaches the code. */
  get applying(): boolean {
    return this.completion === undefined && this.fatal === undefined;
  }
}
