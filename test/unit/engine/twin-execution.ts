import { expect } from '@jest/globals';
import { isDeepStrictEqual } from 'node:util';
import { executeOrchestration } from '../../../src/engine/execute-orchestration.js';
import { OrchestrationExecution } from '../../../src/engine/orchestration-execution.js';
import type { OrchestrationDecision } from '../../../src/engine/orchestration-decision.js';
import type { OrchestrationExecutionRequest } from '../../../src/engine/orchestration-execution-request.js';
import type { HistoryEvent } from '../../../src/history/history-event.js';
import { getRunnableMetadata } from '../../../src/registry/runnable-metadata.js';
import { HistoryBuilder, type HistoryBuilderOptions } from '../../../src/testing/history-builder.js';
import { yieldToEventLoop } from '../../../src/testing/replay-history.js';

type Orchestrator = { run(ctx: never): unknown };

const resolveName: OrchestrationExecutionRequest['resolveName'] = (_kind, ref) =>
  typeof ref === 'string' ? ref : (getRunnableMetadata(ref)?.name ?? ref.name);

/** What one way of running an episode gave: a decision or an error, and the lines `ctx.log` wrote meanwhile. */
interface Outcome {
  readonly decision?: OrchestrationDecision;
  readonly error?: unknown;
  readonly logs: readonly string[];
}

const logLine = (level: string, message: string, args: unknown[]): string => `${level} ${message} ${JSON.stringify(args)}`;

// A stack trace recorded in failure details ends with the frames of whoever ran the episode: executeOrchestration's
// caller for a replay, OrchestrationExecution's for a continued execution. Diagnostics, not decision: compared
// without those frames (the message and the engine's and the orchestrator's frames must still be equal).
const CALLER_FRAME = /execute-orchestration\.ts|orchestration-execution\.ts|twin-execution\.ts/;
function withoutCallers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCallers);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, key === 'stackTrace' && typeof field === 'string'
    ? field.split('\n').filter((line) => !CALLER_FRAME.test(line)).join('\n')
    : withoutCallers(field)]));
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error));

/**
 * One orchestration run two ways at once: a cached {@link OrchestrationExecution} (started once, then continued
 * episode by episode) and a fresh `executeOrchestration` over the accumulated history for every episode. Each
 * {@link TwinExecution.step} checks that both give the same decision (deep and strict), or the same error, and that
 * `ctx.log` wrote the same lines (a replay logs only for new events; the live code, each line once), then commits the
 * decision to the history as the runtime would.
 *
 * Write the next episode's events with {@link TwinExecution.history} (a builder), then call `step()`.
 */
export class TwinExecution {
  readonly history: HistoryBuilder;
  /** The cached execution; undefined before the first step and after `restart()`. */
  execution: OrchestrationExecution | undefined;
  /** Events committed so far (the previous steps' new events and decisions). */
  #committed = 0;
  /** Where this run is, for failure messages. */
  label: string;

  constructor(
    private readonly create: () => Orchestrator,
    options: HistoryBuilderOptions,
    private readonly maxPayloadBytes?: number,
  ) {
    this.history = new HistoryBuilder(options);
    this.label = options.name;
  }

  #request(pastEvents: readonly HistoryEvent[], newEvents: readonly HistoryEvent[], log: OrchestrationExecutionRequest['log']): OrchestrationExecutionRequest {
    return { pastEvents, newEvents, orchestrator: this.create(), resolveName, yieldToEventLoop, log, maxPayloadBytes: this.maxPayloadBytes };
  }

  /** Takes the first `count` events written so far as history committed before this run (a replay checks them). */
  assumeCommitted(count: number): void {
    this.#committed = count;
  }

  /** Drops the cached execution (a cache miss): the next step starts a new one from the committed history. */
  restart(): void {
    this.execution = undefined;
  }

  /**
   * Runs the events written since the last step both ways and checks they agree; commits the decision. Returns the
   * decision, or throws the error both ways threw.
   */
  async step(): Promise<OrchestrationDecision> {
    const outcome = await this.tryStep();
    if ('error' in outcome) throw outcome.error instanceof Error ? outcome.error : new Error(describeError(outcome.error));
    return outcome.decision;
  }

  /** As {@link step}, but returns the error both ways threw (a disagreement still fails the test). */
  async tryStep(): Promise<{ decision: OrchestrationDecision } | { error: unknown }> {
    const events = this.history.build();
    const pastEvents = events.slice(0, this.#committed);
    const newEvents = events.slice(this.#committed);
    const freshLogs: string[] = [];
    const fresh = await this.#outcome(freshLogs, () =>
      executeOrchestration(this.#request(pastEvents, newEvents, (level, message, args) => freshLogs.push(logLine(level, message, args)))));
    const live = this.execution;
    const cached = await this.#outcome(this.#liveLogs, async () => {
      if (live !== undefined) return await live.continue(newEvents);
      // The cached execution logs through the logger it was started with, in every later episode too.
      const started = await OrchestrationExecution.start(this.#request(pastEvents, newEvents, (level, message, args) => this.#liveLogs.push(logLine(level, message, args))));
      this.execution = started.execution;
      return started.decision;
    });
    this.#check(fresh, cached);
    if (fresh.error !== undefined) return { error: fresh.error };
    const decision = fresh.decision as OrchestrationDecision;
    this.history.append(decision.newHistory);
    this.#committed = this.history.build().length;
    if (this.execution?.canContinue === true) expect(this.execution.historyLength).toBe(this.#committed);
    return { decision };
  }

  /** Lines the cached execution's `ctx.log` wrote and nobody took yet. */
  readonly #liveLogs: string[] = [];

  async #outcome(logs: string[], run: () => Promise<OrchestrationDecision>): Promise<Outcome> {
    logs.length = 0;
    try {
      const decision = await run();
      return { decision, logs: logs.splice(0) };
    } catch (error) {
      return { error, logs: logs.splice(0) };
    }
  }

  #check(fresh: Outcome, cached: Outcome): void {
    const context = `${this.label}, after ${this.#committed} committed events`;
    if (fresh.error !== undefined || cached.error !== undefined) {
      expect({ context, error: describeError(cached.error) }).toEqual({ context, error: describeError(fresh.error) });
      expect(this.execution?.canContinue ?? false).toBe(false);
      return;
    }
    const [actual, expected] = [withoutCallers(cached.decision), withoutCallers(fresh.decision)];
    if (!isDeepStrictEqual(actual, expected)) expect({ context, decision: actual }).toStrictEqual({ context, decision: expected });
    expect({ context, logs: cached.logs }).toEqual({ context, logs: fresh.logs });
  }
}
