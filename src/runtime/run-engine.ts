import { NonDeterminismError } from '../core/errors/non-determinism-error.js';
import { NonDurableAwaitError } from '../core/errors/non-durable-await-error.js';
import { RegistrationError } from '../core/errors/registration-error.js';
import { OrchestrationExecution } from '../engine/orchestration-execution.js';
import type { OrchestrationDecision } from '../engine/orchestration-decision.js';
import type { HistoryEvent } from '../history/history-event.js';
import type { EngineOutcome } from '../planner/plan-commit.js';
import type { EpisodeRuntime } from './episode-runtime.js';
import type { EpisodeSession } from './episode-step.js';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The engine's outcome for `newEvents`: the session's live execution continues when it is in step with the history;
 * else the orchestrator is replayed from the history as known here. Only errors that mean "this code cannot run this
 * history" become an outcome; anything else is thrown (the episode is retried).
 */
export async function runEngine(rt: EpisodeRuntime, session: EpisodeSession, newEvents: readonly HistoryEvent[]): Promise<EngineOutcome> {
  const { instance } = session;
  try {
    let decision: OrchestrationDecision;
    const live = session.execution;
    if (live !== undefined && live.canContinue && live.historyLength === session.view.length) {
      decision = await live.continue(newEvents);
    } else {
      session.execution = undefined;
      const started = await OrchestrationExecution.start({
        pastEvents: session.view.events,
        newEvents,
        orchestrator: rt.registry.resolveOrchestrator(instance.name, rt.container),
        resolveName: (kind, ref) => rt.registry.nameOf(kind, ref),
        activityDefaults: (name) => rt.registry.activityDefaults(name),
        yieldToEventLoop,
        log: (level, message, args) => rt.log(level, message, args.length === 0
          ? { event: 'orchestrator.log', instanceId: instance.instanceId, executionId: instance.executionId, name: instance.name }
          : { event: 'orchestrator.log', instanceId: instance.instanceId, executionId: instance.executionId, name: instance.name, args }),
        maxPayloadBytes: rt.tuning.maxPayloadBytes,
        maxHistoryEvents: rt.tuning.maxHistoryEvents,
      });
      session.execution = started.execution;
      decision = started.decision;
    }
    return { ok: true, decision };
  } catch (error) {
    // The execution ran ahead of (or diverged from) what will be committed: it cannot be continued.
    session.execution = undefined;
    if (error instanceof NonDeterminismError || error instanceof NonDurableAwaitError || error instanceof RegistrationError) return { ok: false, error };
    throw error;
  }
}

