// Issue 20 in one process: the spans of timers, sub-orchestrations and entity operations sit under the execution's
// span; `durably.activity.duration` has one data point per activity; the other instruments report; a failed
// orchestration's span has status ERROR.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { DurableEntity } from '../../../src/entities/durable-entity.js';
import { EntityId } from '../../../src/core/entity-id.js';
import { Activity, Entity, Orchestrator } from '../../../src/registry/index.js';
import { startTestApp, type TestApp } from '../../support/durably-app.js';

@Activity()
class Step {
  run(input: string): string {
    return `${input}!`;
  }
}

@Activity()
class Broken {
  run(): string {
    throw new Error('broken on purpose');
  }
}

@Entity()
class Tally extends DurableEntity<number> {
  protected override initializeState(): number {
    return 0;
  }
  add(amount: number): number {
    this.state += amount;
    return this.state;
  }
}

@Orchestrator()
class Child {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(Step, ctx.input);
  }
}

@Orchestrator()
class Parent {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    const a = await ctx.callActivity(Step, ctx.input);
    const b = await ctx.callActivity(Step, a);
    await ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + 50));
    const total = await ctx.callEntity<number>(new EntityId('Tally', 'k'), 'add', 2);
    const child = await ctx.callSubOrchestrator(Child, b);
    return `${child}/${total}`;
  }
}

@Orchestrator()
class Failing {
  async run(ctx: OrchestrationContext<unknown>): Promise<string> {
    return ctx.callActivity(Broken);
  }
}

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
let app: TestApp;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  app = await startTestApp({ orchestrators: [Parent, Child, Failing], activities: [Step, Broken], entities: [Tally] });
});

afterAll(async () => {
  await app?.stop();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  trace.disable();
  metrics.disable();
  context.disable();
});

beforeEach(() => spans.reset());

const named = (name: string): ReadableSpan[] => spans.getFinishedSpans().filter((span) => span.name === name);

async function collected(name: string): Promise<MetricData | undefined> {
  metricExporter.reset();
  await reader.forceFlush();
  return metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics).flatMap((scope) => scope.metrics).find((metric) => metric.descriptor.name === name);
}

const histogramCount = (point: DataPoint<unknown>): number => (point.value as { count: number }).count;

describe('spans of timers, sub-orchestrations and entity operations', () => {
  it('all hang under the execution span of their orchestration', async () => {
    const id = await app.durably.client.startNew(Parent, { input: 'x' });
    const done = await app.durably.client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(done.output).toBe('x!!!/2');
    const [parent] = named('orchestration:Parent');
    const [child] = named('orchestration:Child');
    const [create] = named('create_orchestration:Parent');
    expect(parent?.parentSpanContext?.spanId).toBe(create?.spanContext().spanId);
    const parentId = parent?.spanContext().spanId;
    expect(named('activity:Step').filter((span) => span.parentSpanContext?.spanId === parentId)).toHaveLength(2);
    expect(named('timer:Parent').map((span) => span.parentSpanContext?.spanId)).toEqual([parentId]);
    // Entity names are case-insensitive: spans name them as their IDs do (lower case).
    expect(named('entity:tally:add').map((span) => span.parentSpanContext?.spanId)).toEqual([parentId]);
    expect(child?.parentSpanContext?.spanId).toBe(parentId);
    expect(named('activity:Step').filter((span) => span.parentSpanContext?.spanId === child?.spanContext().spanId)).toHaveLength(1);
    expect(new Set(spans.getFinishedSpans().map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(parent?.attributes['durabletask.task.status']).toBe('Completed');
  });

  it('a failed orchestration and its failed activity have status ERROR', async () => {
    const id = await app.durably.client.startNew(Failing);
    const done = await app.durably.client.waitForCompletion(id, { timeoutMs: 60_000 });
    expect(done.runtimeStatus).toBe('Failed');
    expect(named('orchestration:Failing')[0]?.status.code).toBe(2);
    expect(named('activity:Broken')[0]?.status).toEqual({ code: 2, message: 'broken on purpose' });
  });
});

describe('metrics', () => {
  it('durably.activity.duration has one data point per activity, in milliseconds', async () => {
    const duration = await collected('durably.activity.duration');
    expect(duration?.descriptor.unit).toBe('ms');
    const points = duration?.dataPoints ?? [];
    // Step ran three times (twice in Parent, once in Child) and Broken once, each attempt recorded once.
    const byActivity = new Map(points.map((point) => [`${String(point.attributes['durably.activity'])}/${String(point.attributes['durably.outcome'])}`, histogramCount(point)]));
    expect(Object.fromEntries(byActivity)).toEqual({ 'Step/completed': 3, 'Broken/failed': 1 });
  });

  it('counts starts, ends, episodes, entity operations and timers, and reads the backlog', async () => {
    const sum = async (name: string, match: Record<string, string> = {}): Promise<number> => ((await collected(name))?.dataPoints ?? [])
      .filter((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value))
      .reduce((total, point) => total + (typeof point.value === 'number' ? point.value : histogramCount(point)), 0);
    // Executions started: Parent, its Child (a sub-orchestration) and Failing.
    expect(await sum('durably.instances.started')).toBe(3);
    expect(await sum('durably.instances.finished', { 'durably.status': 'Completed' })).toBe(2);
    expect(await sum('durably.instances.finished', { 'durably.status': 'Failed' })).toBe(1);
    expect(await sum('durably.activity.failures', { 'durably.activity': 'Broken' })).toBe(1);
    expect(await sum('durably.entity.operations', { 'durably.entity': 'tally', 'durably.operation': 'add' })).toBe(1);
    expect(await sum('durably.timer.lateness')).toBe(1);
    expect(await sum('durably.episode.duration', { 'durably.orchestrator': 'Parent' })).toBeGreaterThanOrEqual(5);
    const backlog = await collected('durably.backlog');
    expect(backlog?.dataPoints.map((point) => point.attributes['durably.work.kind']).sort()).toEqual(['activities', 'instances', 'timers']);
    expect((await collected('durably.instances.stuck'))?.dataPoints).toHaveLength(1);
  });
});
