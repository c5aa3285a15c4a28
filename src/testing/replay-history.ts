import { executeOrchestration } from '../engine/execute-orchestration.js';
import type { EntityClassRef } from '../engine/entity-proxy.js';
import type { OrchestrationDecision } from '../engine/orchestration-decision.js';
import type { LogLevel } from '../engine/replay-context.js';
import type { RunnableClass } from '../engine/task-types.js';
import type { HistoryEvent } from '../history/history-event.js';
import { getRunnableMetadata } from '../registry/runnable-metadata.js';
import { HistoryBuilder } from './history-builder.js';

/** Options of {@link replayHistory}. */
export interface ReplayHistoryOptions {
  /**
   * Maps an activity/orchestrator/entity class or name to its registered name (pass `registry.nameOf` to check names as the
   * runtime does). Default: the string as is, or the class's decorator name, or its class name.
   */
  readonly resolveName?: (kind: 'activity' | 'orchestrator' | 'entity', ref: RunnableClass | EntityClassRef | string) => string;
  readonly log?: (level: LogLevel, message: string, args: unknown[]) => void;
}

/** Lets every pending microtask run before the engine looks at the orchestrator again. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// Without a registry: a string is taken as is, a class by its decorator's name or else its class name.
function defaultResolveName(_kind: 'activity' | 'orchestrator' | 'entity', ref: RunnableClass | EntityClassRef | string): string {
  return typeof ref === 'string' ? ref : (getRunnableMetadata(ref)?.name ?? ref.name);
}

/**
 * Replays a history against an orchestrator and returns the engine's decision — the unit test of an orchestrator:
 * no database, no workers. `history` may be a builder (its last episode is the new one), `{ pastEvents, newEvents }`,
 * or a plain event list (all treated as past).
 *
 * @example
 * ```ts
 * const decision = await replayHistory(new HelloSequence(), history);
 * expect(decision.actions).toEqual([expect.objectContaining({ name: 'SayHello' })]);
 * ```
 */
export function replayHistory(
  orchestrator: { run(ctx: never): unknown } | (new () => { run(ctx: never): unknown }),
  history: HistoryBuilder | { pastEvents: readonly HistoryEvent[]; newEvents: readonly HistoryEvent[] } | readonly HistoryEvent[],
  options: ReplayHistoryOptions = {},
): Promise<OrchestrationDecision> {
  const instance = typeof orchestrator === 'function' ? new orchestrator() : orchestrator;
  const { pastEvents, newEvents } = history instanceof HistoryBuilder
    ? history.split()
    : Array.isArray(history) ? { pastEvents: history as readonly HistoryEvent[], newEvents: [] } : (history as { pastEvents: readonly HistoryEvent[]; newEvents: readonly HistoryEvent[] });
  return executeOrchestration({
    pastEvents,
    newEvents,
    orchestrator: instance,
    resolveName: options.resolveName ?? defaultResolveName,
    yieldToEventLoop,
    log: options.log,
  });
}
