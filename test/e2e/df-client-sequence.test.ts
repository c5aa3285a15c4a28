// The call sequences of existing Durable Functions clients, replayed against the admin router:
// - the durable-functions JavaScript SDK's DurableClient (its "local RPC" path: URLs relative to the webhook base,
//   axios with Content-Type application/json, JSON.stringify'd bodies, unencoded `reason`, `x-ms-continuation-token`
//   paging, `taskHub`/`connection` query parameters, 202/410/404 handling);
// - HTTP management payload consumers (the C# HttpManagementPayload, Logic Apps, scripts): they only follow the URLs of
//   the check-status payload, substituting `{eventName}` and `{text}`, and honour Location/Retry-After.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DF_BASE, startHttpApp, waitForStatus, type HttpResult, type HttpTestApp } from './support/http-app.js';

let target: HttpTestApp;
let rpcBaseUrl: string;

beforeAll(async () => {
  target = await startHttpApp();
  rpcBaseUrl = `${target.origin}${DF_BASE}/`;
});

afterAll(async () => {
  await target.stop();
});

/** What the JS SDK's axios instance sends: JSON content type on POST, bodies already stringified. */
async function axiosLike(method: 'GET' | 'POST' | 'DELETE', relative: string, data?: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const url = new URL(relative, rpcBaseUrl).href;
  return target.call(method, url, {
    headers: { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(data === undefined || data === '' ? {} : { body: data }),
  });
}

/** The SDK's getStatusBy/getStatusAll: follows x-ms-continuation-token until none is returned. */
async function getStatusAll(query: string): Promise<{ instanceId: string; runtimeStatus: string }[]> {
  const all: { instanceId: string; runtimeStatus: string }[] = [];
  let token: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const result = await axiosLike('GET', `instances/?${query}`, undefined, token === null ? {} : { 'x-ms-continuation-token': token });
    expect(result.status).toBe(200);
    all.push(...result.body);
    token = result.headers.get('x-ms-continuation-token');
    if (!token) break;
  }
  return all;
}

describe('e2e: the durable-functions JavaScript SDK call sequence', () => {
  it('startNew → getStatus → raiseEvent → getStatus → purgeInstanceHistory', async () => {
    const started = await axiosLike('POST', 'orchestrators/WaitForApproval/df-js-1', JSON.stringify({ order: 42 }));
    expect(started.status).toBeLessThanOrEqual(202);
    expect(started.body.id).toBe('df-js-1');
    expect(await waitForStatus(target, 'df-js-1', 'Running')).toBe(true);

    // getStatus with the options the SDK appends (only when truthy) and the task hub parameters.
    const running = await axiosLike('GET', 'instances/df-js-1?taskHub=Durably&connection=Storage&showHistory=true&showHistoryOutput=true&showInput=true');
    expect(running.status).toBe(202);
    // The fields DurableOrchestrationStatus is built from.
    for (const field of ['name', 'instanceId', 'createdTime', 'lastUpdatedTime', 'input', 'output', 'runtimeStatus', 'customStatus', 'historyEvents']) {
      expect(running.body).toHaveProperty(field);
    }
    expect(new Date(running.body.createdTime).toString()).not.toBe('Invalid Date');
    expect(running.body).toMatchObject({ name: 'WaitForApproval', runtimeStatus: 'Running', input: { order: 42 }, customStatus: { stage: 'awaiting approval' } });

    const raised = await axiosLike('POST', 'instances/df-js-1/raiseEvent/Approval?taskHub=Durably&connection=Storage', JSON.stringify({ approved: true }));
    expect(raised.status).toBe(202);
    expect(await waitForStatus(target, 'df-js-1', 'Completed')).toBe(true);
    const done = await axiosLike('GET', 'instances/df-js-1');
    expect(done.status).toBe(200);
    expect(done.body.output).toEqual({ input: { order: 42 }, approval: { approved: true } });

    // raiseEvent on a finished instance: 410, which the SDK treats as success.
    expect((await axiosLike('POST', 'instances/df-js-1/raiseEvent/Approval', 'true')).status).toBe(410);

    expect((await axiosLike('DELETE', 'instances/df-js-1')).body).toEqual({ instancesDeleted: 1 });
    // A second purge is a 404, which the SDK maps to { instancesDeleted: 0 }; getStatus is a 404 error.
    expect((await axiosLike('DELETE', 'instances/df-js-1')).status).toBe(404);
    expect((await axiosLike('GET', 'instances/df-js-1')).status).toBe(404);
  });

  it('startNew without input sends an empty body', async () => {
    const started = await axiosLike('POST', 'orchestrators/Echo', '');
    expect(started.status).toBe(202);
    expect(await waitForStatus(target, started.body.id, 'Completed')).toBe(true);
  });

  it('terminate, suspend and resume with an unencoded reason; 410 once finished, 404 when unknown', async () => {
    await axiosLike('POST', 'orchestrators/WaitForApproval/df-js-2', JSON.stringify('x'));
    expect(await waitForStatus(target, 'df-js-2', 'Running')).toBe(true);
    expect((await axiosLike('POST', 'instances/df-js-2/suspend?reason=going on break')).status).toBe(202);
    expect(await waitForStatus(target, 'df-js-2', 'Suspended')).toBe(true);
    expect((await axiosLike('POST', 'instances/df-js-2/resume?reason=back again')).status).toBe(202);
    expect(await waitForStatus(target, 'df-js-2', 'Running')).toBe(true);
    expect((await axiosLike('POST', 'instances/df-js-2/terminate?reason=user cancelled')).status).toBe(202);
    expect(await waitForStatus(target, 'df-js-2', 'Terminated')).toBe(true);
    expect((await axiosLike('GET', 'instances/df-js-2')).body.output).toBe('user cancelled');
    expect((await axiosLike('POST', 'instances/df-js-2/terminate?reason=again')).status).toBe(410);
    expect((await axiosLike('POST', 'instances/df-js-missing/terminate?reason=x')).status).toBe(404);
  });

  it('getStatusBy pages through x-ms-continuation-token; purgeInstanceHistoryBy deletes by filter', async () => {
    const from = new Date();
    for (let i = 0; i < 5; i++) {
      const started = await axiosLike('POST', `orchestrators/Echo/df-js-page-${i}`, JSON.stringify(i));
      expect(started.status).toBe(202);
    }
    for (let i = 0; i < 5; i++) expect(await waitForStatus(target, `df-js-page-${i}`, 'Completed')).toBe(true);
    const query = `createdTimeFrom=${from.toISOString()}&runtimeStatus=Completed,Running&top=2`;
    const all = await getStatusAll(query);
    expect(all.map((s) => s.instanceId)).toEqual([0, 1, 2, 3, 4].map((i) => `df-js-page-${i}`));

    const purged = await axiosLike('DELETE', `instances/?createdTimeFrom=${from.toISOString()}&createdTimeTo=${new Date().toISOString()}&runtimeStatus=Completed`);
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ instancesDeleted: 5 });
    expect(await getStatusAll(`createdTimeFrom=${from.toISOString()}`)).toEqual([]);
  });

  it('rewind is answered 202, as the SDK expects', async () => {
    await axiosLike('POST', 'orchestrators/AlwaysFails/df-js-failed', JSON.stringify('x'));
    expect(await waitForStatus(target, 'df-js-failed', 'Failed')).toBe(true);
    const rewind = await axiosLike('POST', 'instances/df-js-failed/rewind?reason=try again');
    expect(rewind.status).toBe(202);
  });
});

