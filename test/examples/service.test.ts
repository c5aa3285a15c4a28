// `npm start` as users run it: the example service as a child process (node dist/examples/start.js) with its data in
// a temporary folder. Every curl command of its banner is run (with fetch), then the service is stopped with SIGTERM
// while orchestrations wait for an approval or a timer, started again on the same folder, and they finish.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rawCall } from '../e2e/support/http-app.js';
import { runCurl, runCurlUntil, type CurlCommand } from './support/curl-command.js';
import { startServiceProcess, type ServiceProcess } from './support/service-process.js';

let dataDir: string;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'durably-example-service-'));
  service = await startServiceProcess(dataDir);
});

afterAll(async () => {
  await service?.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

function running(): ServiceProcess {
  if (service === undefined) throw new Error('the service is not running');
  return service;
}

/** The same request as `command`, for another instance ID and input. */
function variant(command: CurlCommand, fromId: string, toId: string, body: unknown): CurlCommand {
  return { ...command, url: command.url.replace(fromId, toId), body: JSON.stringify(body) };
}

const done = (result: { status: number }): boolean => result.status !== 202;

describe('npm start: the example service', () => {
  it('prints a banner with a generated key that every curl command sends, and where the data is', () => {
    const output = running().output();
    expect(output).toContain(`data in ${dataDir}`);
    expect(output).toContain('are fakes that only print what they do');
    expect(output).toContain('kept in the collection exampleStandIns');
    expect(running().adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/runtime\/webhooks\/durabletask$/);
    // 24 random bytes, base64url.
    expect(running().adminKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(output).toContain('without it every request gets 401');
    // chaining, fan-out, async HTTP (start + poll), monitor (start + status), human interaction (start + approve +
    // status), aggregator (2 signals, a read, the report), the instance list.
    expect(running().commands).toHaveLength(14);
    for (const command of running().commands) expect(command.headers['x-functions-key']).toBe(running().adminKey);
  });

  it('only its owner can drive it: no key → 401, a foreign Host or a cross-site POST → 403, and nothing starts', async () => {
    const list = running().command('/instances?top=20');
    const noKey = await runCurl({ ...list, headers: {} });
    expect(noKey.status).toBe(401);
    expect(noKey.json).toMatchObject({ error: 'UNAUTHENTICATED', details: [{ location: 'header', field: 'x-functions-key' }] });
    expect((await runCurl({ ...list, headers: { 'x-functions-key': `${running().adminKey}x` } })).status).toBe(401);
    // Durable Functions' code parameter works as well as the header.
    const code = await runCurl({ ...list, url: `${list.url}&code=${encodeURIComponent(running().adminKey)}`, headers: {} });
    expect(code.status).toBe(200);

    const { origin, pathname } = new URL(running().adminUrl);
    const key = { 'x-functions-key': running().adminKey };
    // DNS rebinding: a page whose name now resolves to 127.0.0.1 sends its own name as the Host.
    const rebound = await rawCall(origin, 'GET', `${pathname}/instances`, { ...key, host: `rebind.evil.example:${new URL(origin).port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatchObject({ error: 'HOST_NOT_ALLOWED', details: [{ location: 'header', field: 'host' }] });
    // A page on another site posting a form (no preflight): refused even if it somehow had the key.
    const start = `${pathname}/orchestrators/HelloSequence/cross-site-start`;
    const crossSiteHeaders: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'http://other.localhost:8080' },
    ];
    for (const headers of crossSiteHeaders) {
      const crossSite = await rawCall(origin, 'POST', start, { ...key, ...headers, 'content-type': 'text/plain' }, '["x"]');
      expect([headers, crossSite.status, crossSite.body?.error]).toEqual([headers, 403, 'CROSS_SITE_REQUEST']);
    }
    // The same request from the service's own page is fine (then a text/plain body is refused as not JSON).
    const sameOrigin = await rawCall(origin, 'POST', start, { ...key, 'sec-fetch-site': 'same-origin', origin, 'content-type': 'text/plain' }, '["x"]');
    expect([sameOrigin.status, sameOrigin.body?.error]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect((await runCurl({ ...running().command('/instances/expense-42', 'GET'), url: `${running().adminUrl}/instances/cross-site-start` })).status).toBe(404);
  });

  it("runs the banner's commands: chaining and fan-out/fan-in answer with their output", async () => {
    const hello = await runCurl(running().command('/orchestrators/HelloSequence'));
    expect(hello.status).toBe(200);
    expect(hello.json).toEqual(['Hello Tokyo! sunny, 24°C.', 'Hello Seattle! light rain, 13°C.', 'Hello London! overcast, 16°C.']);

    const backup = await runCurl(running().command('/orchestrators/BackupSiteContent'));
    expect(backup.status).toBe(200);
    expect(backup.json).toEqual({ directory: '/var/www/site', files: 8, totalBytes: 794_688, manifest: 'backups/var/www/site/manifest.json' });
  });

  it("runs the banner's commands: the async HTTP API answers 202 + Location, then 202 while running, then 200", async () => {
    const start = await runCurl(running().command('/orchestrators/SalesReport/sales-2024-Q2'));
    expect(start.status).toBe(202);
    const statusCommand = running().command('/instances/sales-2024-Q2');
    // DF's management URLs: the status URL with the task hub scope (a key sent in the header is never put in a URL).
    expect(start.headers.get('location')).toBe(`${statusCommand.url}?taskHub=Examples&connection=Storage`);
    expect(start.json.statusQueryGetUri).toBe(`${statusCommand.url}?taskHub=Examples&connection=Storage`);

    const first = await runCurl(statusCommand);
    expect(first.status).toBe(202); // the service's report queries take seconds
    expect(['Pending', 'Running']).toContain(first.json.runtimeStatus);

    const last = await runCurlUntil(statusCommand, done, 40_000);
    expect(last.status).toBe(200);
    expect(last.json).toMatchObject({ runtimeStatus: 'Completed', customStatus: { phase: 'done' }, output: { quarter: '2024-Q2', grandTotal: 4_220_000 } });
  }, 60_000);

  it("runs the banner's commands: human interaction is approved with raiseEvent", async () => {
    expect((await runCurl(running().command('/orchestrators/ApprovalWorkflow/expense-42'))).status).toBe(202);
    const status = running().command('/instances/expense-42', 'GET');
    expect((await runCurlUntil(status, (r) => r.json?.customStatus === 'Awaiting approval')).json.customStatus).toBe('Awaiting approval');
    expect((await runCurl(running().command('/raiseEvent/ApprovalEvent'))).status).toBe(202);
    const finished = await runCurlUntil(status, done);
    expect(finished.json).toMatchObject({ runtimeStatus: 'Completed', customStatus: 'Approved', output: 'expense-42 approved and paid (pay-0001)' });
  });

  it("runs the banner's commands: the aggregator's counters are signaled, read, and read from an orchestration", async () => {
    expect((await runCurl(running().command('/entities/Counter/door-opened', 'POST'))).status).toBe(202);
    const read = await runCurlUntil(running().command('/entities/Counter/door-opened', 'GET'), (r) => r.status === 200);
    expect(read.json).toBe(5);
    expect((await runCurl(running().command('/entities/FunctionCounter/myCounter'))).status).toBe(202);
    // The report's calls are queued after the signals, so it reads both signals' effects.
    const report = await runCurl(running().command('/orchestrators/MetricsReport'));
    expect(report.status).toBe(200);
    expect(report.json).toEqual([{ metric: 'Counter/door-opened', value: 5 }, { metric: 'FunctionCounter/myCounter', value: 1 }]);
  });

  it("runs the banner's commands: the monitor completes on its third check, and the list shows every instance", async () => {
    expect((await runCurl(running().command('/orchestrators/MonitorJobStatus/monitor-nightly-export'))).status).toBe(202);
    const finished = await runCurlUntil(running().command('/instances/monitor-nightly-export'), done, 40_000);
    expect(finished.json).toMatchObject({ runtimeStatus: 'Completed', output: { jobId: 'nightly-export', outcome: 'Completed', checks: 3 } });

    const list = await runCurl(running().command('/instances?top=20'));
    expect(list.status).toBe(200);
    const names = new Set((list.json as { name: string }[]).map((status) => status.name));
    for (const name of ['HelloSequence', 'BackupSiteContent', 'SalesReport', 'ApprovalWorkflow', 'MetricsReport', 'MonitorJobStatus']) expect(names).toContain(name);
  }, 60_000);

  it('finishes orchestrations that were waiting when it was stopped with SIGTERM, after it is started again', async () => {
    const first = running();
    const startApproval = first.command('/orchestrators/ApprovalWorkflow/expense-42');
    // Waits for an approval that comes after the restart (the banner's own start command: expense-42 again).
    expect((await runCurl(startApproval)).status).toBe(202);
    // Waits for a deadline that passes after the stop: the timer fires in the restarted service.
    const timeoutClaim = variant(startApproval, 'expense-42', 'expense-43', { expenseId: 'expense-43', employee: 'bob', amount: 80, timeoutMs: 4_000 });
    expect((await runCurl(timeoutClaim)).status).toBe(202);
    // Sleeps on durable timers between its checks.
    const startMonitor = first.command('/orchestrators/MonitorJobStatus/monitor-nightly-export');
    const monitor = variant(startMonitor, 'monitor-nightly-export', 'monitor-across-restart', { jobId: 'export-across-restart', pollingIntervalMs: 1_500, expiresAfterMs: 60_000 });
    expect((await runCurl(monitor)).status).toBe(202);

    const statusOf = (id: string, on: ServiceProcess = first): CurlCommand => ({ ...on.command('/instances/expense-42', 'GET'), url: `${on.adminUrl}/instances/${id}` });
    for (const id of ['expense-42', 'expense-43']) {
      const waiting = await runCurlUntil(statusOf(id), (r) => r.json?.customStatus === 'Awaiting approval');
      expect(waiting.json).toMatchObject({ runtimeStatus: 'Running', customStatus: 'Awaiting approval' });
    }
    expect((await runCurlUntil(statusOf('monitor-across-restart'), (r) => r.json?.customStatus?.checks === 1)).json.runtimeStatus).toBe('Running');

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('Stopped.');
    service = undefined;

    // Started with a key of its own choosing this time (DURABLY_ADMIN_KEY): the banner prints it and its commands send it.
    const second = await startServiceProcess(dataDir, { DURABLY_ADMIN_KEY: "chosen-key-0123456789-it's-mine" });
    service = second;
    expect(second.adminKey).toBe("chosen-key-0123456789-it's-mine");
    expect(second.command('/raiseEvent/ApprovalEvent').headers['x-functions-key']).toBe("chosen-key-0123456789-it's-mine");
    expect((await runCurl({ ...second.command('/raiseEvent/ApprovalEvent'), headers: { 'x-functions-key': first.adminKey } })).status).toBe(401);
    expect(second.output()).not.toContain('[mailer] to manager@example.com'); // nothing is asked for again

    expect((await runCurl(second.command('/raiseEvent/ApprovalEvent'))).status).toBe(202);
    const approved = await runCurlUntil(second.command('/instances/expense-42', 'GET'), done);
    // The fake payment service's numbers are kept in the database: the first service paid pay-0001 (the earlier test),
    // so this payment, the first of the restarted service, is pay-0002 — not pay-0001 again, which would read as a
    // second payment of that claim.
    expect(approved.json).toMatchObject({ runtimeStatus: 'Completed', customStatus: 'Approved', output: 'expense-42 approved and paid (pay-0002)' });
    expect(second.output()).toContain('[payments] pay-0002: €1200 to alice');
    expect(second.output()).not.toContain('[payments] pay-0001');

    const escalated = await runCurlUntil(statusOf('expense-43', second), done);
    expect(escalated.json).toMatchObject({ runtimeStatus: 'Completed', customStatus: 'Escalated', output: 'expense-43 escalated to the director' });

    const monitored = await runCurlUntil(statusOf('monitor-across-restart', second), done);
    expect(monitored.json).toMatchObject({ runtimeStatus: 'Completed', output: { jobId: 'export-across-restart', outcome: 'Completed' } });
    // The fake job service's check count is kept in the database too: the job completes on its third check overall,
    // one or two of them made before the stop, the rest after the restart — as the orchestration counted them.
    expect(first.output()).toContain('[job-service] export-across-restart is Running (check 1)');
    expect(second.output()).toContain('[job-service] export-across-restart is Completed (check 3)');
    expect(second.output()).not.toContain('export-across-restart is Running (check 1)');
    expect(monitored.json.output.checks).toBe(3);

    // Entity state survives the restart too.
    expect((await runCurl(second.command('/entities/Counter/door-opened', 'GET'))).json).toBe(5);
  }, 90_000);

  it('stops cleanly on SIGINT', async () => {
    const current = running();
    expect(await current.stop('SIGINT')).toBe(0);
    expect(current.output()).toContain('SIGINT: stopping');
    expect(current.output()).toContain('Stopped.');
    service = undefined;
  });
});
