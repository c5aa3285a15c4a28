// Issue 20's tracing across processes: a chaining orchestration started over HTTP with a `traceparent` header yields
// one trace — the request's span → create_orchestration:Chaining → orchestration:Chaining → four activity:F<n> spans —
// also when the worker running it is SIGKILLed after the second activity and another worker finishes it (no span
// twice for replayed work). The workers are test/integration/telemetry/fixtures/traced-worker.mjs, each writing the
// spans it ends to a file; this process hosts the admin router (a client-only app) with its own tracer provider.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { container } from 'tsyringe';
import { Durably } from '../../../src/app/durably.js';
import type { OrchestrationContext } from '../../../src/engine/orchestration-context.js';
import { Activity, Orchestrator } from '../../../src/registry/index.js';
import { startTestMongo, type TestMongo } from '../../../src/testing/index.js';
import { DurablyIdGenerator } from '../../../src/telemetry/durably-id-generator.js';
import { until } from '../../support/test-db.js';
import { spawnWorker, type WorkerProcess } from '../../support/worker-process.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/traced-worker.mjs');
const WAIT_MS = 120_000;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REQUEST_SPAN_ID = '00f067aa0ba902b7';

// Twins of the fixture's classes: the client starts instances by name and never runs them.
@Activity()
class F1 {
  run(_input: string): string {
    throw new Error('runs in the worker processes only');
  }
}

@Orchestrator()
class Chaining {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    return ctx.callActivity(F1, ctx.input);
  }
}

interface SpanLine {
  readonly pid?: number;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Record<string, unknown>;
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ idGenerator: new DurablyIdGenerator(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
let mongo: TestMongo;
let dir: string;
const children: WorkerProcess[] = [];
const apps: Durably[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  mongo = await startTestMongo();
  dir = mkdtempSync(path.join(tmpdir(), 'durably-spans-'));
});

afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  exporter.reset();
}, 60_000);

afterAll(async () => {
  await mongo?.stop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function startWorker(hub: string, spans: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawnWorker(FIXTURE, { URI: mongo.uri, DB: mongo.dbName, TASK_HUB: hub, SPANS: spans, POLL_MS: '100', LEASE_MS: '2000', ACTIVITY_LOCK_MS: '3000', ...env });
  children.push(child);
  await child.ready;
  return child;
}

/** The admin router of a client-only app on `hub`, listening; returns its origin and the app. */
async function startRouter(hub: string): Promise<{ origin: string; durably: Durably }> {
  const durably = await Durably.create({
    mongoUri: mongo.uri, dbName: mongo.dbName, taskHub: hub, orchestrators: [Chaining], activities: [F1], container: container.createChildContainer(),
    logger: () => undefined,
  });
  apps.push(durably);
  const web = express();
  web.use('/api', durably.adminRouter({ auth: 'none' }));
  const server = createServer(web);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, durably };
}

function spansIn(file: string): SpanLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as SpanLine);
}

function clientSpans(): SpanLine[] {
  return exporter.getFinishedSpans().map((span) => ({
    name: span.name, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId,
    ...(span.parentSpanContext === undefined ? {} : { parentSpanId: span.parentSpanContext.spanId }), attributes: span.attributes,
  }));
}

async function startOverHttp(origin: string, instanceId: string): Promise<void> {
  const response = await fetch(`${origin}/api/orchestrators/Chaining/${instanceId}`, {
    method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${REQUEST_SPAN_ID}-01` }, body: JSON.stringify('in'),
  });
  expect(response.status).toBe(202);
}

/** Checks the one trace of the instance and returns its spans by name. */
function expectOneTree(spans: readonly SpanLine[], instanceId: string): void {
  const ours = spans.filter((span) => !span.name.startsWith('user-call'));
  expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([TRACE_ID]));
  const byName = (name: string): SpanLine[] => ours.filter((span) => span.name === name);
  const creates = byName('create_orchestration:Chaining');
  const orchestrations = byName('orchestration:Chaining');
  expect(creates).toHaveLength(1);
  expect(orchestrations).toHaveLength(1);
  expect(creates[0]?.parentSpanId).toBe(REQUEST_SPAN_ID);
  expect(orchestrations[0]?.parentSpanId).toBe(creates[0]?.spanId);
  for (const name of ['F1', 'F2', 'F3', 'F4']) {
    const activity = byName(`activity:${name}`);
    expect(activity).toHaveLength(1);
    expect(activity[0]?.parentSpanId).toBe(orchestrations[0]?.spanId);
    expect(activity[0]?.attributes['durabletask.task.instance_id']).toBe(instanceId);
    // The activity's own code ran with its span active.
    const user = spans.filter((span) => span.name === `user-call:${name}`);
    expect(user.map((span) => span.parentSpanId)).toContain(activity[0]?.spanId);
  }
  expect(ours).toHaveLength(6);
}

describe('one trace per instance, across processes', () => {
  it('request → create_orchestration → orchestration → four activities, started over HTTP', async () => {
    const hub = `trace${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${hub}.jsonl`);
    await startWorker(hub, file);
    const { origin, durably } = await startRouter(hub);
    await startOverHttp(origin, 'chain-1');
    const done = await durably.client.waitForCompletion('chain-1', { timeoutMs: WAIT_MS });
    expect(done.output).toBe('in>F1>F2>F3>F4');
    // The orchestration's span ends once its last episode committed, right after the completion.
    await until('the orchestration span is written', () => spansIn(file).some((span) => span.name === 'orchestration:Chaining'), WAIT_MS);
    expectOneTree([...clientSpans(), ...spansIn(file)], 'chain-1');
  }, 180_000);

  it('holds when the worker is SIGKILLed after the second activity and another finishes', async () => {
    const hub = `trace${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${hub}.jsonl`);
    const first = await startWorker(hub, file, { BLOCK_ACTIVITY: 'F3' });
    const { origin, durably } = await startRouter(hub);
    await startOverHttp(origin, 'chain-2');
    await first.waitForEvent('blocked', WAIT_MS);
    await first.kill('SIGKILL');
    const before = spansIn(file);
    expect(before.filter((span) => span.name.startsWith('activity:')).map((span) => span.name).sort()).toEqual(['activity:F1', 'activity:F2']);
    const second = await startWorker(hub, file);
    const done = await durably.client.waitForCompletion('chain-2', { timeoutMs: WAIT_MS });
    expect(done.output).toBe('in>F1>F2>F3>F4');
    await until('the orchestration span is written', () => spansIn(file).some((span) => span.name === 'orchestration:Chaining'), WAIT_MS);
    const spans = spansIn(file);
    expect(spans.filter((span) => span.name === 'orchestration:Chaining').map((span) => span.pid)).toEqual([second.pid]);
    expect(spans.find((span) => span.name === 'orchestration:Chaining')?.attributes['durably.span.recovered']).toBe(true);
    expectOneTree([...clientSpans(), ...spans], 'chain-2');
  }, 240_000);
});
