// Only its owner can drive it: the admin router refuses a Host it does not serve (DNS rebinding), state-changing
// requests a browser marks as cross-site, bodies that are not JSON, and — with keys — requests without a valid key.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { AdminRouterConfigurationError } from '../../src/core/errors/admin-router-configuration-error.js';
import type { AdminRouterOptions } from '../../src/http/admin-router-options.js';
import { DF_BASE, SCOPE, expectErrorBody, pollUntilDone, rawCall, startHttpApp, waitForStatus, type HttpResult, type HttpTestApp } from './support/http-app.js';

const KEY = 'k3y-0123456789-abcdefghij';
const OTHER_KEY = 'another-key-9876543210-zyx';

let target: HttpTestApp;
let port: string;

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably) => {
      app.use(DF_BASE, durably.adminRouter({ auth: 'none' }));
      app.use('/public', durably.adminRouter({ auth: 'none', allowedHosts: ['durably.example.com', '.corp.example:8443'] }));
      app.use('/any-host', durably.adminRouter({ auth: 'none', allowedHosts: 'any' }));
      app.use('/partner', durably.adminRouter({ auth: 'none', allowedOrigins: ['https://admin.example.com'] }));
      app.use('/keys', durably.adminRouter({ keys: [KEY, OTHER_KEY] }));
      app.use('/keys-and-hook', durably.adminRouter({
        keys: [KEY],
        authorize: (req: Request) => (req.get('x-role') === 'admin' ? 'allow' : 'forbidden'),
      }));
      app.use('/dashboard', durably.dashboard({ auth: 'none', apiBase: '/keys' }));
    },
  });
  port = new URL(target.origin).port;
  expect((await target.call('POST', `${DF_BASE}/orchestrators/WaitForApproval/guard-running`, { json: 1 })).status).toBe(202);
  expect(await waitForStatus(target, 'guard-running', 'Running')).toBe(true);
});

afterAll(async () => {
  await target.stop();
});

const host = (name: string): Record<string, string> => ({ host: name });

function expectRefused(result: HttpResult, status: number, error: string, field: string): void {
  expect([result.status, result.text]).toEqual([status, expect.any(String)]);
  expect(expectErrorBody(result)).toMatchObject({ error, details: [expect.objectContaining({ field })] });
}

describe('e2e: Host — DNS rebinding', () => {
  it('serves the loopback names with any port (localhost, 127.0.0.0/8, [::1])', async () => {
    for (const name of [`localhost:${port}`, 'localhost', `127.0.0.1:${port}`, '127.1.2.3:80', '[::1]:3000', 'LOCALHOST.']) {
      expect([name, (await rawCall(target.origin, 'GET', `${DF_BASE}/instances/guard-running`, host(name))).status]).toEqual([name, 202]);
    }
  });

  it('refuses any other name with 403 HOST_NOT_ALLOWED, for reads and changes alike, before anything is read', async () => {
    for (const name of [`rebind.evil.example:${port}`, 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '0x7f000001', '192.168.1.5']) {
      const read = await rawCall(target.origin, 'GET', `${DF_BASE}/instances/guard-running`, host(name));
      expectRefused(read, 403, 'HOST_NOT_ALLOWED', 'host');
      expect(read.text).not.toContain('guard-running');
      expect(expectErrorBody(read).message).toContain('allowedHosts');
    }
    const change = await rawCall(target.origin, 'POST', `${DF_BASE}/instances/guard-running/terminate`, host('evil.example'));
    expectRefused(change, 403, 'HOST_NOT_ALLOWED', 'host');
    // Requests no route matches fall through to the app, as always: the guard is the routes' own.
    expect((await rawCall(target.origin, 'GET', `${DF_BASE}/nothing-here`, host('evil.example'))).body).toEqual({ unmatched: true });
    expect((await target.durably.client.getStatus('guard-running'))?.runtimeStatus).toBe('Running');
  });

  it('a malformed Host is a 400', async () => {
    expectRefused(await rawCall(target.origin, 'GET', `${DF_BASE}/instances`, host('evil.example/x?')), 400, 'INVALID_HOST', 'host');
  });

  it('allowedHosts adds names (any port, a given port, a domain and its subdomains); "any" turns the check off', async () => {
    const status = (path: string, name: string): Promise<number> => rawCall(target.origin, 'GET', `${path}/instances/guard-running`, host(name)).then((r) => r.status);
    expect(await status('/public', 'durably.example.com')).toBe(202);
    expect(await status('/public', 'Durably.Example.com:443')).toBe(202);
    expect(await status('/public', 'corp.example:8443')).toBe(202);
    expect(await status('/public', 'ops.corp.example:8443')).toBe(202);
    expect(await status('/public', `localhost:${port}`)).toBe(202);
    expect(await status('/public', 'ops.corp.example:443')).toBe(403);
    expect(await status('/public', 'example.com')).toBe(403);
    expect(await status('/public', 'durably.example.com.evil.example')).toBe(403);
    expect(await status('/any-host', 'whatever.example')).toBe(202);
  });

  it('the dashboard refuses a foreign Host too', async () => {
    expectRefused(await rawCall(target.origin, 'GET', '/dashboard/', host('evil.example')), 403, 'HOST_NOT_ALLOWED', 'host');
    expect((await rawCall(target.origin, 'GET', '/dashboard/', host(`localhost:${port}`))).status).toBe(200);
  });
});

