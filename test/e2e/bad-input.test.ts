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
    ['foo=1', 'foo'],
  ])('GET /instances?%s → 400 naming %s', async (query, field) => {
    expectRejected(await target.call('GET', api(`/instances?${query}`)), 400, 'INVALID_QUERY_PARAMETER', 'query', field);
  });

  it("ignores Durable Functions' parameters a route does not use, as DF does (a list takes no showHistory; taskHub may repeat)", async () => {
    for (const path of ['/instances?showHistory=true&top=1', '/instances?taskHub=a&taskHub=b&connection=x&top=1', '/instances?reason=x&op=y&top=1']) {
      expect([path, (await target.call('GET', api(path))).status]).toEqual([path, 200]);
    }
  });

  it('names every unknown parameter and the ones the route accepts; takes Durable Functions\' code parameter on every route', async () => {
    const result = await target.call('GET', api('/instances/bad-input-running?code=secret&showhistory=true&codes=1'));
    expectRejected(result, 400, 'INVALID_QUERY_PARAMETER', 'query', 'codes');
    const body = expectErrorBody(result);
    expect(body.details).toHaveLength(1);
    expect(body.details[0]!.message).toContain("showHistory, showHistoryOutput, showInput, returnInternalServerErrorOnFailure (and Durable Functions' taskHub, connection and code)");
    expect(result.text).not.toContain('secret');
    // A router without keys ignores it (a Durable Functions client sends the code of its binding data everywhere).
    for (const [path, status] of [['/instances/bad-input-running?code=x', 202], ['/instances?code=x&top=1', 200], ['/entities?Code=x', 200]] as const) {
      expect([path, (await target.call('GET', api(path))).status]).toEqual([path, status]);
    }
  });

  it('validates before looking the instance up (a bad query on an unknown instance is a 400, not a 404)', async () => {
    expectRejected(await target.call('GET', api('/instances/nobody?showHistory=yes')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'showHistory');
    expectRejected(await target.call('GET', api('/instances/nobody?returnInternalServerErrorOnFailure=1')), 400, 'INVALID_QUERY_PARAMETER', 'query', 'returnInternalServerErrorOnFailure');
  });

  it.each([
    ['timeout=-1&pollingInterval=1', 'timeout'], ['timeout=abc&pollingInterval=1', 'timeout'], ['timeout=1&pollingInterval=1e3', 'pollingInterval'],
    ['timeout=1&pollingInterval=2', 'pollingInterval'], ['timeout=1&timeout=2', 'timeout'], [`version=${'v'.repeat(101)}`, 'version'], ['version=', 'version'],
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
  it('invalid JSON → 400; another content type → 415; a non-UTF-8 charset or unknown encoding → 415', async () => {
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: "{'single': 'quotes'}", headers: { 'content-type': 'application/json' } }), 400, 'INVALID_JSON', 'body', '(body)');
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-type');
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: '"x"', headers: { 'content-type': 'application/json; charset=latin1' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-type');
    expectRejected(await target.call('POST', api('/orchestrators/Echo'), { body: '"x"', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-encoding');
    expectRejected(await target.call('POST', api('/instances/bad-input-running/raiseEvent/Approval'), { body: '<xml/>', headers: { 'content-type': 'application/xml' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-type');
    // Routes that take no body refuse one that is not JSON all the same (a form posted to terminate).
    expectRejected(await target.call('POST', api('/instances/bad-input-running/terminate'), { body: 'reason=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'header', 'content-type');
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

describe('e2e: exact input (nothing is silently changed on the way in)', () => {
  const json = { 'content-type': 'application/json' };

  it.each([
    ['a lone continuation byte', [0x5b, 0x22, 0x80, 0x22, 0x5d], 2],
    ['an invalid lead byte', [0x5b, 0x22, 0x61, 0xff, 0x22, 0x5d], 3],
    ['an overlong "/"', [0x22, 0xc0, 0xaf, 0x22], 1],
    ['an encoded surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22], 1],
    ['a truncated sequence', [0x22, 0xe2, 0x82, 0x22], 1],
  ])('invalid UTF-8 (%s) → 400 naming the byte offset, and nothing is started', async (_what, bytes, offset) => {
    const result = await rawCall(target.origin, 'POST', api('/orchestrators/Echo/utf8-never'), { ...json }, new Uint8Array(bytes));
    expectRejected(result, 400, 'INVALID_JSON', 'body', '(body)');
    expect(expectErrorBody(result).message).toContain(`not valid UTF-8: the byte at offset ${offset}`);
    expect(await target.durably.client.getStatus('utf8-never')).toBeUndefined();
  });

  it('invalid UTF-8 in event data and entity input → 400 too; a UTF-8 byte order mark is fine', async () => {
    const bad = new Uint8Array([0x22, 0xff, 0x22]);
    // (raiseEvent looks the instance up before it reads the body, as Durable Functions does.)
    const raised = await rawCall(target.origin, 'POST', api('/instances/bad-input-running/raiseEvent/Approval'), json, bad);
    expect([raised.status, expectErrorBody(raised).error]).toEqual([400, 'INVALID_JSON']);
    expect(clientCalls).toEqual(['getStatus']);
    clientCalls.length = 0;
    expectRejected(await rawCall(target.origin, 'POST', api('/entities/Counter/utf8?op=add'), json, bad), 400, 'INVALID_JSON', 'body', '(body)');
    const bom = await rawCall(target.origin, 'POST', api('/orchestrators/Echo/utf8-bom'), json, new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('"Zoë 🎉"')]));
    expect(bom.status).toBe(202);
    expect(await waitForStatus(target, 'utf8-bom', 'Completed')).toBe(true);
    expect((await target.durably.client.getStatus('utf8-bom'))?.output).toBe('Zoë 🎉');
  });

  it.each([
    ['1e400', '(body)'],
    ['-1e999', '(body)'],
    ['{"order":{"lines":[1,2,3e308]}}', '(body).order.lines[2]'],
    ['{"a b":[1e309]}', '(body)["a b"][0]'],
    [`[1${'0'.repeat(400)}]`, '(body)[0]'],
  ])('a number too large to be finite (%s) → 400 naming %s, and nothing is started', async (text, field) => {
    const result = await target.call('POST', api('/orchestrators/Echo/number-never'), { body: text, headers: json });
    expectRejected(result, 400, 'INVALID_NUMBER', 'body', field);
    expect(expectErrorBody(result).message).toContain('too large to represent');
    expect(await target.durably.client.getStatus('number-never')).toBeUndefined();
  });

  it('numbers that are finite pass as they are (the largest double, the smallest, an underflow to 0)', async () => {
    const started = await target.call('POST', api('/orchestrators/Echo/numbers-ok'), { body: '[1.7976931348623157e308,5e-324,1e-400]', headers: json });
    expect(started.status).toBe(202);
    expect(await waitForStatus(target, 'numbers-ok', 'Completed')).toBe(true);
    expect((await target.durably.client.getStatus('numbers-ok'))?.output).toEqual([Number.MAX_VALUE, Number.MIN_VALUE, 0]);
  });

  it('a non-finite number in event data and entity input → 400 too', async () => {
    const raised = await target.call('POST', api('/instances/bad-input-running/raiseEvent/Approval'), { body: '{"x":1e400}', headers: json });
    expect([raised.status, expectErrorBody(raised).error, expectErrorBody(raised).details[0]?.field]).toEqual([400, 'INVALID_NUMBER', '(body).x']);
    expect(clientCalls).toEqual(['getStatus']);
    clientCalls.length = 0;
    expectRejected(await target.call('POST', api('/entities/Counter/k?op=add'), { body: '1e400', headers: json }), 400, 'INVALID_NUMBER', 'body', '(body)');
  });

  it('instance IDs: the router applies the client\'s rule, counting UTF-16 code units (an astral character is 2)', async () => {
    const astral = (count: number): string => '😀'.repeat(count);
    // 256 characters, 512 code units: the client refuses it, so the router does too, naming why.
    await expect(target.durably.client.startNew('Echo', { instanceId: astral(256), input: 1 })).rejects.toMatchObject({ code: 'INVALID_INSTANCE_ID' });
    const tooLong = await target.call('POST', api(`/orchestrators/Echo/${encodeURIComponent(astral(256))}`), { json: 1 });
    expectRejected(tooLong, 400, 'INVALID_PATH_PARAMETER', 'path', 'instanceId');
    expect(expectErrorBody(tooLong).details[0]!.message).toContain('512 characters long (UTF-16 code units); the limit is 256');
    expectRejected(await target.call('GET', api(`/instances/${encodeURIComponent(astral(129))}`)), 400, 'INVALID_PATH_PARAMETER', 'path', 'instanceId');
    // 128 of them are 256 code units: accepted by both.
    const fits = await target.call('POST', api(`/orchestrators/Echo/${encodeURIComponent(astral(128))}`), { json: 1 });
    expect(fits.status).toBe(202);
    expect(fits.body.id).toBe(astral(128));
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
