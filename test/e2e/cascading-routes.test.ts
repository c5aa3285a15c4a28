// The HTTP API's terminate and purge routes with `recursive` (issue 18): default true, `recursive=false` as Durable
// Functions, anything else a 400 naming the parameter. Through a real listening server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../src/engine/orchestration-context.js';
import { Orchestrator } from '../../src/registry/index.js';
import type { TestApp } from '../support/durably-app.js';
import { until } from '../support/test-db.js';
import { DF_BASE, expectErrorBody, startHttpApp, type HttpResult, type HttpTestApp } from './support/http-app.js';

/** Waits for 'Go'. */
@Orchestrator()
class RouteLeaf {
  async run(ctx: OrchestrationContext): Promise<string> {
    return ctx.waitForExternalEvent<string>('Go');
  }
}

/** Runs a leaf under `<own ID>-child`. */
@Orchestrator()
class RouteParent {
  async run(ctx: OrchestrationContext): Promise<string> {
    return ctx.callSubOrchestrator(RouteLeaf, undefined, { instanceId: `${ctx.instanceId}-child` });
  }
}

let http: HttpTestApp;
let app: TestApp;

beforeAll(async () => {
  http = await startHttpApp({ orchestrators: [RouteParent, RouteLeaf] });
  ({ app } = http);
});

afterAll(async () => {
  await http.stop();
});

const api = (method: string, path: string): Promise<HttpResult> => http.call(method, `${DF_BASE}${path}`);
const statusOf = async (id: string): Promise<string | undefined> => (await app.durably.client.getStatus(id))?.runtimeStatus;
const reach = (id: string, status: string): Promise<void> => until(`${id} is ${status}`, async () => (await statusOf(id)) === status, 30_000);

/** Starts RouteParent under `id` through the API; resolves once its child waits. */
async function startTree(id: string): Promise<string> {
  expect((await api('POST', `/orchestrators/RouteParent/${id}`)).status).toBe(202);
  await reach(`${id}-child`, 'Running');
  return `${id}-child`;
}

function expectBadRecursive(result: HttpResult): void {
  expect(result.status).toBe(400);
  const body = expectErrorBody(result);
  expect(body.error).toBe('INVALID_QUERY_PARAMETER');
  expect(body.details).toEqual([expect.objectContaining({ location: 'query', field: 'recursive', message: 'recursive must be true or false' })]);
}

describe('e2e: POST /instances/:id/terminate?recursive=', () => {
  it('terminates the sub-orchestrations by default', async () => {
    const child = await startTree('route-all');
    expect((await api('POST', '/instances/route-all/terminate?reason=all%20of%20it')).status).toBe(202);
    await reach('route-all', 'Terminated');
    await reach(child, 'Terminated');
    expect((await app.durably.client.getStatus(child))?.output).toBe('all of it');
  });

  it('leaves them running with recursive=false (any case, as DF reads booleans)', async () => {
    const child = await startTree('route-flat');
    expect((await api('POST', '/instances/route-flat/terminate?recursive=False&reason=parent')).status).toBe(202);
    await reach('route-flat', 'Terminated');
    expect(await statusOf(child)).toBe('Running');
    // Still alive: it takes its event and completes.
    await app.durably.client.raiseEvent(child, 'Go', 'alone');
    expect(await app.durably.client.waitForCompletion(child, { timeoutMs: 30_000 })).toMatchObject({ runtimeStatus: 'Completed', output: 'alone' });
  });

  it('rejects any other value with a 400 naming the parameter, before touching the instance', async () => {
    const child = await startTree('route-bad');
    for (const value of ['yes', '1', '', 'true,false']) expectBadRecursive(await api('POST', `/instances/route-bad/terminate?recursive=${value}`));
    expectBadRecursive(await api('POST', '/instances/nobody/terminate?recursive=maybe'));
    const twice = await api('POST', '/instances/route-bad/terminate?recursive=true&recursive=false');
    expect([twice.status, expectErrorBody(twice).details[0]?.field]).toEqual([400, 'recursive']);
    expect(await statusOf('route-bad')).toBe('Running');
    expect(await statusOf(child)).toBe('Running');
    expect((await api('POST', '/instances/route-bad/terminate?recursive=true')).status).toBe(202);
    await reach(child, 'Terminated');
  });
});

describe('e2e: DELETE /instances/:id?recursive=', () => {
  it('purges the finished sub-orchestrations by default, counting them', async () => {
    const child = await startTree('purge-all');
    expect((await api('POST', '/instances/purge-all/terminate')).status).toBe(202);
    await reach(child, 'Terminated');
    const purged = await api('DELETE', '/instances/purge-all');
    expect([purged.status, purged.body]).toEqual([200, { instancesDeleted: 2 }]);
    expect(await statusOf(child)).toBeUndefined();
    expect((await api('DELETE', '/instances/purge-all')).status).toBe(404);
  });

  it('purges the instance only with recursive=false; a bad value is a 400', async () => {
    const child = await startTree('purge-flat');
    expect((await api('POST', '/instances/purge-flat/terminate')).status).toBe(202);
    await reach(child, 'Terminated');
    expectBadRecursive(await api('DELETE', '/instances/purge-flat?recursive=nope'));
    const purged = await api('DELETE', '/instances/purge-flat?recursive=false');
    expect([purged.status, purged.body]).toEqual([200, { instancesDeleted: 1 }]);
    expect(await statusOf(child)).toBe('Terminated');
    expect((await api('DELETE', `/instances/${child}?recursive=true`)).body).toEqual({ instancesDeleted: 1 });
  });
});
