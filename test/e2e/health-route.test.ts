// GET /health (the dashboard's health view): its shape and bounds, what it counts on a live app (finished instances
// per bucket, running and stuck ones, samples over time), its 400s, and that it is authorized like the other reads.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { hooksOf } from '../../src/app/durably.js';
import type { AdminOperation } from '../../src/http/admin-operation.js';
import { createAdminRouter } from '../../src/http/create-admin-router.js';
import type { HealthPayload } from '../../src/http/health-payload.js';
import { expectErrorBody, startHttpApp, waitForStatus, type HttpTestApp } from './support/http-app.js';

let target: HttpTestApp;
const asked: AdminOperation[] = [];

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably) => {
      app.use('/open', durably.adminRouter({ auth: 'none' }));
      app.use('/secured', durably.adminRouter({
        authorize: (req: Request, operation) => {
          asked.push(operation);
          const token = req.get('authorization');
          if (token === undefined) return 'unauthenticated';
          return token === 'Bearer reader' && operation === 'instances.read';
        },
      }));
      // A client-only router that was given no health figures.
      app.use('/bare', createAdminRouter(durably.client, { auth: 'none' }));
    },
  });
  const { client } = target.durably;
  expect((await target.call('POST', '/open/orchestrators/Echo/health-done?timeout=30&pollingInterval=1', { json: 1 })).status).toBe(200);
  await client.startNew('AlwaysFails', { instanceId: 'health-failed', input: 'x' });
  await client.startNew('WaitForApproval', { instanceId: 'health-terminated', input: 'x' });
  expect(await waitForStatus(target, 'health-terminated', 'Running')).toBe(true);
  await client.terminate('health-terminated', 'done here');
  await client.startNew('WaitForApproval', { instanceId: 'health-running', input: 'x' });
  // Stuck as a deploy leaves one: its orchestrator is not registered here.
  await hooksOf(target.durably).store.createInstance({ instanceId: 'health-stuck', executionId: randomUUID(), name: 'RenamedAway', input: undefined, now: new Date() });
  expect(await waitForStatus(target, 'health-failed', 'Failed', 30_000)).toBe(true);
  expect(await waitForStatus(target, 'health-terminated', 'Terminated', 30_000)).toBe(true);
  expect(await waitForStatus(target, 'health-running', 'Running', 30_000)).toBe(true);
}, 60_000);

afterAll(async () => {
  await target?.stop();
});

