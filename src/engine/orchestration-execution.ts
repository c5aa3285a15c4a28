import { DurableError } from '../core/durable-error.js';
import type { HistoryEvent } from '../history/history-event.js';
import type { OrchestrationDecision } from './orchestration-decision.js';
import { OrchestrationExecutor, type OrchestrationExecutionRequest } from './orchestration-executor.js';

// A rough size of what applying an event leaves in memory: a fixed share of the executor's and the code's state, plus
// its strings (payloads mostly, decoded into the code's variables; UTF-16, two bytes a character).
const EVENT_OVERHEAD_BYTES = 64;

function approximateBytesOf(events: readonly HistoryEvent[]): number {
  let bytes = 0;
  for (const event of events) {
    bytes += EVENT_OVERHEAD_BYTES;
    for (const value of Object.values(event)) {
      if (typeof value === 'string') bytes += 2 * value.length;
    }
  }
  return bytes;
}

/**
 * A live orchestration execution, kept between episodes (Temporal's sticky cache, Durable Functions' extended
 * sessions): {@link OrchestrationExecution.start} replays a history once, then each
 * {@link OrchestrationExecution.continue} feeds only an episode's new events to the same running code — no replay, so
 * an episode costs the same at the thousandth activity as at the first. Every decision is the one a fresh
 * `executeOrchestration` over the whole history would return (deep-equal; only the stack trace in a failure's
 * details differs, in its last frames, which name who ran the episode), and a fresh replay is always a valid
 * fallback: drop the execution and {@link OrchestrationExecution.start} again.
 *
 * Pure like the replay: data in, decision out; no I/O, clock or timers but the request's `yieldToEventLoop`. The
 * runtime holds the value (and bounds what it holds with {@link OrchestrationExecution.approximateBytes}).
 *
 * Preconditions of `continue(newEvents)`: the previous decision was committed exactly as returned — the history now
 * ends with the previous episode's new events followed by that decision's `newHistory`
 * ({@link OrchestrationExecution.historyLength} events in all) — and `newEvents` are the events that follow (an
 * episode: OrchestratorStarted, then results and other events). A history committed differently (another worker's
 * episode, a decision replaced by a limit failure or a termination) means the execution is out of step: drop it.
 *
 * @example
 * ```ts
 * let { execution, decision } = await OrchestrationExecution.start({ pastEvents, newEvents, orchestrator, resolveName, yieldToEventLoop });
 * await commit([...newEvents, ...decision.newHistory]);
 * // Later, with the next episode's events:
 * if (execution.canContinue && execution.historyLength === committedLength) decision = await execution.continue(nextEvents);
 * else ({ execution, decision } = await OrchestrationExecution.start({ pastEvents: history, newEvents: nextEvents, ... }));
 * ```
 */
export class OrchestrationExecution {
  readonly #executor: OrchestrationExecutor;
  #historyLength: number;
  #bytes: number;
  #state: 'ready' | 'running' | 'ended' = 'running';
  /** Why the execution cannot continue, for the error a late `continue` gets. */
  #endedBecause = '';

  private constructor(executor: OrchestrationExecutor, historyLength: number, bytes: number) {
    this.#executor = executor;
    this.#historyLength = historyLength;
    this.#bytes = bytes;
  }

  /**
   * Replays `request.pastEvents` and `request.newEvents` exactly as `executeOrchestration` does, and returns its
   * decision with the execution to continue (which cannot continue if the decision ends it).
   *
   * @throws NonDeterminismError when the code no longer matches the recorded history.
   * @throws NonDurableAwaitError when the code waits on something that is not a durable task.
   */
  static async start(request: OrchestrationExecutionRequest): Promise<{ execution: OrchestrationExecution; decision: OrchestrationDecision }> {
    const executor = new OrchestrationExecutor(request);
    const decision = await executor.execute();
    const execution = new OrchestrationExecution(
      executor, request.pastEvents.length + request.newEvents.length, approximateBytesOf(request.pastEvents) + approximateBytesOf(request.newEvents),
    );
    execution.#accept(decision);
    return { execution, decision };
  }

  /**
   * Applies the next episode's events to the running code and returns the decision — deep-equal to what a fresh
   * `executeOrchestration({ pastEvents: <every event so far>, newEvents })` would return. The new events are not
   * replayed: `ctx.isReplaying` is false while the code reacts to them (and `ctx.log` writes).
   *
   * @param newEvents The events that follow the previous decision's `newHistory` in the committed history.
   * @throws DurableError `EXECUTION_NOT_CONTINUABLE` when {@link canContinue} is false, or another `continue` is
   *   still running.
   * @throws NonDeterminismError / NonDurableAwaitError as a replay would; the execution cannot continue after any
   *   error.
   */
  async continue(newEvents: readonly HistoryEvent[]): Promise<OrchestrationDecision> {
    if (this.#state === 'running') {
      throw new DurableError('EXECUTION_NOT_CONTINUABLE', 'This orchestration execution is already applying an episode: one episode at a time (an execution belongs to one session).');
    }
    if (this.#state === 'ready' && this.#executor.ranBetweenEpisodes) {
      this.#end('its code ran between episodes, woken by something not durable (a setTimeout, a plain promise, I/O)');
    }
    if (this.#state === 'ended') {
      throw new DurableError('EXECUTION_NOT_CONTINUABLE', `This orchestration execution cannot continue: ${this.#endedBecause}. Drop it; replay the history to go on.`);
    }
    this.#state = 'running';
    let decision: OrchestrationDecision;
    try {
      decision = await this.#executor.continueWith(newEvents);
    } catch (error) {
      this.#end(`an episode threw (${error instanceof Error ? error.name : 'a non-error'})`);
      throw error;
    }
    this.#historyLength += newEvents.length;
    this.#bytes += approximateBytesOf(newEvents);
    this.#accept(decision);
    return decision;
  }

  /**
   * The number of history events this execution has seen: past and new events plus every decision's `newHistory`.
   * The index at which the next episode's events start; compare it with the committed history's length.
   */
  get historyLength(): number {
    return this.#historyLength;
  }

  /**
   * False once the execution completed, failed, continued as new or was terminated, once an episode threw
   * (NonDeterminismError, NonDurableAwaitError, anything else), or once its code ran between episodes (woken by a
   * `setTimeout`, a plain promise or I/O — what a replay would not see): such an execution must be dropped, and the
   * history replayed. Also false while an episode is being applied.
   */
  get canContinue(): boolean {
    return this.#state === 'ready' && !this.#executor.ranBetweenEpisodes;
  }

  /**
   * A rough, cheap estimate of the memory this execution holds, in bytes: a fixed share per event applied plus the
   * events' strings (payloads mostly). Grows with each episode; meant for bounding a cache, not for accounting.
   */
  get approximateBytes(): number {
    return this.#bytes;
  }

  #accept(decision: OrchestrationDecision): void {
    this.#historyLength += decision.newHistory.length;
    if (decision.completion !== undefined) {
      this.#end(`it has ended (${decision.completion.status})`);
      return;
    }
    this.#executor.recordDecision();
    this.#state = 'ready';
  }

  #end(because: string): void {
    this.#state = 'ended';
    this.#endedBecause = because;
  }
}
