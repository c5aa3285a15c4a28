// Securing the admin router: explicit choice at mount time, 401/403 JSON errors, named operations for roles.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { ADMIN_OPERATIONS, READ_ONLY_ADMIN_OPERATIONS, type AdminOperation } from '../../src/http/admin-operation.js';
import { AdminRouterConfigurationError } from '../../src/core/errors/admin-router-configuration-error.js';
import type { AdminRouterOptions, AuthorizationDecision } from '../../src/http/admin-router-options.js';
import { createAdminRouter } from '../../src/http/create-admin-router.js';
import { DurableError } from '../../src/core/durable-error.js';
import { expectErrorBody, startHttpApp, waitForStatus, type HttpTestApp } from './support/http-app.js';

let target: HttpTestApp;
const seen: { operation: AdminOperation; params: Record<string, string> }[] = [];
let oddDecision: unknown;

/** Tokens in the Authorization header: `reader` may read, `admin` may do everything. */
async function authorize(req: Request, operation: AdminOperation): Promise<AuthorizationDecision> {
  seen.push({ operation, params: { ...req.params } as Record<string, string> });
  await Promise.resolve();
  const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
  if (token === 'admin') return 'allow';
  if (token === 'reader') return READ_ONLY_ADMIN_OPERATIONS.includes(operation) ? true : 'forbidden';
  if (token === 'nobody') return false;
  return 'unauthenticated';
}

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably) => {
      app.use('/secured', durably.adminRouter({ authorize }));
      app.use('/open', durably.adminRouter({ auth: 'none' }));
      app.use('/odd', durably.adminRouter({ authorize: () => oddDecision as AuthorizationDecision, authenticateChallenge: 'ApiKey realm="ops"' }));
      app.use('/throws', durably.adminRouter({ authorize: () => Promise.reject(new Error('identity provider down: token=abc')) }));
    },
  });
  const started = await target.call('POST', '/open/orchestrators/WaitForApproval/auth-running', { json: 1 });
  expect(started.status).toBe(202);
  expect(await waitForStatus(target, 'auth-running', 'Running')).toBe(true);
  const done = await target.call('POST', '/open/orchestrators/Echo/auth-done?timeout=30&pollingInterval=1', { json: 1 });
  expect(done.status).toBe(200);
});

afterAll(async () => {
  await target.stop();
});

beforeEach(() => {
  seen.length = 0;
});

const bearer = (token: string): { headers: Record<string, string> } => ({ headers: { authorization: `Bearer ${token}` } });

// One request per route, with the operation it must be authorized as.
const ROUTES: readonly { method: string; path: string; operation: AdminOperation }[] = [
  { method: 'GET', path: '/instances/auth-running', operation: 'instances.read' },
  { method: 'GET', path: '/instances', operation: 'instances.read' },
  { method: 'GET', path: '/instances/auth-done/history', operation: 'instances.readHistory' },
  { method: 'POST', path: '/orchestrators/Echo', operation: 'instances.start' },
  { method: 'POST', path: '/instances/auth-running/raiseEvent/Other', operation: 'instances.raiseEvent' },
  { method: 'POST', path: '/instances/auth-running/terminate', operation: 'instances.terminate' },
  { method: 'POST', path: '/instances/auth-running/suspend', operation: 'instances.suspend' },
  { method: 'POST', path: '/instances/auth-running/resume', operation: 'instances.resume' },
  { method: 'POST', path: '/instances/auth-done/restart', operation: 'instances.restart' },
  { method: 'POST', path: '/instances/auth-done/rewind', operation: 'instances.rewind' },
  { method: 'POST', path: '/instances/auth-running/retry', operation: 'instances.retry' },
  { method: 'DELETE', path: '/instances/auth-none-such', operation: 'instances.purge' },
  { method: 'DELETE', path: '/instances?createdTimeFrom=2000-01-01', operation: 'instances.purge' },
  { method: 'GET', path: '/entities/Counter/auth-counter', operation: 'entities.read' },
  { method: 'GET', path: '/entities/Counter', operation: 'entities.read' },
  { method: 'POST', path: '/entities/Counter/auth-counter?op=add', operation: 'entities.signal' },
  { method: 'POST', path: '/entities/Counter/auth-counter?op=Delete', operation: 'entities.delete' },
  { method: 'DELETE', path: '/entities/Counter/auth-counter', operation: 'entities.delete' },
];

