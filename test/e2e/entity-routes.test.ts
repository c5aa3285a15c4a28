// The entity routes of the admin router — read, list, signal, delete — over a real listening server, through the real
// runtime: success and error codes, paging with the continuation header, fetchState, unknown entity types (DF's
// default and the opt-in 404), operation names for roles, and bad input of every kind.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import type { DurableClient } from '../../src/client/durable-client.js';
import { READ_ONLY_ADMIN_OPERATIONS, type AdminOperation } from '../../src/http/admin-operation.js';
import type { AuthorizationDecision } from '../../src/http/admin-router-options.js';
import { AdminRouterConfigurationError } from '../../src/core/errors/admin-router-configuration-error.js';
import type { AdminRouterOptions } from '../../src/http/admin-router-options.js';
import { createAdminRouter } from '../../src/http/create-admin-router.js';
import { DF_BASE, expectErrorBody, startHttpApp, type HttpResult, type HttpTestApp } from './support/http-app.js';

let target: HttpTestApp;
const STRICT = '/strict';
const CLIENT_ONLY = '/client-only';
const SECURED = '/secured';
const SMALL = '/small';
const RECORDED = '/recorded';
const clientCalls: string[] = [];
const seen: AdminOperation[] = [];

/** The app's client, recording every method called on it. */
function recording(client: DurableClient, calls: string[]): DurableClient {
  return new Proxy(client, {
    get(real, property) {
      const value: unknown = Reflect.get(real, property, real);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(real, args);
      };
    },
  });
}

/** Tokens: `reader` may read, `signaler` may also signal (but not delete), `admin` may do everything. */
function authorize(req: Request, operation: AdminOperation): AuthorizationDecision {
  seen.push(operation);
  const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
  if (token === 'admin') return true;
  if (token === 'signaler') return READ_ONLY_ADMIN_OPERATIONS.includes(operation) || operation === 'entities.signal';
  if (token === 'reader') return READ_ONLY_ADMIN_OPERATIONS.includes(operation) ? 'allow' : 'forbidden';
  return 'unauthenticated';
}

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably, log) => {
      // The app parses query strings into objects (qs): the router must not be fooled by it.
      app.set('query parser', 'extended');
      app.use(DF_BASE, durably.adminRouter({ auth: 'none' }));
      app.use(STRICT, durably.adminRouter({ auth: 'none', statusCodes: { unknownEntityType: 404 } }));
      // A client-only process that does not know the entity classes: every name is taken as registered.
      app.use(CLIENT_ONLY, createAdminRouter(durably.client, { auth: 'none', logger: log }));
      app.use(SECURED, durably.adminRouter({ authorize }));
      app.use(SMALL, durably.adminRouter({ auth: 'none', maxBodyBytes: 100 }));
      app.use(RECORDED, createAdminRouter(recording(durably.client, clientCalls), { auth: 'none', logger: log }, { entityNames: durably.registry.entityNames() }));
    },
  });
});

afterAll(async () => {
  await target.stop();
});

beforeEach(() => {
  clientCalls.length = 0;
  seen.length = 0;
});

const api = (path: string): string => `${DF_BASE}${path}`;
const bearer = (token: string): { headers: Record<string, string> } => ({ headers: { authorization: `Bearer ${token}` } });

