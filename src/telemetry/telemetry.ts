import { DurablyMetrics } from './durably-metrics.js';
import { DurablyTracer } from './durably-tracer.js';

/** Durably's spans and metrics, one pair per app (both no-ops until the app registers an OpenTelemetry SDK). */
export interface Telemetry {
  readonly tracer: DurablyTracer;
  readonly metrics: DurablyMetrics;
}

/** A new pair of tracer and metrics. */
export function createTelemetry(): Telemetry {
  return { tracer: new DurablyTracer(), metrics: new DurablyMetrics() };
}
