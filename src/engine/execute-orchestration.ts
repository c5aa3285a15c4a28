import type { OrchestrationDecision } from './orchestration-decision.js';
import { OrchestrationExecutor, type OrchestrationExecutionRequest } from './orchestration-executor.js';

/**
 * The replay engine's one entry point: history in, decision out. Pure — no I/O, no clock, no DI: the same request
 * always produces the same decision.
 *
 * @throws NonDeterminismError when the code no longer matches the recorded history.
 * @throws NonDurableAwaitError when the code waits on something that is not a durable task.
 *
 * @example
 * ```ts
 * const decision = await executeOrchestration({
 *   pastEvents, newEvents, orchestrator: new HelloSequence(),
 *   resolveName: (kind, ref) => registry.nameOf(kind, ref),
 *   yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
 * });
 * ```
 */
export function executeOrchestration(request: OrchestrationExecutionRequest): Promise<OrchestrationDecision> {
  return new OrchestrationExecutor(request).execute();
}
