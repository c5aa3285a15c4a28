import { decodePayload, encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { NonDeterminismError } from '../core/errors/non-determinism-error.js';
import { NonDurableAwaitError } from '../core/errors/non-durable-await-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import { handleEvent } from '../history/history-event-handlers.js';
import { cancelledSequence } from '../history/history-event-traits.js';
import { rewoundEvents } from '../history/rewound-history.js';
import { HistoryEventType, type EventRaisedEvent, type ExecutionStartedEvent, type HistoryEvent } from '../history/history-event.js';
import { buildDecision } from './build-decision.js';
import { RECORDS_CANCELLATIONS_FROM } from './engine-version.js';
import { CodeActivity } from './code-activity.js';
import { EVENT_APPLIERS, isHeldWhileSuspended, type EventReplay } from './event-appliers.js';
import { ExecutionState } from './execution-state.js';
import type { OrchestrationDecision } from './orchestration-decision.js';
import type { OrchestrationExecutionRequest } from './orchestration-execution-request.js';
import { OrchestrationHost } from './orchestration-host.js';
import { createOrchestrationContext } from './replay-context.js';
import { runOrchestrator } from './run-orchestrator.js';

export type { OrchestrationExecutionRequest } from './orchestration-execution-request.js';

/**
 * Runs one orchestration execution: replays the orchestrator against its history, feeding recorded results one at a
 * time in history order and letting microtasks drain in between, checks every action it takes against the recorded
 * ones, and returns the decision. One instance per execution: {@link OrchestrationExecutor.execute} replays the
 * request's events; after {@link OrchestrationExecutor.recordDecision}, {@link OrchestrationExecutor.continueWith}
 * applies a next episode's events to the same running code (see `OrchestrationExecution`).
 *
 * This is the replay loop; the rest is its parts' (all on one {@link ExecutionState}): the code's calls go to an
 * {@link OrchestrationHost} (with its critical sections), its tasks report to a {@link CodeActivity}, each event is
 * applied by its handler in {@link EVENT_APPLIERS}, and the decision is built by {@link buildDecision}.
 *
 * Bookkeeping is kept proportional to what is still open, not to the history (see `ActionTable`): every per-episode
 * loop runs over open things only, so continuing costs the same at the thousandth activity as at the first.
 */
export class OrchestrationExecutor {
  readonly #state: ExecutionState;
  readonly #activity = new CodeActivity();
  readonly #host: OrchestrationHost;
  readonly #replay: EventReplay;
  /** Events held back while suspended, in order, until ExecutionResumed. */
  #deferred: HistoryEvent[] = [];
  /** The last decision's new events (committed before the next episode's). */
  #decided: readonly HistoryEvent[] = [];

  constructor(request: OrchestrationExecutionRequest) {
    this.#state = new ExecutionState(request);
    this.#host = new OrchestrationHost(this.#state, this.#activity);
    this.#replay = { state: this.#state, sections: this.#host.sections, start: (event) => this.#start(event) };
  }

  /** Replays past and new events and returns the decision; rejects with NonDeterminismError / NonDurableAwaitError. */
  execute(): Promise<OrchestrationDecision> {
    const { pastEvents, newEvents } = this.#state.request;
    // A rewind (in either part) undoes events before it: replay reads the history as its rewinds left it. Histories
    // without one (nearly all) are replayed as they are, without a second pass over them.
    const isRewind = (event: HistoryEvent): boolean => event.type === HistoryEventType.ExecutionRewound;
    if (!pastEvents.some(isRewind) && !newEvents.some(isRewind)) return this.#episode(pastEvents, newEvents);
    const undone = rewoundEvents([...pastEvents, ...newEvents]);
    const kept = (offset: number) => (_: HistoryEvent, i: number): boolean => !undone.has(offset + i);
    return this.#episode(pastEvents.filter(kept(0)), newEvents.filter(kept(pastEvents.length)));
  }

  /**
   * Applies the next episode's events (none replayed) to the running code and returns its decision, as
   * {@link OrchestrationExecutor.execute} over the whole history would. Only after {@link recordDecision}.
   */
  continueWith(newEvents: readonly HistoryEvent[]): Promise<OrchestrationDecision> {
    return this.#episode([], newEvents);
  }

  /**
   * True once the code did something between episodes — woken by something not durable (a `setTimeout`, a plain
   * promise, I/O) after the last episode's events were applied. A replay would not see that: this execution must not
   * be continued (a replay of the history decides without it).
   */
  get ranBetweenEpisodes(): boolean {
    return this.#activity.ranBetweenEpisodes;
  }

  /**
   * The last decision (of an execution that did not end) was committed as returned: its actions are now recorded,
   * as matching its newHistory in a replay would record them. A replay would also check the episode at its
   * OrchestratorCompleted; here there is nothing left to check, every action being part of the decision.
   */
  recordDecision(): void {
    if (this.#state.completion !== undefined) throw new DurableError('EXECUTION_NOT_CONTINUABLE', 'the execution has ended: its decision leaves nothing to continue');
    this.#state.actions.recordAll();
    this.#state.cancels.recordAll();
    // A replay applies these events from history before the next episode's: so does the count.
    this.#state.countEvents(this.#decided);
    this.#state.patches.recordAll();
  }

  async #episode(pastEvents: readonly HistoryEvent[], newEvents: readonly HistoryEvent[]): Promise<OrchestrationDecision> {
    this.#activity.inEpisode = true;
    try {
      return await this.#applyAll(pastEvents, newEvents);
    } finally {
      this.#activity.inEpisode = false;
    }
  }

  async #applyAll(pastEvents: readonly HistoryEvent[], newEvents: readonly HistoryEvent[]): Promise<OrchestrationDecision> {
    const state = this.#state;
    const total = pastEvents.length + newEvents.length;
    const eventAt = (i: number): HistoryEvent => (i < pastEvents.length ? pastEvents[i] : newEvents[i - pastEvents.length]) as HistoryEvent;
    let i = 0;
    for (; i < total && state.applying; i++) {
      const event = eventAt(i);
      state.replaying = i < pastEvents.length;
      // Counted where they stand in history, also events held back while suspended: replay and continue agree.
      state.countEvent(event);
      if (state.suspended && isHeldWhileSuspended(event)) {
        this.#deferred.push(event);
        continue;
      }
      await this.#apply(event);
      if (event.type === HistoryEventType.ExecutionResumed) {
        // Held events, in order, until one ends the execution; the ones after it stay unprocessed.
        const held = this.#deferred;
        let k = 0;
        while (k < held.length && state.applying) await this.#apply(held[k++] as HistoryEvent);
        this.#deferred = held.slice(k);
      }
    }
    if (state.fatal !== undefined) throw state.fatal;
    // The code ended: the events after that are not applied, but a cancellation it made just before ending is
    // recorded after it (in the same episode) and must be matched, not recorded again.
    for (let j = i; j < pastEvents.length; j++) {
      const sequence = cancelledSequence(pastEvents[j] as HistoryEvent);
      if (sequence !== undefined) state.cancels.match(sequence, (pastEvents[j] as HistoryEvent).type === HistoryEventType.TimerCanceled ? 'timer' : 'task');
    }
    const completion = state.completion;
    if (completion?.status === 'ContinuedAsNew' && state.continueAsNew?.preserve === true) {
      // Events of this batch after the one that ended the execution never reached the code: they are unprocessed too.
      const rest = [...this.#deferred];
      for (; i < total; i++) rest.push(eventAt(i));
      const raised = rest.filter((event): event is EventRaisedEvent => event.type === HistoryEventType.EventRaised);
      state.completion = { ...completion, carryoverEvents: [...completion.carryoverEvents, ...raised] };
    }
    if (state.started === undefined) {
      throw new DurableError('INVALID_HISTORY', 'history has no ExecutionStarted event: nothing to replay');
    }
    if (state.completion === undefined && !state.runSettled && !state.suspended && !this.#activity.waitingOnDurableWork) {
      throw new NonDurableAwaitError(state.started.name);
    }
    const decision = buildDecision(state, this.#host.sections);
    this.#decided = decision.newHistory;
    return decision;
  }

  /** Applies one event; if that resumed the code, lets it run to its next durable await. */
  async #apply(event: HistoryEvent): Promise<void> {
    this.#activity.beginEvent();
    handleEvent(EVENT_APPLIERS, this.#replay, event);
    if (this.#activity.hasResumed) await this.#drain();
  }

  /** Starts the orchestrator code (for the first ExecutionStarted; a repeated one changes nothing). */
  #start(event: ExecutionStartedEvent): void {
    const state = this.#state;
    if (state.started !== undefined) return;
    state.started = event;
    if (event.engineVersion >= RECORDS_CANCELLATIONS_FROM) state.cancels.enable();
    if (state.now.getTime() === 0) state.now = event.timestamp;
    state.input = decodePayload(event.input);
    const ctx = createOrchestrationContext(this.#host);
    const outcome = runOrchestrator(state.request.orchestrator, ctx);
    outcome.then(
      (output) => this.#finish({ ok: true, output }),
      (error: unknown) => this.#finish({ ok: false, error }),
    );
    // Starting the code is itself a resumption: let it run to its first durable await.
    this.#activity.started();
  }

  /** The orchestrator's `run` settled: how the execution ends (unless it already did, or the episode failed). */
  #finish(outcome: { ok: true; output: unknown } | { ok: false; error: unknown }): void {
    const state = this.#state;
    this.#activity.acting();
    state.runSettled = true;
    if (state.completion !== undefined) return;
    if (!outcome.ok) {
      if (outcome.error instanceof NonDeterminismError || outcome.error instanceof NonDurableAwaitError) {
        state.fatal = outcome.error;
        return;
      }
      state.completion = { status: 'Failed', failureDetails: failureDetailsFrom(outcome.error) };
      return;
    }
    if (state.continueAsNew !== undefined) {
      state.completion = {
        status: 'ContinuedAsNew',
        input: state.continueAsNew.input,
        carryoverEvents: state.continueAsNew.preserve ? state.events.unconsumed() : [],
      };
      return;
    }
    try {
      state.completion = {
        status: 'Completed',
        output: assertPayloadSize(encodePayload(outcome.output, 'orchestrator output'), 'orchestrator output', state.request.maxPayloadBytes),
      };
    } catch (error) {
      state.completion = { status: 'Failed', failureDetails: failureDetailsFrom(error) };
    }
  }

  /** Lets the resumed code run; code that then waits on nothing durable (and did not end) is a non-durable await. */
  async #drain(): Promise<void> {
    const state = this.#state;
    await state.request.yieldToEventLoop();
    if (state.applying && !state.runSettled && !this.#activity.waitingOnDurableWork) {
      state.fatal = new NonDurableAwaitError(state.started?.name ?? 'orchestrator');
    }
  }
}