/** GETs `path` until `done` holds for the answer, or gives up after `timeoutMs`; returns the last answer. */
async function pollUntil(path: string, done: (result: HttpResult) => boolean, timeoutMs = 15_000): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await target.call('GET', path);
    if (done(result) || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls the entity at `path` (under DF_BASE) until its state equals `state`; returns the last answer. */
async function stateOf(path: string, state: unknown): Promise<HttpResult> {
  return pollUntil(api(path), (r) => r.status === 200 && JSON.stringify(r.body) === JSON.stringify(state));
}

/** Signals through the default router and expects DF's `202` with an empty body. */
async function signal(path: string, init: Parameters<HttpTestApp['call']>[2] = {}): Promise<void> {
  const result = await target.call('POST', api(path), init);
  expect([path, result.status, result.text]).toEqual([path, 202, '']);
}

interface ListedEntity {
  readonly entityId: { readonly name: string; readonly key: string };
  readonly lastOperationTime: string;
  readonly state?: unknown;
}

/** Every page of `GET path` (with `x-ms-continuation-token` passed along), and the entities of all pages. */
async function allPages(path: string): Promise<{ pages: HttpResult[]; entities: ListedEntity[] }> {
  const pages: HttpResult[] = [];
  let token: string | null = null;
  do {
    const result = await target.call('GET', path, token === null ? {} : { headers: { 'x-ms-continuation-token': token } });
    expect([path, result.status]).toEqual([path, 200]);
    pages.push(result);
    token = result.headers.get('x-ms-continuation-token');
  } while (token !== null && pages.length < 100);
  return { pages, entities: pages.flatMap((page) => page.body as never[]) };
}

describe('e2e: POST /entities/:entityName/:entityKey?op= — signal', () => {
  it('202 with an empty body; the operation is applied with the JSON body as input, and the state reads back', async () => {
    await signal('/entities/Counter/sig-1?op=add', { json: 5 });
    expect((await stateOf('/entities/Counter/sig-1', 5)).body).toBe(5);
    await signal('/entities/Counter/sig-1?op=add', { json: 3 });
    const read = await stateOf('/entities/Counter/sig-1', 8);
    expect(read.status).toBe(200);
    expect(read.text).toBe('8');
    expect(read.headers.get('content-type')).toMatch(/^application\/json/);
    expect(read.headers.get('cache-control')).toBe('no-store');
  });

  it('entity names and operations ignore case; keys do not', async () => {
    await signal('/entities/COUNTER/sig-case?op=ADD', { json: 2 });
    expect((await stateOf('/entities/counter/sig-case', 2)).status).toBe(200);
    const other = await target.call('GET', api('/entities/Counter/SIG-CASE'));
    expect(other.status).toBe(404);
  });

  it('an empty body signals without input, with or without a JSON content type', async () => {
    await signal('/entities/Register/sig-empty?op=set', { json: { kept: true } });
    await stateOf('/entities/Register/sig-empty', { kept: true });
    await signal('/entities/Register/sig-empty?op=clear');
    expect((await pollUntil(api('/entities/Register/sig-empty'), (r) => r.status === 404)).status).toBe(404);
    await signal('/entities/Counter/sig-empty?op=add', { json: 7 });
    await stateOf('/entities/Counter/sig-empty', 7);
    await signal('/entities/Counter/sig-empty?op=reset', { headers: { 'content-type': 'application/json' } });
    expect((await stateOf('/entities/Counter/sig-empty', 0)).body).toBe(0);
  });

  it('stores any JSON value as data only (null, nested values, "__proto__" keys)', async () => {
    await signal('/entities/Register/sig-null?op=set', { body: 'null', headers: { 'content-type': 'application/json' } });
    const nullState = await pollUntil(api('/entities/Register/sig-null'), (r) => r.status === 200);
    expect([nullState.status, nullState.text]).toEqual([200, 'null']);
    const text = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"$where":"1","list":[1,"two",{"x":null}]}';
    await signal('/entities/Register/sig-proto?op=set', { body: text, headers: { 'content-type': 'application/json; charset=utf-8' } });
    const read = await pollUntil(api('/entities/Register/sig-proto'), (r) => r.status === 200);
    expect(JSON.parse(read.text)).toEqual(JSON.parse(text));
    expect(read.text).toContain('"__proto__":{"polluted":true}');
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('any key, percent-encoded in the URL, is the key', async () => {
    const key = 'a/b c?#%é@1';
    await signal(`/entities/Register/${encodeURIComponent(key)}?op=set`, { json: 'odd key' });
    expect((await stateOf(`/entities/Register/${encodeURIComponent(key)}`, 'odd key')).body).toBe('odd key');
    const listed = await allPages(api('/entities/Register?fetchState=true'));
    expect(listed.entities).toContainEqual({ entityId: { name: 'register', key }, lastOperationTime: expect.any(String), state: 'odd key' });
  });

  it("'$', and no key at all (as DF's code), address the entity with the empty key", async () => {
    await signal('/entities/Counter?op=add', { json: 4 });
    await signal('/entities/Counter/$?op=add', { json: 1 });
    expect((await stateOf('/entities/Counter/$', 5)).body).toBe(5);
    const listed = await allPages(api('/entities/Counter?fetchState=true'));
    expect(listed.entities).toContainEqual({ entityId: { name: 'counter', key: '' }, lastOperationTime: expect.any(String), state: 5 });
    await target.call('DELETE', api('/entities/Counter'));
    expect((await pollUntil(api('/entities/Counter/$'), (r) => r.status === 404)).status).toBe(404);
  });

  it('?op=delete signals the implicit delete, as DELETE does', async () => {
    await signal('/entities/Counter/sig-op-delete?op=add', { json: 1 });
    await stateOf('/entities/Counter/sig-op-delete', 1);
    await signal('/entities/Counter/sig-op-delete?op=delete');
    expect((await pollUntil(api('/entities/Counter/sig-op-delete'), (r) => r.status === 404)).status).toBe(404);
  });

  it('accepts (and ignores) the taskHub and connection parameters DF clients send', async () => {
    await signal('/entities/Counter/sig-hub?op=add&taskHub=TestHub&connection=Storage', { json: 9 });
    expect((await stateOf('/entities/Counter/sig-hub?taskHub=TestHub', 9)).body).toBe(9);
  });

  it('400 without op (DF would signal an operation named ""), naming it', async () => {
    const result = await target.call('POST', api('/entities/Counter/sig-no-op'), { json: 1 });
    expect(result.status).toBe(400);
    expect(expectErrorBody(result)).toMatchObject({ error: 'INVALID_QUERY_PARAMETER', details: [{ location: 'query', field: 'op', message: expect.stringContaining('required') }] });
  });

  it('JSON only: 415 for another or no content type with a body, 400 for invalid JSON, 415 for another charset, 413 over the limit', async () => {
    const text = await target.call('POST', api('/entities/Counter/sig-types?op=add'), { body: '1', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(expectErrorBody(text)).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE', details: [{ location: 'header', field: 'content-type' }] });
    const unlabelled = await target.call('POST', api('/entities/Counter/sig-types?op=add'), { body: new TextEncoder().encode('1') });
    expect(unlabelled.status).toBe(415);
    expect(expectErrorBody(unlabelled).error).toBe('UNSUPPORTED_MEDIA_TYPE');
    const invalid = await target.call('POST', api('/entities/Counter/sig-types?op=add'), { body: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(invalid.status).toBe(400);
    expect(expectErrorBody(invalid)).toMatchObject({ error: 'INVALID_JSON', details: [{ location: 'body', field: '(body)' }] });
    const latin1 = await target.call('POST', api('/entities/Counter/sig-types?op=add'), { body: '1', headers: { 'content-type': 'application/json; charset=latin1' } });
    expect(latin1.status).toBe(415);
    const big = await target.call('POST', `${SMALL}/entities/Counter/sig-types?op=add`, { json: 'x'.repeat(200) });
    expect(big.status).toBe(413);
    expect(expectErrorBody(big)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', details: [{ location: 'body' }] });
    expect((await target.call('GET', api('/entities/Counter/sig-types'))).status).toBe(404);
  });
});

describe('e2e: DELETE /entities/:entityName/:entityKey', () => {
  it('signals the implicit delete operation: 202, then the entity has no state (404) and is not listed', async () => {
    await signal('/entities/Register/del-1?op=set', { json: ['to', 'delete'] });
    await stateOf('/entities/Register/del-1', ['to', 'delete']);
    const deleted = await target.call('DELETE', api('/entities/Register/del-1'));
    expect([deleted.status, deleted.text]).toEqual([202, '']);
    expect((await pollUntil(api('/entities/Register/del-1'), (r) => r.status === 404)).status).toBe(404);
    const listed = await allPages(api('/entities/Register'));
    expect(listed.entities.map((e) => e.entityId.key)).not.toContain('del-1');
  });

  it('is a 202 for an entity that has no state too (it is a signal), and creates no state', async () => {
    const deleted = await target.call('DELETE', api('/entities/Counter/del-never-written'));
    expect(deleted.status).toBe(202);
    expect((await target.call('GET', api('/entities/Counter/del-never-written'))).status).toBe(404);
  });
});

describe('e2e: GET /entities/:entityName/:entityKey — read', () => {
  it('404 JSON for an entity without state', async () => {
    const result = await target.call('GET', api('/entities/Counter/read-nobody'));
    expect(result.status).toBe(404);
    expect(expectErrorBody(result)).toMatchObject({ error: 'ENTITY_NOT_FOUND', details: [{ location: 'path', field: 'entityKey' }] });
  });

  it('answers with the state itself, whatever its JSON type', async () => {
    await signal('/entities/Register/read-object?op=set', { json: { a: 1, b: [true, 'x'] } });
    expect((await stateOf('/entities/Register/read-object', { a: 1, b: [true, 'x'] })).body).toEqual({ a: 1, b: [true, 'x'] });
    await signal('/entities/Register/read-string?op=set', { json: 'text' });
    const read = await stateOf('/entities/Register/read-string', 'text');
    expect(read.text).toBe('"text"');
  });
});

describe('e2e: GET /entities/:entityName? — list', () => {
  const keys = ['page-1', 'page-2', 'page-3', 'page-4', 'page-5'];
  let before: Date;
  let after: Date;

  beforeAll(async () => {
    before = new Date(Date.now() - 1000);
    for (const [i, key] of keys.entries()) await signal(`/entities/Register/${key}?op=set`, { json: { n: i + 1 } });
    for (const [i, key] of keys.entries()) await stateOf(`/entities/Register/${key}`, { n: i + 1 });
    after = new Date(Date.now() + 1000);
  });

  const pageEntities = (entities: ListedEntity[]): ListedEntity[] => entities.filter((e) => e.entityId.key.startsWith('page-'));

  it('pages with top and x-ms-continuation-token (in and out); the last page has no token', async () => {
    const { pages, entities } = await allPages(api('/entities/Register?top=2'));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) expect((page.body as unknown[]).length).toBeLessThanOrEqual(2);
    for (const page of pages.slice(0, -1)) expect(page.headers.get('x-ms-continuation-token')).toMatch(/^[A-Za-z0-9_=+/-]+$/);
    expect(pages.at(-1)!.headers.get('x-ms-continuation-token')).toBeNull();
    expect(pageEntities(entities).map((e) => e.entityId.key)).toEqual(keys);
    // Each entity once, in instance ID order.
    const ids = entities.map((e) => `${e.entityId.name}@${e.entityId.key}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("DF's DurableEntityStatus entries; state only with fetchState=true", async () => {
    const plain = pageEntities((await allPages(api('/entities/Register'))).entities);
    expect(plain).toHaveLength(5);
    for (const entity of plain) {
      expect(entity).toEqual({ entityId: { name: 'register', key: expect.stringMatching(/^page-/) }, lastOperationTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
      const time = new Date(entity.lastOperationTime).getTime();
      expect(time).toBeGreaterThanOrEqual(before.getTime());
      expect(time).toBeLessThanOrEqual(after.getTime());
    }
    const withState = pageEntities((await allPages(api('/entities/Register?fetchState=true'))).entities);
    expect(withState.map((e) => e.state)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    const explicitFalse = pageEntities((await allPages(api('/entities/Register?fetchState=FALSE'))).entities);
    expect(explicitFalse.every((e) => !('state' in e))).toBe(true);
  });

  it('GET /entities lists every type; the name matches ignoring case; a trailing slash is the same route', async () => {
    await signal('/entities/Counter/list-all?op=add', { json: 1 });
    await stateOf('/entities/Counter/list-all', 1);
    const all = (await allPages(api('/entities'))).entities.map((e) => `${e.entityId.name}/${e.entityId.key}`);
    expect(all).toEqual(expect.arrayContaining(['counter/list-all', 'register/page-1']));
    const lower = (await allPages(api('/entities/register/'))).entities;
    expect(pageEntities(lower)).toHaveLength(5);
    expect(lower.every((e) => e.entityId.name === 'register')).toBe(true);
  });

  it('applies lastOperationTimeFrom and lastOperationTimeTo (inclusive)', async () => {
    const inRange = await allPages(api(`/entities/Register?lastOperationTimeFrom=${before.toISOString()}&lastOperationTimeTo=${after.toISOString()}`));
    expect(pageEntities(inRange.entities)).toHaveLength(5);
    const future = await allPages(api(`/entities/Register?lastOperationTimeFrom=${after.toISOString()}`));
    expect(pageEntities(future.entities)).toEqual([]);
    const past = await allPages(api(`/entities/Register?lastOperationTimeTo=${before.toISOString()}&top=1`));
    expect(pageEntities(past.entities)).toEqual([]);
  });

  it('entities without state are not listed', async () => {
    await signal('/entities/Register/page-gone?op=set', { json: 1 });
    await stateOf('/entities/Register/page-gone', 1);
    await signal('/entities/Register/page-gone?op=clear');
    await pollUntil(api('/entities/Register/page-gone'), (r) => r.status === 404);
    const listed = await allPages(api('/entities/Register'));
    expect(listed.entities.map((e) => e.entityId.key)).not.toContain('page-gone');
  });

  it('an empty continuation header is the first page; a token that is not one → 400 naming the header', async () => {
    const first = await target.call('GET', api('/entities/Register?top=1'), { headers: { 'x-ms-continuation-token': '' } });
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(1);
    const forged = await target.call('GET', api('/entities/Register'), { headers: { 'x-ms-continuation-token': Buffer.from('{"after":1}').toString('base64url') } });
    expect(forged.status).toBe(400);
    expect(expectErrorBody(forged)).toMatchObject({ error: 'INVALID_CONTINUATION_TOKEN', details: [{ location: 'header', field: 'x-ms-continuation-token' }] });
  });

  it('200 with an empty array for a registered type with no entities', async () => {
    const result = await target.call('GET', api('/entities/Counter?lastOperationTimeFrom=2999-01-01T00:00:00Z'));
    expect([result.status, result.body]).toEqual([200, []]);
  });
});

describe('e2e: unknown entity types', () => {
  it("default (DF's code): signal and delete → 400 UNKNOWN_ENTITY_TYPE; read → 404 (no state); list → 200", async () => {
    const signaled = await target.call('POST', api('/entities/NoSuchEntity/k?op=add'), { json: 1 });
    expect(signaled.status).toBe(400);
    const body = expectErrorBody(signaled);
    expect(body).toMatchObject({ error: 'UNKNOWN_ENTITY_TYPE', details: [{ location: 'path', field: 'entityName' }] });
    expect(body.message).toContain('NoSuchEntity');
    expect(body.message).toMatch(/counter, register/);
    const deleted = await target.call('DELETE', api('/entities/NoSuchEntity/k'));
    expect(deleted.status).toBe(400);
    expect(expectErrorBody(deleted).error).toBe('UNKNOWN_ENTITY_TYPE');
    const read = await target.call('GET', api('/entities/NoSuchEntity/k'));
    expect(read.status).toBe(404);
    expect(expectErrorBody(read).error).toBe('ENTITY_NOT_FOUND');
    const listed = await target.call('GET', api('/entities/NoSuchEntity'));
    expect([listed.status, listed.body]).toEqual([200, []]);
    // Nothing was stored for it.
    expect((await target.durably.client.listEntities({ entityName: 'NoSuchEntity' })).entities).toEqual([]);
  });

  it('with statusCodes.unknownEntityType: 404, every entity route naming it → 404 UNKNOWN_ENTITY_TYPE', async () => {
    const requests: [string, string][] = [
      ['POST', '/entities/NoSuchEntity/k?op=add'],
      ['DELETE', '/entities/NoSuchEntity/k'],
      ['GET', '/entities/NoSuchEntity/k'],
      ['GET', '/entities/NoSuchEntity'],
    ];
    for (const [method, path] of requests) {
      const result = await target.call(method, `${STRICT}${path}`, method === 'POST' ? { json: 1 } : {});
      expect([method, path, result.status]).toEqual([method, path, 404]);
      expect(expectErrorBody(result)).toMatchObject({ error: 'UNKNOWN_ENTITY_TYPE', details: [{ location: 'path', field: 'entityName' }] });
    }
    // Registered types are served as usual, names ignoring case.
    await signal('/entities/Counter/strict-known?op=add', { json: 2 });
    expect((await pollUntil(`${STRICT}/entities/COUNTER/strict-known`, (r) => r.status === 200)).body).toBe(2);
    expect((await target.call('GET', `${STRICT}/entities/counter`)).status).toBe(200);
    expect((await target.call('GET', `${STRICT}/entities`)).status).toBe(200);
  });

  it('createAdminRouter(client, options) without entity names takes every name as registered', async () => {
    const signaled = await target.call('POST', `${CLIENT_ONLY}/entities/NotInThisProcess/k?op=add`, { json: 1 });
    expect([signaled.status, signaled.text]).toEqual([202, '']);
    await expect(target.durably.client.listEntities({ entityName: 'NotInThisProcess' })).resolves.toMatchObject({ entities: [{ entityId: { key: 'k' } }] });
    expect((await target.call('GET', `${CLIENT_ONLY}/entities/NotInThisProcess/k`)).status).toBe(404);
  });
});

describe('e2e: entity options at mount time', () => {
  it.each([
    ['an invalid unknownEntityType', { auth: 'none', statusCodes: { unknownEntityType: 410 } }, {}],
    ['a misspelled statusCodes option', { auth: 'none', statusCodes: { unknownEntity: 404 } }, {}],
    ['entity names that are not strings', { auth: 'none' }, { entityNames: ['Counter', 42] }],
    ['entity names that are not an array', { auth: 'none' }, { entityNames: 'Counter' }],
  ])('throws AdminRouterConfigurationError for %s', (_what, options, defaults) => {
    expect(() => createAdminRouter(target.durably.client, options as AdminRouterOptions, defaults as never)).toThrow(AdminRouterConfigurationError);
  });
});

describe('e2e: operation names for roles', () => {
  it('GET is entities.read, POST is entities.signal, DELETE and POST ?op=delete are entities.delete', async () => {
    const expected: [string, string, AdminOperation][] = [
      ['GET', '/entities/Counter/auth-1', 'entities.read'],
      ['GET', '/entities/Counter', 'entities.read'],
      ['GET', '/entities', 'entities.read'],
      ['POST', '/entities/Counter/auth-1?op=add', 'entities.signal'],
      ['POST', '/entities/Counter/auth-1?OP=DELETE', 'entities.delete'],
      ['DELETE', '/entities/Counter/auth-1', 'entities.delete'],
    ];
    for (const [method, path, operation] of expected) {
      seen.length = 0;
      const result = await target.call(method, `${SECURED}${path}`);
      expect([path, result.status]).toEqual([path, 401]);
      expect([path, seen]).toEqual([path, [operation]]);
    }
  });

  it('a reader may read and list, but not signal or delete (403 JSON, nothing changes)', async () => {
    await signal('/entities/Counter/auth-reader?op=add', { json: 10 });
    await stateOf('/entities/Counter/auth-reader', 10);
    const read = await target.call('GET', `${SECURED}/entities/Counter/auth-reader`, bearer('reader'));
    expect([read.status, read.body]).toEqual([200, 10]);
    expect((await target.call('GET', `${SECURED}/entities/Counter`, bearer('reader'))).status).toBe(200);
    for (const [method, path] of [['POST', '/entities/Counter/auth-reader?op=add'], ['POST', '/entities/Counter/auth-reader?op=delete'], ['DELETE', '/entities/Counter/auth-reader']] as const) {
      const result = await target.call(method, `${SECURED}${path}`, { ...bearer('reader'), ...(method === 'POST' ? { json: 1 } : {}) });
      expect([path, result.status]).toEqual([path, 403]);
      expect(expectErrorBody(result).error).toBe('FORBIDDEN');
    }
    expect((await target.call('GET', api('/entities/Counter/auth-reader'))).body).toBe(10);
  });

  it('a role allowed to signal but not to delete cannot delete through ?op=delete either', async () => {
    const added = await target.call('POST', `${SECURED}/entities/Counter/auth-signaler?op=add`, { ...bearer('signaler'), json: 3 });
    expect(added.status).toBe(202);
    await stateOf('/entities/Counter/auth-signaler', 3);
    for (const op of ['delete', 'DELETE', 'Delete']) {
      const result = await target.call('POST', `${SECURED}/entities/Counter/auth-signaler?op=${op}`, bearer('signaler'));
      expect([op, result.status]).toEqual([op, 403]);
    }
    expect((await target.call('DELETE', `${SECURED}/entities/Counter/auth-signaler`, bearer('signaler'))).status).toBe(403);
    expect((await target.call('DELETE', `${SECURED}/entities/Counter/auth-signaler`, bearer('admin'))).status).toBe(202);
    expect((await pollUntil(api('/entities/Counter/auth-signaler'), (r) => r.status === 404)).status).toBe(404);
  });

  it('401 before any input is validated', async () => {
    expect((await target.call('POST', `${SECURED}/entities/Counter/k?op[$ne]=x`)).status).toBe(401);
    expect((await target.call('GET', `${SECURED}/entities/%40bad/k`)).status).toBe(401);
  });
});

describe('e2e: bad input to the entity routes (400 naming the field; nothing reaches the client)', () => {
  /** Expects a 400-class JSON error naming `field` at `location`, and no call to the client. */
  function expectRejected(result: HttpResult, status: number, error: string, location: string, field: string): void {
    expect([result.status, result.text]).toEqual([status, expect.any(String)]);
    const body = expectErrorBody(result);
    expect(body.error).toBe(error);
    expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ location, field })]));
    expect(clientCalls).toEqual([]);
  }
  const recorded = (path: string): string => `${RECORDED}${path}`;

  it.each([
    ['GET', '/entities/Count%40er/k', 'entityName'],
    ['GET', '/entities/%01Counter/k', 'entityName'],
    ['GET', '/entities/%20Counter/k', 'entityName'],
    ['GET', '/entities/Counter%09/k', 'entityName'],
    ['GET', `/entities/${'n'.repeat(257)}/k`, 'entityName'],
    ['GET', '/entities/%40', 'entityName'],
    ['POST', '/entities/Count%40er/k?op=add', 'entityName'],
    ['DELETE', '/entities/%7F/k', 'entityName'],
    ['POST', `/entities/Counter/${'k'.repeat(254)}?op=add`, 'entityKey'],
    ['POST', `/entities/Counter/${'k'.repeat(250)}?op=add`, 'entityKey'],
    ['GET', `/entities/Counter/${'k'.repeat(250)}`, 'entityKey'],
  ])('%s %s → 400 INVALID_PATH_PARAMETER naming %s', async (method, path, field) => {
    expectRejected(await target.call(method, recorded(path), method === 'POST' ? { json: 1 } : {}), 400, 'INVALID_PATH_PARAMETER', 'path', field);
  });

  it.each([
    ['POST', '/entities/Counter/k?op[$ne]=x', 'op[$ne]'],
    ['POST', '/entities/Counter/k?op[]=add', 'op[]'],
    ['POST', '/entities/Counter/k', 'op'],
    ['POST', '/entities/Counter/k?op=', 'op'],
    ['POST', '/entities/Counter/k?op=add&op=reset', 'op'],
    ['POST', '/entities/Counter/k?op=%00', 'op'],
    ['POST', `/entities/Counter/k?op=${'o'.repeat(257)}`, 'op'],
    ['POST', '/entities/Counter/k?op=add&__proto__[polluted]=yes', '__proto__[polluted]'],
    ['POST', '/entities/Counter/k?op=add&input=1', 'input'],
    ['GET', '/entities?top=0', 'top'],
    ['GET', '/entities?top=1001', 'top'],
    ['GET', '/entities?top=abc', 'top'],
    ['GET', '/entities?top=1&top=2', 'top'],
    ['GET', '/entities?top[$gt]=0', 'top[$gt]'],
    ['GET', '/entities/Counter?fetchState=yes', 'fetchState'],
    ['GET', '/entities/Counter?fetchState[$ne]=false', 'fetchState[$ne]'],
    ['GET', '/entities?lastOperationTimeFrom=yesterday', 'lastOperationTimeFrom'],
    ['GET', '/entities?lastOperationTimeTo=2024-02-30T00:00:00Z', 'lastOperationTimeTo'],
    ['GET', '/entities?lastOperationTimeFrom[$gte]=2024-01-01', 'lastOperationTimeFrom[$gte]'],
    ['GET', '/entities?entityName=Counter', 'entityName'],
    ['GET', '/entities?__proto__=x', '__proto__'],
  ])('%s %s → 400 INVALID_QUERY_PARAMETER naming %s', async (method, path, field) => {
    expectRejected(await target.call(method, recorded(path), method === 'POST' ? { json: 1 } : {}), 400, 'INVALID_QUERY_PARAMETER', 'query', field);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("ignores Durable Functions' parameters a route does not use, as DF does", async () => {
    expect((await target.call('GET', recorded('/entities?showInput=true'))).status).toBe(200);
    expect((await target.call('GET', recorded('/entities/Counter/never-written?fetchState=true'))).status).toBe(404);
  });

  it.each(['not a token!', 'a'.repeat(4097), 'abc, def'])('x-ms-continuation-token %p → 400 INVALID_HEADER', async (token) => {
    expectRejected(await target.call('GET', recorded('/entities'), { headers: { 'x-ms-continuation-token': token } }), 400, 'INVALID_HEADER', 'header', 'x-ms-continuation-token');
  });

  it('bad bodies are refused before the signal is sent', async () => {
    expectRejected(await target.call('POST', recorded('/entities/Counter/k?op=add'), { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-type');
    expectRejected(await target.call('POST', recorded('/entities/Counter/k?op=add'), { body: "{'single': 'quotes'}", headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON', 'body', '(body)');
    expectRejected(await target.call('POST', recorded('/entities/Counter/k?op=add'), { body: '1', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-encoding');
  });

  it('an unknown entity type is refused before the client is called', async () => {
    expectRejected(await target.call('POST', recorded('/entities/NoSuchEntity/k?op=add'), { json: 1 }), 400, 'UNKNOWN_ENTITY_TYPE', 'path', 'entityName');
  });

  it('valid requests do reach the client (the recording works)', async () => {
    expect((await target.call('GET', recorded('/entities/Counter/k'))).status).toBe(404);
    expect(clientCalls).toEqual(['readEntityState']);
  });

  it('methods the API does not define fall through to the app', async () => {
    const put = await target.call('PUT', api('/entities/Counter/k'), { json: 1 });
    expect([put.status, put.body]).toEqual([404, { unmatched: true }]);
    const deep = await target.call('GET', api('/entities/Counter/k/extra'));
    expect([deep.status, deep.body]).toEqual([404, { unmatched: true }]);
  });
});