describe('e2e: an HTTP management payload consumer', () => {
  /** Follows Location until the status is no longer 202, reading Retry-After as a poller must (without sleeping that long). */
  async function followLocation(location: string): Promise<HttpResult> {
    for (let polls = 0; polls < 500; polls++) {
      const result = await target.call('GET', location);
      if (result.status !== 202) return result;
      expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
      location = result.headers.get('location') ?? location;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the instance never finished');
  }

  it('drives an instance only through the URLs of its check-status payload', async () => {
    const held = target.held.hold('Oslo');
    const started = await target.call('POST', `${DF_BASE}/orchestrators/HelloSequence`, { json: ['Oslo'] });
    expect(started.status).toBe(202);
    const payload = started.body as Record<string, string>;

    // suspend / resume / status through the templates ({text} substituted, encoded).
    expect((await target.call('POST', payload.suspendPostUri!.replace('{text}', encodeURIComponent('pause & think')))).status).toBe(202);
    expect(await waitForStatus(target, payload.id!, 'Suspended')).toBe(true);
    expect((await target.call('GET', payload.statusQueryGetUri!)).body.runtimeStatus).toBe('Suspended');
    expect((await target.call('POST', payload.resumePostUri!.replace('{text}', encodeURIComponent('go')))).status).toBe(202);
    held.open();
    const done = await followLocation(started.headers.get('location')!);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ runtimeStatus: 'Completed', output: ['Hello Oslo!'] });

    // restartPostUri starts a new instance (a new ID), itself answered with a check-status payload.
    const restarted = await target.call('POST', payload.restartPostUri!);
    expect(restarted.status).toBe(202);
    expect(restarted.body.id).not.toBe(payload.id);
    expect((await followLocation(restarted.headers.get('location')!)).body.output).toEqual(['Hello Oslo!']);

    // purgeHistoryDeleteUri removes the finished instance.
    expect((await target.call('DELETE', payload.purgeHistoryDeleteUri!)).body).toEqual({ instancesDeleted: 1 });
    expect((await target.call('GET', payload.statusQueryGetUri!)).status).toBe(404);
  });

  it('raises an event through sendEventPostUri and terminates through terminatePostUri', async () => {
    const approval = await target.call('POST', `${DF_BASE}/orchestrators/WaitForApproval`, { json: 'po-1' });
    const links = approval.body as Record<string, string>;
    expect(await waitForStatus(target, links.id!, 'Running')).toBe(true);
    expect((await target.call('POST', links.sendEventPostUri!.replace('{eventName}', 'Approval'), { json: 'granted' })).status).toBe(202);
    expect((await followLocation(links.statusQueryGetUri!)).body.output).toEqual({ input: 'po-1', approval: 'granted' });

    const doomed = await target.call('POST', `${DF_BASE}/orchestrators/WaitForApproval`, { json: 'po-2' });
    const doomedLinks = doomed.body as Record<string, string>;
    expect(await waitForStatus(target, doomedLinks.id!, 'Running')).toBe(true);
    expect((await target.call('POST', doomedLinks.terminatePostUri!.replace('{text}', encodeURIComponent('budget cut')))).status).toBe(202);
    const terminated = await followLocation(doomedLinks.statusQueryGetUri!);
    expect(terminated.body).toMatchObject({ runtimeStatus: 'Terminated', output: 'budget cut' });
    expect((await target.call('POST', doomedLinks.sendEventPostUri!.replace('{eventName}', 'Approval'), { json: 'late' })).status).toBe(410);
  });
});
