import { assertTraceContext, type TraceContext } from '../core/trace-context.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/**
 * Starts an instance inside its `create_orchestration:<Name>` span (a child of `parentTrace`, else of the active
 * OpenTelemetry context): `create` stores the instance with the span's context, which its executions' spans descend
 * from.
 */
export async function tracedStart(
  telemetry: Telemetry | undefined,
  start: { readonly name: string; readonly instanceId: string; readonly version: string | undefined; readonly parentTrace: TraceContext | undefined },
  create: (traceContext: TraceContext | undefined) => Promise<void>,
): Promise<void> {
  if (start.parentTrace !== undefined) assertTraceContext(start.parentTrace, 'startNew: parentTrace');
  if (telemetry === undefined) return create(start.parentTrace);
  const span = telemetry.tracer.startCreateOrchestration(start.name, start.instanceId, start.version, start.parentTrace);
  try {
    await span.run(() => create(span.traceContext));
  } catch (error) {
    span.end(error);
    throw error;
  }
  span.end();
}