/** GET /open/health until `done`, or the last answer after `timeoutMs` (samples are taken at most every 5 s). */
async function healthUntil(done: (body: HealthPayload) => boolean, query = '', timeoutMs = 30_000): Promise<HealthPayload> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await target.call('GET', `/open/health${query}`);
    expect(result.status).toBe(200);
    const body = result.body as HealthPayload;
    if (done(body) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const totals = (body: HealthPayload): { completed: number; failed: number; terminated: number } => ({
  completed: body.buckets.reduce((n, b) => n + b.completed, 0),
  failed: body.buckets.reduce((n, b) => n + b.failed, 0),
  terminated: body.buckets.reduce((n, b) => n + b.terminated, 0),
});

describe('GET /health', () => {
  it('answers the last 15 minutes in 60 contiguous buckets, the last one holding now, and samples of the counts', async () => {
    const body = await healthUntil((b) => b.current.stuck >= 1 && b.current.running >= 1);
    expect(Object.keys(body).sort()).toEqual(['bucketMs', 'buckets', 'current', 'generatedAt', 'minutes', 'sampleIntervalMs', 'samples', 'samplingSince']);
    expect(body.minutes).toBe(15);
    expect(body.bucketMs).toBe(15_000);
    expect(body.buckets).toHaveLength(60);
    const starts = body.buckets.map((b) => Date.parse(b.start));
    starts.forEach((start, i) => {
      expect(start % body.bucketMs).toBe(0);
      if (i > 0) expect(start - (starts[i - 1] ?? 0)).toBe(body.bucketMs);
    });
    const generated = Date.parse(body.generatedAt);
    expect(generated).toBeGreaterThanOrEqual(starts.at(-1) ?? Infinity);
    expect(generated).toBeLessThan((starts.at(-1) ?? 0) + body.bucketMs);
    for (const bucket of body.buckets) expect(Object.keys(bucket).sort()).toEqual(['completed', 'failed', 'start', 'terminated']);

    // One instance of each way of ending, in this app (entities and the running ones are not finished).
    expect(totals(body)).toEqual({ completed: 1, failed: 1, terminated: 1 });
    expect(body.current).toEqual({ at: expect.any(String), backlog: { instances: expect.any(Number), activities: expect.any(Number), timers: expect.any(Number) }, running: expect.any(Number), stuck: 1 });
    expect(body.current.running).toBeGreaterThanOrEqual(1);
    expect(body.samples.at(-1)).toEqual(body.current);
    expect(body.sampleIntervalMs).toBe(5000);
    expect(Date.parse(body.samplingSince)).toBeLessThanOrEqual(Date.parse(body.samples[0]?.at ?? ''));
  }, 60_000);

  it('puts each finished instance in the bucket of its completion', async () => {
    const body = await healthUntil(() => true);
    for (const [instanceId, field] of [['health-done', 'completed'], ['health-failed', 'failed'], ['health-terminated', 'terminated']] as const) {
      const finishedAt = (await hooksOf(target.durably).store.getInstance(instanceId))?.completedTime?.getTime() ?? 0;
      const bucket = body.buckets.find((b) => Date.parse(b.start) <= finishedAt && finishedAt < Date.parse(b.start) + body.bucketMs);
      expect([instanceId, bucket?.[field]]).toEqual([instanceId, 1]);
    }
  });

  it('keeps more samples as it is read over time, one per interval at most, all within the window', async () => {
    const first = await healthUntil(() => true);
    const later = await healthUntil((b) => b.samples.length > first.samples.length, '', 30_000);
    expect(later.samples.length).toBeGreaterThan(first.samples.length);
    const times = later.samples.map((s) => Date.parse(s.at));
    times.forEach((time, i) => {
      if (i > 0) expect(time - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(later.sampleIntervalMs);
    });
    expect(times[0]).toBeGreaterThanOrEqual(Date.parse(later.generatedAt) - 15 * 60_000);
  }, 60_000);

  it('takes minutes and bucketSeconds within bounds: an hour in 360 buckets at most', async () => {
    const hour = await target.call('GET', '/open/health?minutes=60&bucketSeconds=10');
    expect(hour.status).toBe(200);
    expect(hour.body).toMatchObject({ minutes: 60, bucketMs: 10_000 });
    expect(hour.body.buckets).toHaveLength(360);
    expect(hour.text.length).toBeLessThan(200_000);
    expect(hour.headers.get('cache-control')).toBe('no-store');
    const minute = await target.call('GET', '/open/health?minutes=1');
    expect(minute.body).toMatchObject({ minutes: 1, bucketMs: 1000 });
    expect(minute.body.buckets).toHaveLength(60);
  });

  it.each([
    ['minutes=0', 'minutes'],
    ['minutes=61', 'minutes'],
    ['minutes=1.5', 'minutes'],
    ['minutes=abc', 'minutes'],
    ['minutes=5&minutes=10', 'minutes'],
    ['bucketSeconds=0', 'bucketSeconds'],
    ['minutes=60&bucketSeconds=9', 'bucketSeconds'],
    ['minutes=1&bucketSeconds=120', 'bucketSeconds'],
    ['window=15', 'window'],
    ['minutes[$gt]=1', 'minutes[$gt]'],
  ])('answers 400 INVALID_QUERY_PARAMETER for ?%s', async (query, field) => {
    const result = await target.call('GET', `/open/health?${query}`);
    expect(result.status).toBe(400);
    const error = expectErrorBody(result);
    expect(error.error).toBe('INVALID_QUERY_PARAMETER');
    expect(error.details.map((d) => d.field)).toContain(field);
  });

  it('is authorized as instances.read: 401 with a challenge without credentials, 403 when refused', async () => {
    asked.length = 0;
    const anonymous = await target.call('GET', '/secured/health');
    expect(anonymous.status).toBe(401);
    expect(expectErrorBody(anonymous).error).toBe('UNAUTHENTICATED');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="durably"');
    // Before any input is validated.
    expect((await target.call('GET', '/secured/health?minutes=999')).status).toBe(401);
    expect((await target.call('GET', '/secured/health', { headers: { authorization: 'Bearer other' } })).status).toBe(403);
    expect(asked).toEqual(['instances.read', 'instances.read', 'instances.read']);
    const reader = await target.call('GET', '/secured/health', { headers: { authorization: 'Bearer reader' } });
    expect(reader.status).toBe(200);
    expect(reader.body.buckets).toHaveLength(60);
  });

  it('answers 501 HEALTH_STATS_UNAVAILABLE from a router created without health figures', async () => {
    const result = await target.call('GET', '/bare/health');
    expect(result.status).toBe(501);
    expect(expectErrorBody(result).error).toBe('HEALTH_STATS_UNAVAILABLE');
    // Its parameters are still checked first.
    expect((await target.call('GET', '/bare/health?minutes=0')).status).toBe(400);
  });
});
