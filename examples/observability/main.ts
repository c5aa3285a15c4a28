import 'reflect-metadata';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { container as rootContainer } from 'tsyringe';
import { Durably, DurablyIdGenerator } from '../../src/index.js';
import { HelloSequence, SayHello } from '../chaining/hello-sequence.js';
import { WeatherService } from '../chaining/weather-service.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { runExample } from '../shared/run-example.js';
import { traceTree } from './trace-tree.js';

/** What the observability example returns. */
export interface ObservabilityResult {
  readonly instanceId: string;
  /** The instance's trace, drawn as a tree (see {@link traceTree}). */
  readonly tree: string;
  /** `durably.activity.duration`: attempts recorded per activity. */
  readonly activityDurations: Record<string, number>;
}

/**
 * Traces and metrics of the chaining example: registers the OpenTelemetry SDK (in-memory exporters here; in an app,
 * OTLP or the console), runs `HelloSequence`, and returns its trace as a tree and the activity duration counts.
 */
export async function main(options: ExampleOptions = {}): Promise<ObservabilityResult> {
  // 1. The app registers an SDK — Durably itself depends on @opentelemetry/api only.
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    // Keeps an orchestration's span whole when another worker finishes it (see docs/observability.md).
    idGenerator: new DurablyIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  const container = rootContainer.createChildContainer();
  container.registerInstance(WeatherService, new WeatherService());
  const durably = await Durably.create({ ...connectionOptions(options), taskHub: 'Observability', orchestrators: [HelloSequence], activities: [SayHello], container });
  try {
    await durably.start();
    // 2. The start, inside a span of the caller's: the instance's trace continues it.
    const instanceId = await trace.getTracer('example').startActiveSpan('checkout request', async (request) => {
      try {
        return await durably.client.startNew(HelloSequence, { input: ['Tokyo', 'Seattle', 'London'] });
      } finally {
        request.end();
      }
    });
    await durably.client.waitForCompletion(instanceId, { timeoutMs: 60_000 });
    await durably.stop();
    await reader.forceFlush();
    const duration = metricExporter.getMetrics().flatMap((r) => r.scopeMetrics).flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'durably.activity.duration');
    const activityDurations: Record<string, number> = {};
    for (const point of duration?.dataPoints ?? []) {
      const name = String(point.attributes['durably.activity']);
      activityDurations[name] = (activityDurations[name] ?? 0) + (point.value as { count: number }).count;
    }
    return { instanceId, tree: traceTree(spans.getFinishedSpans()), activityDurations };
  } finally {
    await durably.stop();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  }
}

runExample(import.meta.url, () => main(), (result) => [
  `HelloSequence ${result.instanceId}, its trace:`,
  result.tree,
  `durably.activity.duration: ${Object.entries(result.activityDurations).map(([name, count]) => `${name} ×${count}`).join(', ')}`,
].join('\n'));
