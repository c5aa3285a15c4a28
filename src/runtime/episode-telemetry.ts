import type { TraceContext } from '../core/trace-context.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import type { HistoryChunk, InstanceState } from '../ports/instance-store.js';
import type { HistoryView } from '../planner/history-view.js';
import type { Telemetry } from '../telemetry/telemetry.js';

// How far back a fired timer's creation is looked for (its span's start); beyond, the span starts at its due time.
const TIMER_LOOKBACK_EVENTS = 1_000;

/**
 * The span of an execution whose first episode is about to run here (none for later episodes: their spans' parent is
 * the one ExecutionStarted recorded). Undefined when nothing is traced.
 */
export function beginExecutionSpan(telemetry: Telemetry, instance: InstanceState, view: HistoryView): TraceContext | undefined {
  if (view.length !== 0) return undefined;
  const { instanceId, executionId, name, orchestrationVersion } = instance;
  return telemetry.tracer.beginExecution({ instanceId, executionId, name, ...(orchestrationVersion === undefined ? {} : { version: orchestrationVersion }) }, instance.traceContext);
}

/**
 * What a committed episode tells the telemetry (`view` already holds `chunk`): its duration and replay length, the
 * execution's start (every execution counts: a new instance, a sub-orchestration, a continue-as-new), the spans and
 * lateness of the timers it applied, and — when it ended the execution — the execution's span and count.
 * Called once per committed chunk, so nothing is emitted twice for replayed work.
 */
export function episodeCommitted(telemetry: Telemetry, instance: InstanceState, view: HistoryView, chunk: HistoryChunk, episode: { readonly durationMs: number; readonly replayedEvents: number }): void {
  const { instanceId, executionId, name } = instance;
  telemetry.metrics.episode(name, episode.durationMs, episode.replayedEvents);
  const started = view.started;
  for (const event of chunk.events) {
    if (event.type === HistoryEventType.ExecutionStarted) telemetry.metrics.instanceStarted(name);
    if (event.type === HistoryEventType.TimerFired) {
      telemetry.metrics.timerFired(event.timestamp.getTime() - event.fireAt.getTime());
      if (started?.traceContext !== undefined) {
        const createdAt = timerCreatedAt(view.events, chunk.firstEventIndex, event.timerId) ?? event.fireAt;
        telemetry.tracer.timerFired(started.traceContext, { orchestrationName: name, instanceId, timerId: event.timerId, createdAt, fireAt: event.fireAt, firedAt: event.timestamp });
      }
    }
    const status = endingStatus(event);
    if (status === undefined) continue;
    telemetry.metrics.instanceFinished(name, status);
    if (started !== undefined) {
      const failure = event.type === HistoryEventType.ExecutionCompleted ? event.failureDetails : undefined;
      const rewind = view.events.findLast((e) => e.type === HistoryEventType.ExecutionRewound);
      telemetry.tracer.endExecution({ instanceId, executionId, name, ...(instance.orchestrationVersion === undefined ? {} : { version: instance.orchestrationVersion }) }, started, status, status === 'Failed' ? failure : undefined, rewind?.timestamp);
    }
  }
}

function endingStatus(event: HistoryEvent): string | undefined {
  if (event.type === HistoryEventType.ExecutionCompleted) return event.orchestrationStatus;
  if (event.type === HistoryEventType.ContinueAsNew) return 'ContinuedAsNew';
  return undefined;
}

function timerCreatedAt(events: readonly HistoryEvent[], before: number, timerId: number): Date | undefined {
  for (let i = before - 1; i >= 0 && i >= before - TIMER_LOOKBACK_EVENTS; i--) {
    const event = events[i];
    if (event?.type === HistoryEventType.TimerCreated && event.eventId === timerId) return event.timestamp;
  }
  return undefined;
}
