// The overview's async HTTP API session, as curl users run it against a router secured with a key (sent in the
// x-functions-key header): start → 202 + Location → poll 202 → 200 Completed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DF_BASE, SCOPE, startHttpApp, type CallInit, type HttpResult, type HttpTestApp } from './support/http-app.js';

const KEY = 'curl-session-key-0123456789';
let target: HttpTestApp;

beforeAll(async () => {
  target = await startHttpApp({ mount: (app, durably) => app.use(DF_BASE, durably.adminRouter({ keys: [KEY] })) });
});

/** `curl -H 'x-functions-key: …'`. */
function curl(method: string, path: string, init: CallInit = {}): Promise<HttpResult> {
  return target.call(method, path, { ...init, headers: { 'x-functions-key': KEY, ...init.headers } });
}

/** Repeats `curl "$LOCATION"` until the answer is not 202. */
async function pollUntilDone(url: string, timeoutMs = 15_000): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await curl('GET', url);
    if (result.status !== 202 || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

afterAll(async () => {
  await target.stop();
});

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('e2e: the async HTTP API session', () => {
  it('starts with 202 + Location, answers 202 while running, then 200 Completed with the output', async () => {
    const tokyo = target.held.hold('Tokyo');
    // curl -i -X POST -H "x-functions-key: $KEY" -H 'Content-Type: application/json' -d '["Tokyo","Seattle","London"]' .../orchestrators/HelloSequence
    const started = await curl('POST', `${DF_BASE}/orchestrators/HelloSequence`, { json: ['Tokyo', 'Seattle', 'London'] });
    expect(started.status).toBe(202);
    const payload = started.body;
    expect(Object.keys(payload).sort()).toEqual([
      'id', 'purgeHistoryDeleteUri', 'restartPostUri', 'resumePostUri', 'sendEventPostUri', 'statusQueryGetUri', 'suspendPostUri', 'terminatePostUri',
    ]);
    expect(payload.id).toMatch(/^[0-9a-f]{32}$/);
    // DF's shape: every URL names the task hub and connection, so a client can append `&showHistory=true` to any.
    const instanceUrl = `${target.origin}${DF_BASE}/instances/${payload.id}`;
    expect(payload).toEqual({
      id: payload.id,
      statusQueryGetUri: `${instanceUrl}?${SCOPE}`,
      sendEventPostUri: `${instanceUrl}/raiseEvent/{eventName}?${SCOPE}`,
      terminatePostUri: `${instanceUrl}/terminate?reason={text}&${SCOPE}`,
      purgeHistoryDeleteUri: `${instanceUrl}?${SCOPE}`,
      restartPostUri: `${instanceUrl}/restart?${SCOPE}`,
      suspendPostUri: `${instanceUrl}/suspend?reason={text}&${SCOPE}`,
      resumePostUri: `${instanceUrl}/resume?reason={text}&${SCOPE}`,
    });
    expect(started.headers.get('location')).toBe(`${instanceUrl}?${SCOPE}`);
    expect(started.headers.get('retry-after')).toBe('10');
    expect(started.headers.get('content-type')).toMatch(/^application\/json/);

    // curl -i "$statusQueryGetUri" while the first greeting is held: 202, Location = the request, Retry-After 5.
    const location = started.headers.get('location')!;
    const running = await curl('GET', location);
    expect(running.status).toBe(202);
    expect(['Pending', 'Running']).toContain(running.body.runtimeStatus);
    expect(running.headers.get('location')).toBe(location);
    expect(running.headers.get('retry-after')).toBe('5');
    expect(running.body).toMatchObject({ name: 'HelloSequence', instanceId: payload.id, input: ['Tokyo', 'Seattle', 'London'], output: null, customStatus: null });
    expect(running.body.createdTime).toMatch(TIME);

    tokyo.open();
    const done = await pollUntilDone(location);
    expect(done.status).toBe(200);
    expect(done.headers.get('location')).toBeNull();
    expect(done.headers.get('retry-after')).toBeNull();
    expect(done.body).toEqual({
      name: 'HelloSequence',
      instanceId: payload.id,
      runtimeStatus: 'Completed',
      input: ['Tokyo', 'Seattle', 'London'],
      customStatus: null,
      output: ['Hello Tokyo!', 'Hello Seattle!', 'Hello London!'],
      createdTime: expect.stringMatching(TIME),
      lastUpdatedTime: expect.stringMatching(TIME),
      // Durably's extra fields: the history's length and size (16 events for three activities).
      historyLength: 16,
      historySizeBytes: expect.any(Number),
    });
  });

  it('waits for completion with ?timeout=&pollingInterval= and answers 200 with the output', async () => {
    const result = await curl('POST', `${DF_BASE}/orchestrators/HelloSequence?timeout=30&pollingInterval=1`, { json: ['Paris'] });
    expect(result.status).toBe(200);
    expect(result.body).toEqual(['Hello Paris!']);
    expect(result.headers.get('location')).toBeNull();
  });

  it('answers the 202 check-status payload when the wait times out', async () => {
    const result = await curl('POST', `${DF_BASE}/orchestrators/WaitForApproval/wait-timeout?timeout=0.2&pollingInterval=0.1`, { json: 'x' });
    expect(result.status).toBe(202);
    expect(result.body.id).toBe('wait-timeout');
    expect(result.headers.get('location')).toBe(`${target.origin}${DF_BASE}/instances/wait-timeout?${SCOPE}`);
    expect(result.headers.get('retry-after')).toBe('10');
  });

  it('answers 200 with the status when the awaited instance fails', async () => {
    const result = await curl('POST', `${DF_BASE}/orchestrators/AlwaysFails?timeout=30&pollingInterval=0.5`, { json: { order: 1 } });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ name: 'AlwaysFails', runtimeStatus: 'Failed', input: { order: 1 } });
    expect(String(result.body.output)).toContain('boom: {"order":1}');
    expect(result.body.failureDetails).toMatchObject({ errorType: 'Error', errorMessage: 'boom: {"order":1}' });
    expect(result.body.failureDetails).not.toHaveProperty('stackTrace');
  });

  it('without the key: 401, and nothing starts', async () => {
    const result = await target.call('POST', `${DF_BASE}/orchestrators/Echo/curl-no-key`, { json: 1 });
    expect(result.status).toBe(401);
    expect(result.body).toMatchObject({ error: 'UNAUTHENTICATED' });
    expect(await target.durably.client.getStatus('curl-no-key')).toBeUndefined();
  });

  it('waits only when both timeout and pollingInterval are given (as Durable Functions)', async () => {
    const result = await curl('POST', `${DF_BASE}/orchestrators/Echo?timeout=30`, { json: 1 });
    expect(result.status).toBe(202);
    expect(result.body.statusQueryGetUri).toContain(`/instances/${result.body.id}`);
  });
});
