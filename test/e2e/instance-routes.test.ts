// Every route of the admin router, its success and its error codes, through the real runtime.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { parseHistory, replayHistory } from '../../src/testing/index.js';
import { HelloSequence } from './support/fixtures.js';
import { DF_BASE, expectErrorBody, pollUntilDone, startHttpApp, waitForStatus, type HttpTestApp } from './support/http-app.js';
import { waitFor } from '../support/test-db.js';

let target: HttpTestApp;
const STRICT = '/strict';
const SHORT_WAIT = '/short-wait';
const PRE_PARSED = '/pre-parsed';

beforeAll(async () => {
  target = await startHttpApp({
    mount: (app, durably) => {
      app.use(DF_BASE, durably.adminRouter({ auth: 'none' }));
      app.use(STRICT, durably.adminRouter({ auth: 'none', statusCodes: { duplicateInstance: 409, restartUnknownInstance: 404 } }));
      app.use(SHORT_WAIT, durably.adminRouter({ auth: 'none', maxWaitSeconds: 0.1 }));
      // An app that parses JSON bodies itself before the router.
      const parsing = express();
      parsing.use(express.json());
      parsing.use(durably.adminRouter({ auth: 'none' }));
      app.use(PRE_PARSED, parsing);
    },
  });
});

afterAll(async () => {
  await target.stop();
});

const api = (path: string): string => `${DF_BASE}${path}`;
// fetch labels a string body text/plain; bytes go unlabelled.
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Starts WaitForApproval under `id` and waits until it runs. */
async function startWaiting(id: string, input: unknown = id): Promise<void> {
  const started = await target.call('POST', api(`/orchestrators/WaitForApproval/${id}`), { json: input });
  expect(started.status).toBe(202);
  expect(await waitForStatus(target, id, 'Running')).toBe(true);
}

/** Starts Echo under `id` and waits until it completes. */
async function startCompleted(id: string, input: unknown = id): Promise<void> {
  const started = await target.call('POST', api(`/orchestrators/Echo/${id}`), { json: input });
  expect(started.status).toBe(202);
  expect(await waitForStatus(target, id, 'Completed')).toBe(true);
}

async function startFailed(id: string): Promise<void> {
  expect((await target.call('POST', api(`/orchestrators/AlwaysFails/${id}`), { json: id })).status).toBe(202);
  expect(await waitForStatus(target, id, 'Failed')).toBe(true);
}

