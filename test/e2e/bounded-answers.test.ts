// Issue 16, "bounded answers": lists summarise payloads too large to list and end their pages at a byte budget, a
// status's history view is capped, the raw history is streamed whole. Sizes are asserted, never durations.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AdminRouterConfigurationError } from '../../src/core/errors/admin-router-configuration-error.js';
import { EntityId } from '../../src/core/entity-id.js';
import { DF_BASE, startHttpApp, waitForStatus, type HttpResult, type HttpTestApp } from './support/http-app.js';

/** A router with small limits, so that a few kilobytes reach them. */
const SMALL = '/small';
const SMALL_LIMITS = { maxFieldBytes: 1024, maxPageBytes: 8 * 1024, maxHistoryBytes: 4 * 1024 };
const DEFAULT_PAGE_BYTES = 4 * 1024 * 1024;

/** A string whose encoding (with its quotes) is exactly `bytes` long. */
const payloadOf = (bytes: number): string => 'x'.repeat(bytes - 2);
const MIB = 1024 * 1024;
const BIG = 60;
const bigId = (i: number): string => `big-${String(i).padStart(2, '0')}`;
const FAR_FUTURE = new Date(Date.UTC(2999, 0, 1));

let target: HttpTestApp;

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably) => {
      app.use(DF_BASE, durably.adminRouter({ auth: 'none' }));
      app.use(SMALL, durably.adminRouter({ auth: 'none', readLimits: SMALL_LIMITS }));
    },
  });
  const client = target.durably.client;
  // Scheduled far ahead: they stay Pending with their inputs, and no worker spends time on them.
  for (let i = 0; i < BIG; i++) await client.startNew('Echo', { instanceId: bigId(i), input: payloadOf(MIB), startAt: FAR_FUTURE });
  await client.startNew('Echo', { instanceId: 'mid-0', input: payloadOf(2 * 1024), startAt: FAR_FUTURE });
  await client.startNew('Echo', { instanceId: 'mid-1', input: { n: 1 }, startAt: FAR_FUTURE });
}, 120_000);

afterAll(async () => {
  await target?.stop();
});

function bytesOf(result: HttpResult): number {
  return Buffer.byteLength(result.text, 'utf8');
}

/** Every page of a list, following the continuation token. */
async function pages(path: string): Promise<HttpResult[]> {
  const out: HttpResult[] = [];
  let token: string | null = null;
  do {
    const result = await target.call('GET', path, token === null ? {} : { headers: { 'x-ms-continuation-token': token } });
    expect(result.status).toBe(200);
    out.push(result);
    token = result.headers.get('x-ms-continuation-token');
  } while (token !== null && out.length < 200);
  return out;
}