describe('e2e: cross-site requests — what a web page can make a browser send', () => {
  // The attack: a page posts a form (no preflight) to start, terminate or delete; no body is needed.
  const attacks: readonly [string, string][] = [
    ['POST', '/orchestrators/Echo/cross-site-start'],
    ['POST', '/instances/guard-running/terminate'],
    ['POST', '/entities/Counter/cross-site?op=delete'],
    ['DELETE', '/instances?createdTimeFrom=2000-01-01'],
  ];
  const crossSite: readonly Record<string, string>[] = [
    { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    { 'sec-fetch-site': 'same-site', origin: `http://other.localhost:${port}` },
    // Older browsers send no Sec-Fetch-Site: the Origin decides.
    { origin: 'https://evil.example' },
    { origin: 'null' },
  ];

  it.each(attacks)('%s %s from another site → 403 CROSS_SITE_REQUEST, and nothing changes', async (method, path) => {
    for (const headers of crossSite) {
      const result = await rawCall(target.origin, method, `${DF_BASE}${path}`, headers);
      expect([headers, result.status]).toEqual([headers, 403]);
      expect(expectErrorBody(result)).toMatchObject({ error: 'CROSS_SITE_REQUEST', details: [{ location: 'header' }] });
    }
    expect(await target.durably.client.getStatus('cross-site-start')).toBeUndefined();
    expect((await target.durably.client.getStatus('guard-running'))?.runtimeStatus).toBe('Running');
  });

  it('reads from another site are not refused (the browser does not let the page read the answer)', async () => {
    expect((await rawCall(target.origin, 'GET', `${DF_BASE}/instances/guard-running`, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })).status).toBe(202);
  });

  it("the router's own pages, what the user typed, and clients that are not browsers may change things", async () => {
    const start = (id: string, headers: Record<string, string>): Promise<HttpResult> => rawCall(target.origin, 'POST', `${DF_BASE}/orchestrators/Echo/${id}`, { ...headers, 'content-type': 'application/json' }, '1');
    expect((await start('same-origin', { 'sec-fetch-site': 'same-origin', origin: target.origin })).status).toBe(202);
    expect((await start('typed', { 'sec-fetch-site': 'none' })).status).toBe(202);
    expect((await start('no-browser', {})).status).toBe(202);
    // Without Sec-Fetch-Site, an Origin whose host is served counts as the router's own.
    expect((await start('old-browser', { origin: target.origin })).status).toBe(202);
  });

  it('allowedOrigins lets a listed origin change things; others stay refused', async () => {
    const terminate = (headers: Record<string, string>): Promise<HttpResult> => rawCall(target.origin, 'POST', '/partner/instances/nobody/terminate', headers);
    expect((await terminate({ 'sec-fetch-site': 'cross-site', origin: 'https://admin.example.com' })).status).toBe(404);
    expect((await terminate({ origin: 'https://ADMIN.example.com:443' })).status).toBe(404);
    expect((await terminate({ 'sec-fetch-site': 'cross-site', origin: 'https://admin.example.com.evil.example' })).status).toBe(403);
    expect((await terminate({ 'sec-fetch-site': 'cross-site', origin: 'http://admin.example.com' })).status).toBe(403);
  });
});

