/**
 * A worker process of the scale-out benchmark: the peer bench's Durably app (same workload classes, default tuning),
 * started on the engine at `SCALE_BENCH_URI`. It counts its own episodes and activity attempts through Durably's
 * OpenTelemetry metrics (a meter provider read on demand; no tracer is registered, so nothing extra is stored), and
 * each `run` reports them with its CPU time.
 *
 * @module
 */
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import type { Durably } from '../../src/index.js';
import { createApp } from '../peers/durably-host.js';
import { serveSide } from '../peers/side-protocol.js';
import { cpuMs, NO_OPS, SCALE_BENCH_URI_ENV, toRepResult } from './process-counters.js';

/** A reader that exports nothing: the worker collects when the runner asks. */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Sum of the data points' counts of a histogram, over every attribute set (cumulative). */
async function histogramCounts(reader: MetricReader): Promise<Map<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const counts = new Map<string, number>();
  for (const metric of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)) {
    const points = (metric as HistogramMetricData).dataPoints;
    let sum = 0;
    for (const point of points) sum += typeof point.value === 'object' ? point.value.count : 0;
    counts.set(metric.descriptor.name, sum);
  }
  return counts;
}

const uri = process.env[SCALE_BENCH_URI_ENV];
const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
let durably: Durably | undefined;

serveSide({
  setup: async () => {
    if (uri === undefined) throw new Error(`${SCALE_BENCH_URI_ENV} must be set`);
    metrics.setGlobalMeterProvider(meterProvider);
    durably = await createApp(uri);
  },
  run: async () => {
    const counts = await histogramCounts(reader);
    return toRepResult({
      cpuMs: cpuMs(),
      episodes: counts.get('durably.episode.duration') ?? 0,
      activities: counts.get('durably.activity.duration') ?? 0,
      ops: NO_OPS,
      fsyncs: 0,
    });
  },
  teardown: async () => {
    await durably?.stop();
    await meterProvider.shutdown();
  },
});