describe('GET /instances', () => {
  it('answers 60 instances with 1 MiB inputs with a small body: each input left out and flagged', async () => {
    const result = await target.call('GET', `${DF_BASE}/instances?instanceIdPrefix=big-&top=100`);
    expect(result.status).toBe(200);
    expect(result.headers.get('x-ms-continuation-token')).toBeNull();
    expect(result.body.map((s: { instanceId: string }) => s.instanceId)).toEqual(Array.from({ length: BIG }, (_, i) => bigId(i)));
    for (const status of result.body) {
      expect(status).toMatchObject({ name: 'Echo', runtimeStatus: 'Pending', input: null, inputOmitted: true, output: null, customStatus: null });
      expect(status.outputOmitted).toBeUndefined();
    }
    // 60 MiB of inputs, answered in well under the 512 bytes per entry the page budget allows.
    expect(bytesOf(result)).toBeLessThanOrEqual(BIG * 512);
    expect(bytesOf(result)).toBeLessThanOrEqual(DEFAULT_PAGE_BYTES);
  });

  it('keeps Durable Functions\' shape for payloads small enough to list', async () => {
    const result = await target.call('GET', `${DF_BASE}/instances?instanceIdPrefix=mid-`);
    expect(result.body).toHaveLength(2);
    expect(result.body[0]).toMatchObject({ instanceId: 'mid-0', input: payloadOf(2 * 1024) });
    expect(result.body[1]).toMatchObject({ instanceId: 'mid-1', input: { n: 1 } });
    for (const status of result.body) {
      expect(Object.keys(status).sort()).toEqual(['createdTime', 'customStatus', 'input', 'instanceId', 'lastUpdatedTime', 'name', 'output', 'runtimeStatus']);
    }
  });

  it('serves an omitted input in full from GET /instances/:id', async () => {
    const result = await target.call('GET', `${DF_BASE}/instances/${bigId(7)}`);
    expect(result.status).toBe(202);
    expect(result.body.input).toBe(payloadOf(MIB));
    expect(result.body.inputOmitted).toBeUndefined();
  });

  it('does not flag an input that showInput=false hides anyway', async () => {
    const result = await target.call('GET', `${DF_BASE}/instances?instanceIdPrefix=big-0&showInput=false`);
    expect(result.body).toHaveLength(10);
    for (const status of result.body) {
      expect(status).toMatchObject({ input: null });
      expect(status.inputOmitted).toBeUndefined();
    }
  });

  it('ends pages at the byte budget, and paging returns every instance exactly once, in creation order', async () => {
    const all = await pages(`${SMALL}/instances?top=1000`);
    expect(all.length).toBeGreaterThan(1);
    for (const page of all) {
      expect(bytesOf(page)).toBeLessThanOrEqual(SMALL_LIMITS.maxPageBytes);
      expect(page.body.length).toBeGreaterThan(0);
    }
    const ids: string[] = all.flatMap((page) => (page.body as { instanceId: string }[]).map((s) => s.instanceId));
    const expected = [...Array.from({ length: BIG }, (_, i) => bigId(i)), 'mid-0', 'mid-1'];
    expect(ids.filter((id) => expected.includes(id))).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    const statuses = all.flatMap((page) => page.body as { instanceId: string }[]);
    // 2 KiB is over this router's 1 KiB threshold; { n: 1 } is not.
    expect(statuses.find((s) => s.instanceId === 'mid-0')).toMatchObject({ input: null, inputOmitted: true });
    expect(statuses.find((s) => s.instanceId === 'mid-1')).toMatchObject({ input: { n: 1 } });
  });

  it('pages by the budget even when top allows more', async () => {
    const first = await target.call('GET', `${SMALL}/instances?instanceIdPrefix=big-&top=1000`);
    // 8 KiB at a little over 512 bytes per entry (the allowance, the ID and the name): 15 entries, then a token.
    expect(first.body).toHaveLength(15);
    expect(first.headers.get('x-ms-continuation-token')).not.toBeNull();
  });
});