describe("e2e: keys — Durable Functions' x-functions-key header and code parameter", () => {
  it('401 without a key or with a wrong one, for every route, with a challenge, before any input is read', async () => {
    for (const [method, path] of [['GET', '/instances'], ['GET', '/instances/guard-running'], ['POST', '/orchestrators/Echo/keyless'], ['GET', '/entities'], ['GET', '/instances?top[$gt]=0']] as const) {
      const none = await target.call(method, `/keys${path}`);
      expect([path, none.status]).toEqual([path, 401]);
      expect(expectErrorBody(none)).toMatchObject({ error: 'UNAUTHENTICATED', details: [{ location: 'header', field: 'x-functions-key', message: 'no key was sent' }] });
      expect(none.headers.get('www-authenticate')).toBe('x-functions-key realm="durably"');
    }
    const wrong = await target.call('GET', '/keys/instances', { headers: { 'x-functions-key': `${KEY}!` } });
    expectRefused(wrong, 401, 'UNAUTHENTICATED', 'x-functions-key');
    expect(wrong.text).not.toContain(KEY);
    expectRefused(await target.call('GET', `/keys/instances?code=${KEY.slice(0, -1)}`), 401, 'UNAUTHENTICATED', 'code');
    expectRefused(await target.call('GET', `/keys/instances?code=${KEY}&code=${KEY}`), 401, 'UNAUTHENTICATED', 'code');
    // A wrong header is not rescued by a right code.
    expectRefused(await target.call('GET', `/keys/instances?code=${KEY}`, { headers: { 'x-functions-key': 'nope-nope-nope-nope' } }), 401, 'UNAUTHENTICATED', 'x-functions-key');
    expect(await target.durably.client.getStatus('keyless')).toBeUndefined();
    // Paths no route serves fall through to the app, keys or not (a router mounted at the root guards only its routes).
    expect((await target.call('GET', '/keys/nothing-here')).body).toEqual({ unmatched: true });
  });

  it('any of the keys works, in the header or as ?code= on every route', async () => {
    expect((await target.call('GET', '/keys/instances/guard-running', { headers: { 'x-functions-key': KEY } })).status).toBe(202);
    expect((await target.call('GET', '/keys/instances/guard-running', { headers: { 'x-functions-key': OTHER_KEY } })).status).toBe(202);
    expect((await target.call('GET', `/keys/instances/guard-running?code=${OTHER_KEY}&showInput=false`)).status).toBe(202);
    expect((await target.call('GET', `/keys/entities?code=${KEY}`)).status).toBe(200);
    const raised = await target.call('POST', `/keys/instances/guard-running/raiseEvent/Other?code=${KEY}`, { json: 1 });
    expect(raised.status).toBe(202);
  });

  it('URLs handed back carry the code when the request used it (as DF), never a key sent in the header', async () => {
    const viaHeader = await target.call('POST', '/keys/orchestrators/Echo/key-header', { json: 1, headers: { 'x-functions-key': KEY } });
    expect(viaHeader.status).toBe(202);
    expect(viaHeader.text).not.toContain(KEY);
    expect(viaHeader.headers.get('location')).toBe(`${target.origin}/keys/instances/key-header?${SCOPE}`);

    const viaCode = await target.call('POST', `/keys/orchestrators/Echo/key-code?code=${encodeURIComponent(OTHER_KEY)}`, { json: 2 });
    expect(viaCode.status).toBe(202);
    const base = `${target.origin}/keys/instances/key-code`;
    expect(viaCode.body).toMatchObject({
      statusQueryGetUri: `${base}?${SCOPE}&code=${OTHER_KEY}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${SCOPE}&code=${OTHER_KEY}`,
      terminatePostUri: `${base}/terminate?reason={text}&${SCOPE}&code=${OTHER_KEY}`,
      purgeHistoryDeleteUri: `${base}?${SCOPE}&code=${OTHER_KEY}`,
    });
    expect(viaCode.headers.get('location')).toBe(`${base}?${SCOPE}&code=${OTHER_KEY}`);
    // A client following the URLs stays authenticated.
    expect((await pollUntilDone(target, viaCode.body.statusQueryGetUri)).body).toMatchObject({ runtimeStatus: 'Completed', output: 2 });
    expect((await target.call('DELETE', viaCode.body.purgeHistoryDeleteUri)).status).toBe(200);
  });

  it('with authorize: a request needs a valid key first (401), then the hook decides (403/allow)', async () => {
    expect((await target.call('GET', '/keys-and-hook/instances/guard-running', { headers: { 'x-role': 'admin' } })).status).toBe(401);
    const forbidden = await target.call('GET', '/keys-and-hook/instances/guard-running', { headers: { 'x-functions-key': KEY } });
    expect([forbidden.status, expectErrorBody(forbidden).error]).toEqual([403, 'FORBIDDEN']);
    expect((await target.call('GET', '/keys-and-hook/instances/guard-running', { headers: { 'x-functions-key': KEY, 'x-role': 'admin' } })).status).toBe(202);
  });

  it('the cross-site check comes first: a valid key in a cross-site form post does not help', async () => {
    const result = await rawCall(target.origin, 'POST', `/keys/orchestrators/Echo/cross-with-key?code=${KEY}`, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    expectRefused(result, 403, 'CROSS_SITE_REQUEST', 'sec-fetch-site');
    expect(await target.durably.client.getStatus('cross-with-key')).toBeUndefined();
  });

  it('the dashboard page of a keyed router needs no key (it holds no data); its API calls do', async () => {
    expect((await target.call('GET', '/dashboard/')).status).toBe(200);
    expect((await target.call('GET', '/keys/instances?top=1')).status).toBe(401);
  });
});

describe('e2e: configuration of hosts, origins and keys', () => {
  it.each([
    ['keys and auth none', { auth: 'none', keys: [KEY] }],
    ['an empty key list', { keys: [] }],
    ['keys not an array', { keys: KEY }],
    ['a short key', { keys: ['short'] }],
    ['a key with a space', { keys: ['0123456789 0123456789'] }],
    ['a key that is not a string', { keys: [1_234_567_890] }],
    ['allowedHosts not an array', { auth: 'none', allowedHosts: 'example.com' }],
    ['allowedHosts with a URL', { auth: 'none', allowedHosts: ['https://example.com'] }],
    ['allowedHosts with a wildcard', { auth: 'none', allowedHosts: ['*.example.com'] }],
    ['allowedHosts with a path', { auth: 'none', allowedHosts: ['example.com/x'] }],
    ['allowedOrigins with a path', { auth: 'none', allowedOrigins: ['https://example.com/app'] }],
    ['allowedOrigins with a bare host', { auth: 'none', allowedOrigins: ['example.com'] }],
    ['allowedOrigins null', { auth: 'none', allowedOrigins: ['null'] }],
  ])('refuses %s at mount time', (_what, options) => {
    expect(() => target.durably.adminRouter(options as unknown as AdminRouterOptions)).toThrow(AdminRouterConfigurationError);
  });

  it('never puts a key into an error message', () => {
    expect(() => target.durably.adminRouter({ keys: [KEY, 'short-secret'] })).toThrow(/keys\[1\]: a key must be at least 16 characters/);
    expect(() => target.durably.adminRouter({ keys: [KEY, 'short-secret'] })).not.toThrow(/short-secret/);
  });

  it('keys alone secure a router; the message without any choice names keys too', () => {
    expect(() => target.durably.adminRouter({ keys: [KEY] })).not.toThrow();
    expect(() => target.durably.adminRouter({} as AdminRouterOptions)).toThrow(/keys: \[key\].*authorize.*auth: 'none'/);
  });

  it('the dashboard takes allowedHosts but not keys (with a message saying where keys belong)', () => {
    expect(() => target.durably.dashboard({ auth: 'none', apiBase: '/x', allowedHosts: ['durably.example.com'] })).not.toThrow();
    expect(() => target.durably.dashboard({ auth: 'none', apiBase: '/x', keys: [KEY] } as never)).toThrow(/Protect the admin router with keys/);
  });
});