describe('e2e: mounting requires an explicit security choice', () => {
  it.each([
    ['no options', undefined],
    ['empty options', {}],
    ['both', { auth: 'none', authorize: () => true }],
    ["auth other than 'none'", { auth: 'open' }],
    ['authorize not a function', { authorize: 'admin' }],
    ['a misspelled option', { auth: 'none', redcat: () => null }],
    ['an invalid body limit', { auth: 'none', maxBodyBytes: -1 }],
    ['an invalid status code', { auth: 'none', statusCodes: { duplicateInstance: 200 } }],
    ['a multi-line challenge', { auth: 'none', authenticateChallenge: 'Bearer\r\nX-Injected: 1' }],
  ])('throws AdminRouterConfigurationError for %s', (_what, options) => {
    const attempt = (): unknown => target.durably.adminRouter(options as AdminRouterOptions);
    expect(attempt).toThrow(AdminRouterConfigurationError);
    let caught: unknown;
    try {
      createAdminRouter(target.durably.client, options as AdminRouterOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DurableError);
    expect(caught).toMatchObject({ code: 'ADMIN_ROUTER_CONFIGURATION' });
  });

  it('the message says how to secure the router', () => {
    expect(() => target.durably.adminRouter({} as AdminRouterOptions)).toThrow(/authorize.*auth: 'none'/);
  });
});

describe('e2e: authorize', () => {
  it('asks about the named operation of every route, with the path parameters available', async () => {
    for (const route of ROUTES) {
      seen.length = 0;
      const result = await target.call(route.method, `/secured${route.path}`, bearer('nobody'));
      expect([route.path, result.status]).toEqual([route.path, 403]);
      expect(seen.map((s) => s.operation)).toEqual([route.operation]);
    }
    seen.length = 0;
    await target.call('GET', '/secured/instances/auth-running', bearer('nobody'));
    expect(seen[0]?.params).toEqual({ instanceId: 'auth-running' });
    expect(new Set(ROUTES.map((r) => r.operation))).toEqual(new Set(ADMIN_OPERATIONS));
  });

  it('401 with a WWW-Authenticate challenge without credentials, before any input is validated', async () => {
    for (const route of ROUTES) {
      const result = await target.call(route.method, `/secured${route.path}`);
      expect(result.status).toBe(401);
      expect(expectErrorBody(result)).toEqual({ error: 'UNAUTHENTICATED', message: expect.any(String), details: [] });
      expect(result.headers.get('www-authenticate')).toBe('Bearer realm="durably"');
    }
    expect((await target.call('GET', '/secured/instances?top[$gt]=0')).status).toBe(401);
    expect((await target.call('POST', '/secured/orchestrators/NoSuch', { json: 1 })).status).toBe(401);
  });

  it('never reads credentials from the URL', async () => {
    const result = await target.call('GET', '/secured/instances/auth-running?code=admin');
    expect(result.status).toBe(401);
  });

  it('a reader may read but not change anything (403 JSON)', async () => {
    expect((await target.call('GET', '/secured/instances/auth-running', bearer('reader'))).status).toBe(202);
    expect((await target.call('GET', '/secured/instances?instanceIdPrefix=auth-', bearer('reader'))).status).toBe(200);
    for (const route of ROUTES.filter((r) => !READ_ONLY_ADMIN_OPERATIONS.includes(r.operation))) {
      const result = await target.call(route.method, `/secured${route.path}`, bearer('reader'));
      expect([route.path, result.status]).toEqual([route.path, 403]);
      expect(expectErrorBody(result)).toMatchObject({ error: 'FORBIDDEN', message: expect.stringContaining(route.operation) });
    }
    expect((await target.durably.client.getStatus('auth-running'))?.runtimeStatus).toBe('Running');
  });

  it('an admin may do everything', async () => {
    const started = await target.call('POST', '/secured/orchestrators/Echo/auth-admin?timeout=30&pollingInterval=1', { ...bearer('admin'), json: 'ok' });
    expect(started.status).toBe(200);
    expect(started.body).toBe('ok');
    expect((await target.call('POST', '/secured/instances/auth-running/raiseEvent/Approval', { ...bearer('admin'), json: 'yes' })).status).toBe(202);
    expect(await waitForStatus(target, 'auth-running', 'Completed')).toBe(true);
    expect((await target.call('DELETE', '/secured/instances/auth-admin', bearer('admin'))).status).toBe(200);
  });

  it("auth: 'none' serves everyone", async () => {
    expect((await target.call('GET', '/open/instances/auth-done')).status).toBe(200);
  });

  it('fails closed: a hook returning anything else, or throwing, is a logged 500', async () => {
    for (const decision of [undefined, 'yes', 1, null]) {
      oddDecision = decision;
      const before = target.errors.length;
      const result = await target.call('GET', '/odd/instances/auth-done');
      expect([decision, result.status]).toEqual([decision, 500]);
      expect(expectErrorBody(result).error).toBe('INTERNAL_ERROR');
      expect(target.errors.length).toBe(before + 1);
    }
    oddDecision = 'unauthenticated';
    expect((await target.call('GET', '/odd/instances/auth-done')).headers.get('www-authenticate')).toBe('ApiKey realm="ops"');
    const thrown = await target.call('GET', '/throws/instances/auth-done');
    expect(thrown.status).toBe(500);
    expect(thrown.text).not.toContain('token=abc');
  });
});