describe('e2e: POST /orchestrators/:name/:instanceId?', () => {
  it('starts under the given instance ID, with the JSON body as input', async () => {
    const result = await target.call('POST', api('/orchestrators/Echo/start-1'), { json: { a: [1, 'two'] } });
    expect(result.status).toBe(202);
    expect(result.body.id).toBe('start-1');
    const done = await pollUntilDone(target, result.body.statusQueryGetUri);
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', input: { a: [1, 'two'] }, output: { a: [1, 'two'] } });
  });

  it('starts with no input when the body is empty, with or without a content type', async () => {
    for (const [id, headers] of [['empty-1', {}], ['empty-2', { 'content-type': 'application/json' }]] as const) {
      const result = await target.call('POST', api(`/orchestrators/Echo/${id}`), { headers });
      expect(result.status).toBe(202);
      expect((await pollUntilDone(target, result.body.statusQueryGetUri)).body).toMatchObject({ runtimeStatus: 'Completed', input: null, output: null });
    }
  });

  it('refuses an unlabelled body (415: a body must be labelled JSON), accepts no body unlabelled, and accepts application/*+json', async () => {
    const unlabelled = await target.call('POST', api('/orchestrators/Echo/unlabelled'), { body: bytes('"plain"') });
    expect(unlabelled.status).toBe(415);
    expect(expectErrorBody(unlabelled)).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE', details: [{ location: 'header', field: 'content-type' }] });
    expect(await target.durably.client.getStatus('unlabelled')).toBeUndefined();
    const empty = await target.call('POST', api('/orchestrators/Echo/no-body'));
    expect(empty.status).toBe(202);
    const vendor = await target.call('POST', api('/orchestrators/Echo/vendor-json'), { body: '{"v":1}', headers: { 'content-type': 'application/vnd.acme+json; charset=utf-8' } });
    expect(vendor.status).toBe(202);
    expect((await pollUntilDone(target, empty.body.statusQueryGetUri)).body).toMatchObject({ runtimeStatus: 'Completed', input: null });
    expect((await pollUntilDone(target, vendor.body.statusQueryGetUri)).body.output).toEqual({ v: 1 });
  });

  it('a duplicate of an active instance: 202 with the existing instance, untouched (default); 409 with statusCodes.duplicateInstance', async () => {
    await startWaiting('dup-1', 'first');
    const again = await target.call('POST', api('/orchestrators/WaitForApproval/dup-1'), { json: 'second' });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe('dup-1');
    const strict = await target.call('POST', `${STRICT}/orchestrators/WaitForApproval/dup-1`, { json: 'third' });
    expect(strict.status).toBe(409);
    expect(expectErrorBody(strict)).toMatchObject({ error: 'INSTANCE_ALREADY_EXISTS', details: [{ location: 'path', field: 'instanceId' }] });
    expect((await target.call('GET', api('/instances/dup-1'))).body.input).toBe('first');
    // A finished instance is replaced by a new start with its ID.
    await target.call('POST', api('/instances/dup-1/raiseEvent/Approval'), { json: true });
    expect(await waitForStatus(target, 'dup-1', 'Completed')).toBe(true);
    const replaced = await target.call('POST', `${STRICT}/orchestrators/Echo/dup-1`, { json: 'fourth' });
    expect(replaced.status).toBe(202);
    expect((await pollUntilDone(target, replaced.body.statusQueryGetUri)).body).toMatchObject({ name: 'Echo', output: 'fourth' });
  });

  it('400 for an unknown orchestrator (or an activity name), naming the path parameter', async () => {
    for (const name of ['NoSuchOrchestrator', 'SayHello']) {
      const result = await target.call('POST', api(`/orchestrators/${name}`), { json: 1 });
      expect(result.status).toBe(400);
      expect(expectErrorBody(result)).toMatchObject({ error: 'UNKNOWN_ORCHESTRATOR', details: [{ location: 'path', field: 'name' }] });
    }
  });

  it('400 for an instance ID Durable Functions would refuse', async () => {
    for (const id of ['@entity', 'a%23b', 'a%5Cb', 'x'.repeat(257)]) {
      const result = await target.call('POST', api(`/orchestrators/Echo/${id}`), { json: 1 });
      expect(result.status).toBe(400);
      expect(expectErrorBody(result)).toMatchObject({ error: 'INVALID_PATH_PARAMETER', details: [{ location: 'path', field: 'instanceId' }] });
    }
  });

  it('400 for invalid JSON, 415 for another content type, 413 over the body limit', async () => {
    const invalid = await target.call('POST', api('/orchestrators/Echo'), { body: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(invalid.status).toBe(400);
    expect(expectErrorBody(invalid)).toMatchObject({ error: 'INVALID_JSON', details: [{ location: 'body' }] });
    const text = await target.call('POST', api('/orchestrators/Echo'), { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(expectErrorBody(text)).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE', details: [{ location: 'header', field: 'content-type' }] });
    const big = await target.call('POST', api('/orchestrators/Echo'), { json: 'x'.repeat(1024 * 1024 + 10) });
    expect(big.status).toBe(413);
    expect(expectErrorBody(big).error).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('e2e: router options and app setups', () => {
  it('caps the wait of the wait-for-completion variant at maxWaitSeconds (then 202)', async () => {
    const result = await target.call('POST', `${SHORT_WAIT}/orchestrators/WaitForApproval/capped-wait?timeout=3600&pollingInterval=1`, { json: 1 });
    expect(result.status).toBe(202);
    expect(result.body.id).toBe('capped-wait');
  });

  it('works behind an app-level express.json(): bodies it parsed are used, other types still judged', async () => {
    const started = await target.call('POST', `${PRE_PARSED}/orchestrators/WaitForApproval/pre-parsed`, { json: { via: 'express.json' } });
    expect(started.status).toBe(202);
    expect(await waitForStatus(target, 'pre-parsed', 'Running')).toBe(true);
    const text = await target.call('POST', `${PRE_PARSED}/orchestrators/Echo`, { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect((await target.call('POST', `${PRE_PARSED}/instances/pre-parsed/raiseEvent/Approval`, { json: ['ok'] })).status).toBe(202);
    const done = await pollUntilDone(target, api('/instances/pre-parsed'));
    expect(done.body.output).toEqual({ input: { via: 'express.json' }, approval: ['ok'] });
  });
});

describe('e2e: GET /instances/:instanceId', () => {
  it('404 JSON for an unknown instance', async () => {
    const result = await target.call('GET', api('/instances/no-such-instance'));
    expect(result.status).toBe(404);
    expect(expectErrorBody(result)).toMatchObject({ error: 'INSTANCE_NOT_FOUND', details: [{ location: 'path', field: 'instanceId' }] });
  });

  it('202 with Location and Retry-After while running (custom status shown), 200 when done', async () => {
    await startWaiting('status-running', { order: 7 });
    const running = await target.call('GET', api('/instances/status-running?showInput=true'));
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toBe(`${target.origin}${api('/instances/status-running?showInput=true')}`);
    expect(running.headers.get('retry-after')).toBe('5');
    expect(running.body).toMatchObject({ runtimeStatus: 'Running', input: { order: 7 }, customStatus: { stage: 'awaiting approval' }, output: null });
    expect(running.headers.get('cache-control')).toBe('no-store');
  });

  it('showInput=false hides the input; showHistory and showHistoryOutput add the history view', async () => {
    await startCompleted('status-history', 'hist');
    const noInput = await target.call('GET', api('/instances/status-history?showInput=false'));
    expect(noInput.status).toBe(200);
    expect(noInput.body.input).toBeNull();
    expect(noInput.body).not.toHaveProperty('historyEvents');
    const history = await target.call('GET', api('/instances/status-history?showHistory=true'));
    expect(history.body.historyEvents.map((e: { EventType: string }) => e.EventType)).toEqual(['ExecutionStarted', 'ExecutionCompleted']);
    expect(history.body.historyEvents[1]).not.toHaveProperty('Result');
    const withOutput = await target.call('GET', api('/instances/status-history?showHistory=TRUE&showHistoryOutput=true'));
    expect(withOutput.body.historyEvents[1]).toMatchObject({ EventType: 'ExecutionCompleted', Result: 'hist' });
  });

  it('GET /instances/:id/history exports the raw events; parseHistory reads them back for replayHistory', async () => {
    const started = await target.call('POST', api('/orchestrators/HelloSequence/raw-history'), { json: ['Lima'] });
    expect(started.status).toBe(202);
    expect(await waitForStatus(target, 'raw-history', 'Completed')).toBe(true);
    const raw = await target.call('GET', api('/instances/raw-history/history'));
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    expect(raw.body.map((e: { type: string }) => e.type)).toEqual([
      'OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'OrchestratorCompleted',
      'OrchestratorStarted', 'TaskCompleted', 'ExecutionCompleted', 'OrchestratorCompleted',
    ]);
    expect(typeof raw.body[0].timestamp).toBe('string');
    const history = parseHistory(raw.text);
    expect(history).toEqual(await target.durably.client.getHistory('raw-history'));
    const decision = await replayHistory(HelloSequence, history);
    expect(decision.completion).toEqual({ status: 'Completed', output: '["Hello Lima!"]' });

    const unknown = await target.call('GET', api('/instances/no-such-instance/history'));
    expect(unknown.status).toBe(404);
    expect(expectErrorBody(unknown)).toMatchObject({ error: 'INSTANCE_NOT_FOUND' });
  });

  it('Failed is 200, or 500 (with the status) with returnInternalServerErrorOnFailure=true', async () => {
    await startFailed('status-failed');
    const plain = await target.call('GET', api('/instances/status-failed'));
    expect(plain.status).toBe(200);
    expect(plain.body.runtimeStatus).toBe('Failed');
    const strict = await target.call('GET', api('/instances/status-failed?returnInternalServerErrorOnFailure=true'));
    expect(strict.status).toBe(500);
    expect(strict.body).toMatchObject({ instanceId: 'status-failed', runtimeStatus: 'Failed' });
  });

  it('sends values JSON cannot spell as strings (bigint, bytes as base64, dates as ISO)', async () => {
    const started = await target.call('POST', api('/orchestrators/ExoticOutput/exotic'));
    const done = await pollUntilDone(target, started.body.statusQueryGetUri);
    expect(done.body.output).toEqual({ big: '12345678901234567890', bytes: 'AQID', at: '2024-05-01T10:00:00.000Z' });
  });
});

describe('e2e: GET /instances', () => {
  const ids = Array.from({ length: 7 }, (_, i) => `list-${i}`);

  beforeAll(async () => {
    for (const id of ids.slice(0, 4)) await startCompleted(id, { n: id });
    for (const id of ids.slice(4)) await startWaiting(id, { n: id });
  });

  it('pages with top and x-ms-continuation-token, in creation order', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const result = await target.call('GET', api('/instances?instanceIdPrefix=list-&top=3'), token === null ? {} : { headers: { 'x-ms-continuation-token': token } });
      expect(result.status).toBe(200);
      expect(Array.isArray(result.body)).toBe(true);
      seen.push(...result.body.map((s: { instanceId: string }) => s.instanceId));
      token = result.headers.get('x-ms-continuation-token');
      pages++;
    } while (token !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('filters by runtimeStatus (comma-separated or repeated), creation time and prefix; showInput=false', async () => {
    const list = async (query: string): Promise<string[]> => {
      const result = await target.call('GET', api(`/instances?instanceIdPrefix=list-&${query}`));
      expect(result.status).toBe(200);
      return (result.body as { instanceId: string }[]).map((s) => s.instanceId);
    };
    expect(await list('runtimeStatus=Completed')).toEqual(ids.slice(0, 4));
    expect(await list('runtimeStatus=Running')).toEqual(ids.slice(4));
    expect(await list('runtimeStatus=Completed,Running')).toEqual(ids);
    expect(await list('runtimeStatus=Completed&runtimeStatus=Running')).toEqual(ids);
    expect(await list('runtimeStatus=Failed')).toEqual([]);
    expect(await list('createdTimeTo=2000-01-01T00:00:00Z')).toEqual([]);
    expect(await list('createdTimeFrom=2000-01-01')).toEqual(ids);
    // Durably's name filter: the orchestrator's registered name, exactly.
    expect(await list('name=Echo')).toEqual(ids.slice(0, 4));
    expect(await list('name=WaitForApproval')).toEqual(ids.slice(4));
    expect(await list('name=echo')).toEqual([]);
    const hidden = await target.call('GET', api('/instances?instanceIdPrefix=list-0&showInput=false'));
    expect(hidden.body).toEqual([expect.objectContaining({ instanceId: 'list-0', input: null, output: { n: 'list-0' } })]);
    const shown = await target.call('GET', api('/instances?instanceIdPrefix=list-0'));
    expect(shown.body[0].input).toEqual({ n: 'list-0' });
  });

  it('400 for a continuation token that is not one', async () => {
    const bad = await target.call('GET', api('/instances'), { headers: { 'x-ms-continuation-token': 'bm90LWEtdG9rZW4' } });
    expect(bad.status).toBe(400);
    expect(expectErrorBody(bad)).toMatchObject({ error: 'INVALID_CONTINUATION_TOKEN', details: [{ location: 'header', field: 'x-ms-continuation-token' }] });
  });
});

describe('e2e: POST /instances/:id/raiseEvent/:eventName', () => {
  it('202, and the orchestration receives the JSON data', async () => {
    await startWaiting('event-1');
    const raised = await target.call('POST', api('/instances/event-1/raiseEvent/Approval'), { json: { by: 'alice' } });
    expect(raised.status).toBe(202);
    expect(raised.text).toBe('');
    const done = await pollUntilDone(target, api('/instances/event-1'));
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', output: { input: 'event-1', approval: { by: 'alice' } }, customStatus: { stage: 'approved' } });
  });

  it('matches the operation segment ignoring case, as Durable Functions', async () => {
    await startWaiting('event-case');
    expect((await target.call('POST', api('/instances/event-case/RAISEEVENT/Approval'), { json: 1 })).status).toBe(202);
    expect(await waitForStatus(target, 'event-case', 'Completed')).toBe(true);
  });

  it('404 unknown, 410 finished, 415 for a body not labelled JSON, 400 without a JSON label (as DF) or for invalid JSON', async () => {
    const unknown = await target.call('POST', api('/instances/nobody/raiseEvent/Approval'), { json: 1 });
    expect(unknown.status).toBe(404);
    expect(expectErrorBody(unknown).error).toBe('INSTANCE_NOT_FOUND');
    await startCompleted('event-done');
    const gone = await target.call('POST', api('/instances/event-done/raiseEvent/Approval'), { json: 1 });
    expect(gone.status).toBe(410);
    expect(expectErrorBody(gone).error).toBe('INSTANCE_NOT_RUNNING');
    await startWaiting('event-types');
    for (const init of [{ body: '1', headers: { 'content-type': 'text/plain' } }, { body: bytes('1') }]) {
      const result = await target.call('POST', api('/instances/event-types/raiseEvent/Approval'), init);
      expect(result.status).toBe(415);
      expect(expectErrorBody(result)).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE', details: [{ location: 'header', field: 'content-type' }] });
    }
    // Durable Functions' raiseEvent requires the JSON label even without a body.
    const unlabelled = await target.call('POST', api('/instances/event-types/raiseEvent/Approval'));
    expect(unlabelled.status).toBe(400);
    expect(expectErrorBody(unlabelled)).toMatchObject({ error: 'UNSUPPORTED_CONTENT_TYPE', details: [{ location: 'header', field: 'content-type' }] });
    const notJson = await target.call('POST', api('/instances/event-types/raiseEvent/Approval'), { body: '{oops', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(expectErrorBody(notJson).error).toBe('INVALID_JSON');
    expect((await target.durably.client.getStatus('event-types'))?.runtimeStatus).toBe('Running');
  });
});

describe('e2e: terminate, suspend, resume', () => {
  it('terminate: 202 → Terminated with the reason; then 410; unknown 404', async () => {
    await startWaiting('term-1');
    const result = await target.call('POST', api('/instances/term-1/terminate?reason=no%20longer%20needed'));
    expect(result.status).toBe(202);
    expect(await waitForStatus(target, 'term-1', 'Terminated')).toBe(true);
    expect((await target.call('GET', api('/instances/term-1'))).body).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
    expect((await target.call('POST', api('/instances/term-1/terminate'))).status).toBe(410);
    expect((await target.call('POST', api('/instances/nobody/terminate'))).status).toBe(404);
  });

  it('suspend: 202 → Suspended (status 202); resume: 202 → runs on; both 410 when finished, 404 unknown', async () => {
    await startWaiting('susp-1');
    expect((await target.call('POST', api('/instances/susp-1/suspend?reason=maintenance'))).status).toBe(202);
    expect(await waitForStatus(target, 'susp-1', 'Suspended')).toBe(true);
    const suspended = await target.call('GET', api('/instances/susp-1'));
    expect(suspended.status).toBe(202);
    expect(suspended.body.runtimeStatus).toBe('Suspended');
    expect((await target.call('POST', api('/instances/susp-1/raiseEvent/Approval'), { json: 'while suspended' })).status).toBe(202);
    expect((await target.call('POST', api('/instances/susp-1/resume?reason=done'))).status).toBe(202);
    const done = await pollUntilDone(target, api('/instances/susp-1'));
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', output: { approval: 'while suspended' } });
    for (const op of ['suspend', 'resume']) {
      expect((await target.call('POST', api(`/instances/susp-1/${op}`))).status).toBe(410);
      expect((await target.call('POST', api(`/instances/nobody/${op}`))).status).toBe(404);
    }
  });
});

describe('e2e: POST /instances/:id/restart', () => {
  it('restarts a finished instance under a new ID by default, under the same one with restartWithNewInstanceId=false', async () => {
    await startCompleted('restart-1', 'again');
    const fresh = await target.call('POST', api('/instances/restart-1/restart'));
    expect(fresh.status).toBe(202);
    expect(fresh.body.id).not.toBe('restart-1');
    expect(fresh.headers.get('location')).toBe(fresh.body.statusQueryGetUri);
    expect((await pollUntilDone(target, fresh.body.statusQueryGetUri)).body).toMatchObject({ name: 'Echo', runtimeStatus: 'Completed', input: 'again' });
    const same = await target.call('POST', api('/instances/restart-1/restart?restartWithNewInstanceId=false&timeout=30&pollingInterval=1'));
    expect(same.status).toBe(200);
    expect(same.body).toBe('again');
  });

  it('unknown: 400 (default, as Durable Functions) or 404 with statusCodes.restartUnknownInstance', async () => {
    const plain = await target.call('POST', api('/instances/nobody/restart'));
    expect(plain.status).toBe(400);
    expect(expectErrorBody(plain)).toMatchObject({ error: 'INSTANCE_NOT_FOUND', details: [{ location: 'path', field: 'instanceId' }] });
    expect((await target.call('POST', `${STRICT}/instances/nobody/restart`)).status).toBe(404);
  });

  it('an active instance under its own ID: 202 with it, untouched (default) or 409', async () => {
    await startWaiting('restart-running');
    const accepted = await target.call('POST', api('/instances/restart-running/restart?restartWithNewInstanceId=false'));
    expect(accepted.status).toBe(202);
    expect(accepted.body.id).toBe('restart-running');
    expect((await target.call('POST', `${STRICT}/instances/restart-running/restart?restartWithNewInstanceId=false`)).status).toBe(409);
    expect((await target.durably.client.getStatus('restart-running'))?.runtimeStatus).toBe('Running');
  });
});

describe('e2e: POST /instances/:id/rewind', () => {
  it("404 unknown, 412 unless Failed (DF's text as the body), 202 for a Failed instance (the rewind is recorded with its reason)", async () => {
    // The bodies are Durable Functions' messages as JSON strings: DF's JavaScript client throws new Error(body).
    const unknown = await target.call('POST', api('/instances/nobody/rewind'));
    expect([unknown.status, unknown.body]).toEqual([404, 'No orchestration with instance ID "nobody" found.']);
    await startCompleted('rewind-done');
    const notFailed = await target.call('POST', api('/instances/rewind-done/rewind?reason=x'));
    expect([notFailed.status, notFailed.body]).toEqual([412, 'This orchestration has status Completed, but only orchestrations in the "Failed" state can be rewound.']);
    await startFailed('rewind-failed');
    const accepted = await target.call('POST', api('/instances/rewind-failed/rewind?reason=retry'));
    expect(accepted.status).toBe(202);
    // AlwaysFails fails in its own code: rewound, it runs again from its history and fails again.
    expect(await waitFor(async () => (await target.durably.client.getHistory('rewind-failed')).some((e) => e.type === 'ExecutionRewound' && e.reason === 'retry'), 20_000)).toBe(true);
    expect(await waitForStatus(target, 'rewind-failed', 'Failed')).toBe(true);
  });
});

describe('e2e: DELETE /instances/:id and DELETE /instances', () => {
  it('purges a finished instance (200), refuses a running one (412), 404 unknown', async () => {
    await startWaiting('purge-running');
    const running = await target.call('DELETE', api('/instances/purge-running'));
    expect(running.status).toBe(412);
    expect(expectErrorBody(running).error).toBe('INSTANCE_NOT_TERMINAL');
    await startCompleted('purge-1');
    const purged = await target.call('DELETE', api('/instances/purge-1'));
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ instancesDeleted: 1 });
    expect((await target.call('GET', api('/instances/purge-1'))).status).toBe(404);
    expect((await target.call('DELETE', api('/instances/purge-1'))).status).toBe(404);
  });

  it('purges by filter (200 with the count), 404 when nothing matched, 400 without createdTimeFrom', async () => {
    const from = new Date().toISOString();
    for (const id of ['pf-1', 'pf-2']) await startCompleted(id);
    await startFailed('pf-3');
    const to = new Date().toISOString();
    const none = await target.call('DELETE', api(`/instances?createdTimeFrom=${from}&createdTimeTo=${to}&runtimeStatus=Terminated`));
    expect(none.status).toBe(404);
    expect(expectErrorBody(none).error).toBe('NO_INSTANCES_PURGED');
    const purged = await target.call('DELETE', api(`/instances?createdTimeFrom=${from}&createdTimeTo=${to}&runtimeStatus=Completed,Failed`));
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ instancesDeleted: 3 });
    for (const id of ['pf-1', 'pf-2', 'pf-3']) expect((await target.call('GET', api(`/instances/${id}`))).status).toBe(404);
    const missing = await target.call('DELETE', api('/instances'));
    expect(missing.status).toBe(400);
    expect(expectErrorBody(missing)).toMatchObject({ error: 'INVALID_QUERY_PARAMETER', details: [{ location: 'query', field: 'createdTimeFrom' }] });
  });
});

describe('e2e: what the router does not serve', () => {
  it('leaves unknown paths and methods to the app (entity routes: see entity-routes.test.ts)', async () => {
    for (const [method, path] of [
      ['PUT', '/entities/Counter/c1'], ['PATCH', '/entities/Counter'], ['GET', '/entities/Counter/c1/extra'],
      ['PUT', '/instances/x'], ['POST', '/instances/x/frobnicate'], ['GET', '/orchestrators/Echo'],
    ] as const) {
      const result = await target.call(method, api(path));
      expect([method, path, result.status, result.body]).toEqual([method, path, 404, { unmatched: true }]);
    }
  });
});
