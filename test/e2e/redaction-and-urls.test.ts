// The redact hook, and the URLs handed out: built from the request's own base (mount path, trust proxy).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { AdminOperation } from '../../src/http/admin-operation.js';
import type { AdminRedact } from '../../src/http/admin-router-options.js';
import { DF_BASE, SCOPE, expectErrorBody, pollUntilDone, startHttpApp, waitForStatus, type HttpTestApp } from './support/http-app.js';

let target: HttpTestApp;
const redactedFor: AdminOperation[] = [];

/** Callers without `x-role: admin` see no input, output, custom status or history. */
const redact: AdminRedact = (status, { req, operation }) => {
  redactedFor.push(operation);
  if (req.get('x-role') === 'admin') return status;
  const { historyEvents: _hidden, ...rest } = status;
  return { ...rest, input: '[redacted]', output: '[redacted]', customStatus: '[redacted]' };
};

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably) => {
      app.use(DF_BASE, durably.adminRouter({ auth: 'none' }));
      app.use('/redacted', durably.adminRouter({ auth: 'none', redact }));
      app.use('/redact-fails', durably.adminRouter({ auth: 'none', redact: () => { throw new Error('redaction bug'); } }));
      // Nested mount: the router sits at /api/v1/durable.
      const v1 = express.Router();
      v1.use('/durable', durably.adminRouter({ auth: 'none' }));
      app.use('/api/v1', v1);
      // A sub-app behind a trusted proxy: X-Forwarded-Proto/Host are honoured there only (and the forwarded host
      // must be one the router serves).
      const proxied = express();
      proxied.set('trust proxy', true);
      proxied.use(durably.adminRouter({ auth: 'none', allowedHosts: ['api.example.com'] }));
      app.use('/proxied', proxied);
      const unlisted = express();
      unlisted.set('trust proxy', true);
      unlisted.use(durably.adminRouter({ auth: 'none' }));
      app.use('/proxied-unlisted', unlisted);
    },
  });
  expect((await target.call('POST', `${DF_BASE}/orchestrators/WaitForApproval/secret-running`, { json: { password: 'p4ss' } })).status).toBe(202);
  expect(await waitForStatus(target, 'secret-running', 'Running')).toBe(true);
});

afterAll(async () => {
  await target.stop();
});

describe('e2e: redaction', () => {
  it('hides input, output and custom status of a single status, unless the hook lets them through', async () => {
    const hidden = await target.call('GET', '/redacted/instances/secret-running?showHistory=true');
    expect(hidden.status).toBe(202);
    expect(hidden.body).toMatchObject({ instanceId: 'secret-running', runtimeStatus: 'Running', input: '[redacted]', customStatus: '[redacted]' });
    expect(hidden.body).not.toHaveProperty('historyEvents');
    expect(hidden.text).not.toContain('p4ss');
    const shown = await target.call('GET', '/redacted/instances/secret-running?showHistory=true&showHistoryOutput=true', { headers: { 'x-role': 'admin' } });
    expect(shown.body.input).toEqual({ password: 'p4ss' });
    expect(shown.body.historyEvents[0]).toMatchObject({ EventType: 'ExecutionStarted', Input: { password: 'p4ss' } });
  });

  it('applies to every entry of a list', async () => {
    redactedFor.length = 0;
    const list = await target.call('GET', '/redacted/instances?instanceIdPrefix=secret-');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining({ instanceId: 'secret-running', input: '[redacted]' })]);
    expect(list.text).not.toContain('p4ss');
    expect(redactedFor).toEqual(['instances.read']);
  });

  it('applies to the output returned by the wait-for-completion variant of start and restart', async () => {
    redactedFor.length = 0;
    const started = await target.call('POST', '/redacted/orchestrators/Echo/secret-echo?timeout=30&pollingInterval=1', { json: { password: 'p4ss' } });
    expect(started.status).toBe(200);
    expect(started.body).toBe('[redacted]');
    const restarted = await target.call('POST', '/redacted/instances/secret-echo/restart?timeout=30&pollingInterval=1');
    expect(restarted.body).toBe('[redacted]');
    expect(redactedFor).toEqual(['instances.start', 'instances.restart']);
    const failed = await target.call('POST', '/redacted/orchestrators/AlwaysFails?timeout=30&pollingInterval=1', { json: { password: 'p4ss' } });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ runtimeStatus: 'Failed', input: '[redacted]', output: '[redacted]' });
  });

  it('a hook that throws makes the response a generic 500, logged', async () => {
    const before = target.errors.length;
    const result = await target.call('GET', '/redact-fails/instances/secret-running');
    expect(result.status).toBe(500);
    expect(expectErrorBody(result).error).toBe('INTERNAL_ERROR');
    expect(result.text).not.toContain('p4ss');
    expect(target.errors.length).toBe(before + 1);
  });
});

