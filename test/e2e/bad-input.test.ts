// Bad input of every kind gets a 400-class JSON error naming the field — never a stack trace, never a 500 — and is
// rejected before anything reaches the client or the store.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DurableClient } from '../../src/client/durable-client.js';
import { createAdminRouter } from '../../src/http/create-admin-router.js';
import { DF_BASE, expectErrorBody, rawCall, startHttpApp, waitForStatus, type HttpResult, type HttpTestApp } from './support/http-app.js';

let target: HttpTestApp;
const clientCalls: string[] = [];

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

/** A client whose store is broken: every call fails with an error whose message must not leak. */
function broken(client: DurableClient): DurableClient {
  return new Proxy(client, {
    get() {
      return () => Promise.reject(new Error('connection to mongodb://admin:hunter2@db failed'));
    },
  });
}

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably, log) => {
      // The app parses query strings into objects (qs): the router must not be fooled by it.
      app.set('query parser', 'extended');
      app.use(DF_BASE, createAdminRouter(recording(durably.client, clientCalls), { auth: 'none', logger: log }));
      app.use('/small', durably.adminRouter({ auth: 'none', maxBodyBytes: 100 }));
      app.use('/broken', createAdminRouter(broken(durably.client), { auth: 'none', logger: log }));
    },
  });
  expect((await target.call('POST', `${DF_BASE}/orchestrators/WaitForApproval/bad-input-running`, { json: 'x' })).status).toBe(202);
  expect(await waitForStatus(target, 'bad-input-running', 'Running')).toBe(true);
});

afterAll(async () => {
  await target.stop();
});

beforeEach(() => {
  clientCalls.length = 0;
});

const api = (path: string): string => `${DF_BASE}${path}`;

/** Expects a 400-class JSON error naming `field` at `location`, and no call to the client. */
function expectRejected(result: HttpResult, status: number, error: string, location: string, field: string): void {
  expect([result.status, result.text]).toEqual([status, expect.any(String)]);
  const body = expectErrorBody(result);
  expect(body.error).toBe(error);
  expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ location, field })]));
  expect(clientCalls).toEqual([]);
}

