import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parseTraceParent, type TraceContext } from '../../../src/core/trace-context.js';
import { DurablyIdGenerator } from '../../../src/telemetry/durably-id-generator.js';
import { DurablyTracer } from '../../../src/telemetry/durably-tracer.js';
import { incomingTraceContext } from '../../../src/telemetry/trace-contexts.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], idGenerator: new DurablyIdGenerator() });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

const spanIdOf = (traceContext: TraceContext | undefined): string | undefined => (traceContext === undefined ? undefined : parseTraceParent(traceContext.traceParent)?.spanId);
const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
const execution = { instanceId: 'i1', executionId: 'e1', name: 'Chaining' };

describe('DurablyTracer', () => {
  it('puts create, execution and activity spans of an instance in one tree', async () => {
    const tracer = new DurablyTracer();
    const create = tracer.startCreateOrchestration('Chaining', 'i1', undefined, undefined);
    create.end();
    const orchestration = tracer.beginExecution(execution, create.traceContext);
    const activity = tracer.startActivity({ instanceId: 'i1', name: 'F1', sequence: 0, ...(orchestration === undefined ? {} : { traceContext: orchestration }) }, 1);
    // The user's own spans inside the activity nest under it.
    await activity.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      trace.getTracer('user').startSpan('user-call').end();
    });
    activity.end();
    tracer.endExecution(execution, { timestamp: new Date(), ...(orchestration === undefined ? {} : { traceContext: orchestration }) }, 'Completed');

    const [createSpan] = named('create_orchestration:Chaining');
    const [orchestrationSpan] = named('orchestration:Chaining');
    const [activitySpan] = named('activity:F1');
    const [userSpan] = named('user-call');
    expect(orchestrationSpan?.parentSpanContext?.spanId).toBe(createSpan?.spanContext().spanId);
    expect(orchestrationSpan?.spanContext().spanId).toBe(spanIdOf(orchestration));
    expect(activitySpan?.parentSpanContext?.spanId).toBe(orchestrationSpan?.spanContext().spanId);
    expect(userSpan?.parentSpanContext?.spanId).toBe(activitySpan?.spanContext().spanId);
    expect(new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(activitySpan?.attributes['durabletask.task.instance_id']).toBe('i1');
    expect(orchestrationSpan?.attributes['durabletask.task.status']).toBe('Completed');
  });

  it('emits an execution span started by another process once, under the recorded span ID', () => {
    const started = new DurablyTracer().beginExecution(execution, undefined);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    // Another worker (its own tracer: no live span) ends the execution.
    new DurablyTracer().endExecution(execution, { timestamp: new Date(Date.now() - 1_000), ...(started === undefined ? {} : { traceContext: started }) }, 'Failed', { errorType: 'Error', errorMessage: 'boom' });
    const spans = named('orchestration:Chaining');
    expect(spans).toHaveLength(1);
    expect(spans[0]?.spanContext().spanId).toBe(spanIdOf(started));
    expect(spans[0]?.attributes['durably.span.recovered']).toBe(true);
    expect(spans[0]?.status.code).toBe(2);
  });

  it('drops the span of a first episode that did not commit, unexported', () => {
    const tracer = new DurablyTracer();
    tracer.beginExecution(execution, undefined);
    tracer.abandonExecution('e1');
    const second = tracer.beginExecution(execution, undefined);
    tracer.endExecution(execution, { timestamp: new Date(), ...(second === undefined ? {} : { traceContext: second }) }, 'Completed');
    expect(named('orchestration:Chaining').map((span) => span.spanContext().spanId)).toEqual([spanIdOf(second)]);
  });

  it('after a rewind, ends the rest of the execution in a span of its own under the first one', () => {
    const tracer = new DurablyTracer();
    const first = tracer.beginExecution(execution, undefined);
    const started = { timestamp: new Date(), ...(first === undefined ? {} : { traceContext: first }) };
    tracer.endExecution(execution, started, 'Failed', { errorType: 'Error', errorMessage: 'boom' });
    tracer.endExecution(execution, started, 'Completed', undefined, new Date());
    const spans = named('orchestration:Chaining');
    expect(spans.map((span) => span.attributes['durabletask.task.status'])).toEqual(['Failed', 'Completed']);
    expect(spans[1]?.parentSpanContext?.spanId).toBe(spanIdOf(first));
    expect(spans[1]?.spanContext().spanId).not.toBe(spanIdOf(first));
    expect(spans[1]?.attributes['durably.span.rewound']).toBe(true);
  });

  it('records a failed activity attempt with status ERROR and the exception', () => {
    const span = new DurablyTracer().startActivity({ instanceId: 'i1', name: 'F2', sequence: 3 }, 2);
    span.end(new Error('nope'));
    const [ended] = named('activity:F2');
    expect(ended?.status).toEqual({ code: 2, message: 'nope' });
    expect(ended?.events.map((event) => event.name)).toEqual(['exception']);
    expect(ended?.attributes['durably.activity.attempt']).toBe(2);
    expect(ended?.attributes['durabletask.task.task_id']).toBe(3);
  });

  it('emits a timer span from its creation to its firing', () => {
    const createdAt = new Date(Date.now() - 5_000);
    const firedAt = new Date(Date.now() - 1_000);
    new DurablyTracer().timerFired({ traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, {
      orchestrationName: 'Monitor', instanceId: 'i1', timerId: 4, createdAt, fireAt: new Date(firedAt.getTime() - 10), firedAt,
    });
    const [timer] = named('timer:Monitor');
    expect(timer?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(timer?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(timer?.startTime[0]).toBe(Math.floor(createdAt.getTime() / 1000));
  });
});

describe('incomingTraceContext', () => {
  it('reads a W3C traceparent header without any propagator registered', () => {
    expect(incomingTraceContext({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'congo=t61rcWkgMzE' }))
      .toEqual({ traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', traceState: 'congo=t61rcWkgMzE' });
  });

  it('ignores a malformed traceparent', () => {
    expect(incomingTraceContext({ traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' })).toBeUndefined();
    expect(incomingTraceContext({ traceparent: 'garbage' })).toBeUndefined();
    expect(incomingTraceContext({})).toBeUndefined();
  });

  it('uses the registered propagator, and the active span first', () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    expect(incomingTraceContext({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })?.traceParent)
      .toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const server = trace.getTracer('http').startSpan('GET /');
    const seen = context.with(trace.setSpan(context.active(), server), () => incomingTraceContext({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    server.end();
    expect(spanIdOf(seen)).toBe(server.spanContext().spanId);
  });
});