describe('e2e: URLs built from the request', () => {
  it('include a nested mount path, in the check-status payload and the Location of a running status', async () => {
    const started = await target.call('POST', '/api/v1/durable/orchestrators/WaitForApproval/mounted', { json: 1 });
    const base = `${target.origin}/api/v1/durable/instances/mounted`;
    expect(started.body).toMatchObject({ statusQueryGetUri: `${base}?${SCOPE}`, sendEventPostUri: `${base}/raiseEvent/{eventName}?${SCOPE}`, restartPostUri: `${base}/restart?${SCOPE}` });
    expect(started.headers.get('location')).toBe(`${base}?${SCOPE}`);
    expect(await waitForStatus(target, 'mounted', 'Running')).toBe(true);
    const running = await target.call('GET', `${base}?showInput=false`);
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toBe(`${base}?showInput=false`);
    expect((await target.call('POST', `${base}/raiseEvent/Approval`, { json: 'via mount' })).status).toBe(202);
    expect((await pollUntilDone(target, base)).body.output).toEqual({ input: 1, approval: 'via mount' });
  });

  it('encode the instance ID', async () => {
    const started = await target.call('POST', `${DF_BASE}/orchestrators/Echo/${encodeURIComponent('order 1:ü&x')}`, { json: 1 });
    expect(started.status).toBe(202);
    expect(started.body.id).toBe('order 1:ü&x');
    expect(started.body.statusQueryGetUri).toBe(`${target.origin}${DF_BASE}/instances/order%201%3A%C3%BC%26x?${SCOPE}`);
    expect((await pollUntilDone(target, started.body.statusQueryGetUri)).body).toMatchObject({ instanceId: 'order 1:ü&x', runtimeStatus: 'Completed' });
  });

  it('ignore X-Forwarded-* unless the app trusts the proxy', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' };
    const untrusted = await target.call('POST', `${DF_BASE}/orchestrators/Echo/fwd-untrusted`, { json: 1, headers: forwarded });
    expect(untrusted.body.statusQueryGetUri).toBe(`${target.origin}${DF_BASE}/instances/fwd-untrusted?${SCOPE}`);
    expect(untrusted.headers.get('location')).toBe(`${target.origin}${DF_BASE}/instances/fwd-untrusted?${SCOPE}`);

    const trusted = await target.call('POST', '/proxied/orchestrators/Echo/fwd-trusted', { json: 1, headers: forwarded });
    expect(trusted.body.statusQueryGetUri).toBe(`https://api.example.com/proxied/instances/fwd-trusted?${SCOPE}`);
    expect(trusted.headers.get('location')).toBe(`https://api.example.com/proxied/instances/fwd-trusted?${SCOPE}`);
    expect(trusted.body.terminatePostUri).toBe(`https://api.example.com/proxied/instances/fwd-trusted/terminate?reason={text}&${SCOPE}`);
    const running = await target.call('POST', '/proxied/orchestrators/WaitForApproval/fwd-running', { json: 1 });
    expect(await waitForStatus(target, 'fwd-running', 'Running')).toBe(true);
    const status = await target.call('GET', '/proxied/instances/fwd-running', { headers: forwarded });
    expect(running.status).toBe(202);
    expect(status.headers.get('location')).toBe('https://api.example.com/proxied/instances/fwd-running');
  });

  it('refuse a trusted X-Forwarded-Host the router does not serve (it would end up in the URLs handed out)', async () => {
    const refused = await target.call('POST', '/proxied-unlisted/orchestrators/Echo/fwd-unlisted', { json: 1, headers: { 'x-forwarded-host': 'evil.example' } });
    expect(refused.status).toBe(403);
    expect(expectErrorBody(refused)).toMatchObject({ error: 'HOST_NOT_ALLOWED', details: [{ location: 'header', field: 'x-forwarded-host' }] });
    expect(await target.durably.client.getStatus('fwd-unlisted')).toBeUndefined();
    // Without the header, the request's own (loopback) Host is used and served.
    expect((await target.call('GET', '/proxied-unlisted/instances/fwd-running')).status).toBe(202);
  });
});
