import type { HistoryEvent } from '../history/history-event.js';
import type { CallActivityOptions } from './orchestration-context.js';
import type { EntityClassRef } from './entity-proxy.js';
import type { LogLevel } from './replay-context.js';
import type { RunnableClass } from './task-types.js';

/** Everything one replay needs. All data; no I/O, clock or container behind it. */
export interface OrchestrationExecutionRequest {
  /** Events already committed, replayed to rebuild the orchestrator's state. */
  readonly pastEvents: readonly HistoryEvent[];
  /** Events new in this episode (usually OrchestratorStarted, then completions and raised events). */
  readonly newEvents: readonly HistoryEvent[];
  /** A fresh orchestrator instance (the runtime creates one per replay). */
  readonly orchestrator: { run(ctx: never): unknown };
  /** The registered name of an activity, orchestrator or entity class (or a checked name string). May throw. */
  readonly resolveName: (kind: 'activity' | 'orchestrator' | 'entity', ref: RunnableClass | EntityClassRef | string) => string;
  /** The defaults an activity's class declares (`@Activity({ startToCloseTimeoutMs, retry, ... })`), by name. */
  readonly activityDefaults?: (name: string) => CallActivityOptions | undefined;
  /** Lets every pending microtask run (the runtime passes `() => new Promise((r) => setImmediate(r))`). */
  readonly yieldToEventLoop: () => Promise<void>;
  /** Receives `ctx.log` lines written outside replay. */
  readonly log?: (level: LogLevel, message: string, args: unknown[]) => void;
  /** Largest encoded payload (inputs, output, custom status, event data) in bytes; over it is PayloadTooLargeError. */
  readonly maxPayloadBytes?: number;
  /**
   * The runtime's history limit (`maxHistoryEvents`), for `ctx.continueAsNewSuggested` — used only when the
   * execution's ExecutionStarted recorded none (it records the limit it started under, so replays agree).
   */
  readonly maxHistoryEvents?: number;
}