describe('client.listInstances', () => {
  it('summarises large payloads by default', async () => {
    const page = await target.durably.client.listInstances({ instanceIdPrefix: 'big-', pageSize: 5 });
    expect(page.instances).toHaveLength(5);
    for (const status of page.instances) {
      expect(status.input).toBeUndefined();
      expect(status.inputOmitted).toBe(true);
    }
  });

  it('lists whole payloads when asked, and still ends a page at maxPageBytes', async () => {
    const client = target.durably.client;
    const ids: string[] = [];
    let token: string | undefined;
    let pagesRead = 0;
    do {
      const page = await client.listInstances({
        instanceIdPrefix: 'big-0', pageSize: 3, maxFieldBytes: Infinity, maxPageBytes: 3 * MIB, ...(token === undefined ? {} : { continuationToken: token }),
      });
      // Two 1 MiB inputs fit in 3 MiB, a third does not.
      expect(page.instances.length).toBeLessThanOrEqual(2);
      for (const status of page.instances) expect((status.input as string).length).toBe(MIB - 2);
      ids.push(...page.instances.map((s) => s.instanceId));
      token = page.continuationToken;
      pagesRead++;
    } while (token !== undefined && pagesRead < 100);
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => bigId(i)));
    expect(pagesRead).toBe(5);
  });

  it('refuses bounds that are not integers or Infinity', async () => {
    await expect(target.durably.client.listInstances({ maxFieldBytes: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(target.durably.client.listInstances({ maxPageBytes: 0.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('GET /entities', () => {
  beforeAll(async () => {
    const client = target.durably.client;
    await client.signalEntity(new EntityId('Register', 'bounded-big'), 'set', payloadOf(100 * 1024));
    await client.signalEntity(new EntityId('Register', 'bounded-small'), 'set', { v: 1 });
    const deadline = Date.now() + 30_000;
    while ((!(await client.readEntityState(new EntityId('Register', 'bounded-big'))).entityExists ||
      !(await client.readEntityState(new EntityId('Register', 'bounded-small'))).entityExists) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('leaves out states over the threshold, flagged; small ones keep DF\'s shape', async () => {
    const result = await target.call('GET', `${DF_BASE}/entities/Register?fetchState=true`);
    expect(result.status).toBe(200);
    const big = result.body.find((e: { entityId: { key: string } }) => e.entityId.key === 'bounded-big');
    const small = result.body.find((e: { entityId: { key: string } }) => e.entityId.key === 'bounded-small');
    expect(big).toMatchObject({ state: null, stateOmitted: true });
    expect(small).toEqual({ entityId: { name: 'register', key: 'bounded-small' }, lastOperationTime: expect.any(String), state: { v: 1 } });
    expect(bytesOf(result)).toBeLessThan(4 * 1024);
    // The whole state, from the entity's own route.
    expect((await target.call('GET', `${DF_BASE}/entities/Register/bounded-big`)).body).toBe(payloadOf(100 * 1024));
  });

  it('client.listEntities flags the omitted state', async () => {
    const page = await target.durably.client.listEntities({ entityName: 'Register', fetchState: true });
    const big = page.entities.find((e) => e.entityId.key === 'bounded-big');
    expect(big).toMatchObject({ entityExists: true, stateOmitted: true });
    expect(big?.state).toBeUndefined();
    expect(page.entities.find((e) => e.entityId.key === 'bounded-small')).toMatchObject({ state: { v: 1 } });
  });
});

describe('history', () => {
  const cities = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}-${'c'.repeat(1500)}`);
  let id: string;

  beforeAll(async () => {
    id = await target.durably.client.startNew('HelloSequence', { input: cities });
    expect(await waitForStatus(target, id, 'Completed', 60_000)).toBe(true);
  }, 90_000);

  it('caps the history view of a status at maxHistoryBytes, and leaves out payloads over maxFieldBytes', async () => {
    const result = await target.call('GET', `${SMALL}/instances/${id}?showHistory=true&showHistoryOutput=true`);
    expect(result.status).toBe(200);
    expect(result.body.historyEventsTruncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(result.body.historyEvents))).toBeLessThanOrEqual(SMALL_LIMITS.maxHistoryBytes);
    const [started, ...rest] = result.body.historyEvents;
    expect(started).toMatchObject({ EventType: 'ExecutionStarted', InputOmitted: true });
    expect(started.Input).toBeUndefined();
    const completed = rest.filter((row: { EventType: string }) => row.EventType === 'TaskCompleted');
    expect(completed.length).toBeGreaterThan(0);
    for (const row of completed) expect(row).toMatchObject({ FunctionName: 'SayHello', ResultOmitted: true });
    // The status's own fields are whole.
    expect(result.body.input).toEqual(cities);
  });

  it('shows the whole view under the default limits', async () => {
    const result = await target.call('GET', `${DF_BASE}/instances/${id}?showHistory=true&showHistoryOutput=true`);
    expect(result.body.historyEventsTruncated).toBeUndefined();
    const completed = result.body.historyEvents.filter((row: { EventType: string }) => row.EventType === 'TaskCompleted');
    expect(completed.map((row: { Result: string }) => row.Result)).toEqual(cities.map((city) => `Hello ${city}!`));
    expect(result.body.historyEvents.at(-1)).toMatchObject({ EventType: 'ExecutionCompleted', OrchestrationStatus: 'Completed' });
  });

  it('streams the whole raw history, equal to client.getHistory', async () => {
    const result = await target.call('GET', `${SMALL}/instances/${id}/history`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.body).toEqual(JSON.parse(JSON.stringify(await target.durably.client.getHistory(id))));
    expect((await target.call('GET', `${SMALL}/instances/no-such-instance/history`)).status).toBe(404);
  });
});

describe('readLimits option', () => {
  it.each([
    ['an unknown limit', { maxPageSize: 10 }],
    ['a negative field size', { maxFieldBytes: -1 }],
    ['a zero page budget', { maxPageBytes: 0 }],
    ['a fractional concurrency', { maxConcurrentReads: 1.5 }],
    ['a non-object', 5],
  ])('refuses %s when the router is created', (_name, readLimits) => {
    expect(() => target.durably.adminRouter({ auth: 'none', readLimits: readLimits as never })).toThrow(AdminRouterConfigurationError);
  });
});