describe('e2e: bad query parameters', () => {
  it.each([
    ['runtimeStatus[$ne]=x', 'runtimeStatus[$ne]'],
    ['top[$gt]=0', 'top[$gt]'],
    ['__proto__=x', '__proto__'],
    ['__proto__[polluted]=yes', '__proto__[polluted]'],
    ['constructor[prototype][polluted]=yes', 'constructor[prototype][polluted]'],
    ['instanceIdPrefix[$regex]=.*', 'instanceIdPrefix[$regex]'],
    ['a.b=1', 'a.b'],
    ['$where=1', '$where'],
  ])('GET /instances?%s → 400 naming %s, and nothing is polluted or queried', async (query, field) => {
    expectRejected(await target.call('GET', api(`/instances?${query}`)), 400, 'INVALID_QUERY_PARAMETER', 'query', field);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['top=0', 'top'], ['top=-1', 'top'], ['top=1001', 'top'], ['top=abc', 'top'], ['top=1.5', 'top'], ['top=', 'top'], ['top=1&top=2', 'top'],
    ['runtimeStatus=Bogus', 'runtimeStatus'], ['runtimeStatus=Running,', 'runtimeStatus'], ['runtimeStatus=running', 'runtimeStatus'],
    ['createdTimeFrom=yesterday', 'createdTimeFrom'], ['createdTimeFrom=2024-02-30T00:00:00Z', 'createdTimeFrom'],
    ['createdTimeTo=2024-W01', 'createdTimeTo'], ['showInput=yes', 'showInput'],
    ['instanceIdPrefix=%01x', 'instanceIdPrefix'], [`instanceIdPrefix=${'p'.repeat(257)}`, 'instanceIdPrefix'],
    ['foo=1', 'foo'], ['showHistory=true', 'showHistory'],
  ])('GET /instances?%s → 400 naming %s', async (query, field) => {
    expectRejected(await target.call('GET', api(`/instances?${query}`)), 400, 'INVALID_QUERY_PARAMETER', 'query', field);
  });

  it('names every unknown parameter and the ones the route accepts; refuses credentials in the URL', async () => {
    const result = await target.call('GET', api('/instances/bad-input-running?code=secret&showhistory=true'));
    expectRejected(result, 400, 'INVALID_QUERY_PARAMETER', 'query', 'code');
    const body = expectErrorBody(result);
    expect(body.details).toHaveLength(1);
    expect(body.details[0]!.message).toContain('credentials are read from headers only');
    expect(body.details[0]!.message).toContain('showHistory, showHistoryOutput, showInput, returnInternalServerErrorOnFailure, taskHub, connection');
    expect(result.text).not.toContain('secret');
  });

  it('validates before looking the instance up (a bad query on an unknown instance is a 400, not a 404)', async () => {
    expectRejected(await target.call('GET', api('/instances/nobody?showHistory=yes')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'showHistory');
    expectRejected(await target.call('GET', api('/instances/nobody?returnInternalServerErrorOnFailure=1')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'returnInternalServerErrorOnFailure');
  });

  it.each([
    ['timeout=-1&pollingInterval=1', 'timeout'], ['timeout=abc&pollingInterval=1', 'timeout'], ['timeout=1&pollingInterval=1e3', 'pollingInterval'],
    ['timeout=1&pollingInterval=2', 'pollingInterval'], ['timeout=1&timeout=2', 'timeout'], ['version=1.0', 'version'],
  ])('POST /orchestrators/Echo?%s → 400 naming %s, and nothing is started', async (query, field) => {
    expectRejected(await target.call('POST', api(`/orchestrators/Echo/never-started?${query}`), { json: 1 }), 400, 'INVALID_QUERY_PARAMETER', 'query', field);
    expect(await target.durably.client.getStatus('never-started')).toBeUndefined();
  });

  it('rejects bad restart, reason and purge parameters', async () => {
    expectRejected(await target.call('POST', api('/instances/bad-input-running/restart?restartWithNewInstanceId=maybe')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'restartWithNewInstanceId');
    expectRejected(await target.call('POST', api(`/instances/bad-input-running/terminate?reason=${'r'.repeat(8193)}`)), 400, 'INVALID_QUERY_PARAMETER', 'query', 'reason');
    expectRejected(await target.call('POST', api('/instances/bad-input-running/suspend?reason[$gt]=')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'reason[$gt]');
    expectRejected(await target.call('DELETE', api('/instances?createdTimeFrom[$gte]=2020-01-01')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'createdTimeFrom[$gte]');
    expectRejected(await target.call('DELETE', api('/instances?createdTimeFrom=2020-01-01&runtimeStatus=Everything')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'runtimeStatus');
    expectRejected(await target.call('DELETE', api('/instances/bad-input-running?force=true')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'force');
    expect((await target.durably.client.getStatus('bad-input-running'))?.runtimeStatus).toBe('Running');
  });

  it('caps the number of query parameters', async () => {
    const many = Array.from({ length: 40 }, () => 'taskHub=x').join('&');
    expectRejected(await target.call('GET', api(`/instances?${many}`)), 400, 'INVALID_QUERY_PARAMETER', 'query', '(query)');
  });
});

describe('e2e: bad path parameters', () => {
  it.each([
    ['GET', '/instances/%01abc', 'instanceId'],
    ['GET', `/instances/${'i'.repeat(257)}`, 'instanceId'],
    ['DELETE', '/instances/%7F', 'instanceId'],
    ['POST', `/instances/bad-input-running/raiseEvent/${'e'.repeat(257)}`, 'eventName'],
    ['POST', '/instances/bad-input-running/raiseEvent/%00', 'eventName'],
    ['POST', '/orchestrators/Echo%0A', 'name'],
    ['POST', '/orchestrators/Echo/%40entity', 'instanceId'],
  ])('%s %s → 400 naming %s', async (method, path, field) => {
    expectRejected(await target.call(method, api(path), method === 'POST' ? { json: 1 } : {}), 400, 'INVALID_PATH_PARAMETER', 'path', field);
  });

  it('a path that is not valid percent-encoding → 400 JSON', async () => {
    const result = await target.call('GET', api('/instances/%E0%A4%A'));
    expect(result.status).toBe(400);
    expect(expectErrorBody(result).error).toBe('BAD_REQUEST');
  });
});

describe('e2e: bad headers', () => {
  it.each(['not a token!', 'a'.repeat(4097), 'abc, def'])('x-ms-continuation-token %p → 400', async (token) => {
    expectRejected(await target.call('GET', api('/instances'), { headers: { 'x-ms-continuation-token': token } }), 400, 'INVALID_HEADER', 'header', 'x-ms-continuation-token');
  });

  it('a forged Host is refused rather than copied into the URLs handed out', async () => {
    const result = await rawCall(target.origin, 'POST', api('/orchestrators/Echo/host-forged'), { host: 'evil.example/x?', 'content-length': '0' });
    expect(result.status).toBe(400);
    expect(expectErrorBody(result)).toMatchObject({ error: 'INVALID_HOST', details: [{ location: 'header', field: 'host' }] });
  });
});

describe('e2e: bad bodies', () => {
  it('invalid JSON → 400; another content type → 415 (start) / 400 (raiseEvent); a non-UTF-8 charset or unknown encoding → 415', async () => {
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: "{'single': 'quotes'}", headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON', 'body', '(body)');
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-type');
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: '"x"', headers: { 'content-type': 'application/json; charset=latin1' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-type');
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: '"x"', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-encoding');
    const raise = await target.call('POST', api('/instances/bad-input-running/raiseEvent/Approval'), { body: '<xml/>', headers: { 'content-type': 'application/xml' } });
    expect(raise.status).toBe(400);
    expect(expectErrorBody(raise).error).toBe('UNSUPPORTED_CONTENT_TYPE');
    expect((await target.durably.client.getStatus('bad-input-running'))?.runtimeStatus).toBe('Running');
  });

  it('a body over maxBodyBytes → 413 JSON (start and raiseEvent)', async () => {
    const start = await target.call('POST', '/small/orchestrators/Echo', { json: 'x'.repeat(200) });
    expect(start.status).toBe(413);
    expect(expectErrorBody(start)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE', details: [{ location: 'body' }] });
    const raise = await target.call('POST', '/small/instances/bad-input-running/raiseEvent/Approval', { json: 'x'.repeat(200) });
    expect(raise.status).toBe(413);
    expect((await target.call('POST', '/small/orchestrators/Echo', { json: 'x'.repeat(50) })).status).toBe(202);
  });

  it('stores "__proto__" and "constructor" keys of a body as plain data', async () => {
    const text = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"$where":"1","a.b":1}';
    const started = await target.call('POST', api('/orchestrators/Echo/proto-data'), { body: text, headers: { 'content-type': 'application/json' } });
    expect(started.status).toBe(202);
    expect(await waitForStatus(target, 'proto-data', 'Completed')).toBe(true);
    const status = await target.call('GET', api('/instances/proto-data'));
    expect(JSON.parse(status.text).output).toEqual(JSON.parse(text));
    expect(status.text).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('e2e: unexpected errors', () => {
  it('are a generic 500 JSON, logged, with nothing of the error in the response', async () => {
    const before = target.errors.length;
    const result = await target.call('GET', '/broken/instances/anything');
    expect(result.status).toBe(500);
    expect(expectErrorBody(result)).toEqual({ error: 'INTERNAL_ERROR', message: expect.any(String), details: [] });
    expect(result.text).not.toContain('hunter2');
    expect(result.text).not.toContain('mongodb');
    expect(target.errors.length).toBe(before + 1);
    expect(String(target.errors.at(-1)?.[1])).toContain('hunter2');
  });
});
