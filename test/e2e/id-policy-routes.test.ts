// Issue 19 over HTTP: the start route's ifRunning / ifFinished query parameters, suspend/resume refused with 409, and
// the status payload's historyLength / historySizeBytes. Through a real listening server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OrchestrationContext } from '../../src/engine/orchestration-context.js';
import { Orchestrator } from '../../src/registry/index.js';
import type { TestApp } from '../support/durably-app.js';
import { until } from '../support/test-db.js';
import { DF_BASE, expectErrorBody, startHttpApp, type HttpResult, type HttpTestApp } from './support/http-app.js';

/** Waits for 'Go', then returns its input. */
@Orchestrator()
class PolicyWaiter {
  async run(ctx: OrchestrationContext<string>): Promise<string> {
    await ctx.waitForExternalEvent('Go');
    return ctx.input;
  }
}

let http: HttpTestApp;
let app: TestApp;

beforeAll(async () => {
  http = await startHttpApp({ orchestrators: [PolicyWaiter] });
  ({ app } = http);
});

afterAll(async () => {
  await http.stop();
});

const api = (method: string, path: string, body?: unknown): Promise<HttpResult> =>
  http.call(method, `${DF_BASE}${path}`, body === undefined ? {} : { json: body });
const reach = (id: string, status: string): Promise<void> =>
  until(`${id} is ${status}`, async () => (await app.durably.client.getStatus(id))?.runtimeStatus === status, 30_000);

describe('e2e: POST /orchestrators/:name/:instanceId?ifRunning=&ifFinished=', () => {
  it('useExisting answers 202 with the running instance; fail is 409; terminate starts anew', async () => {
    expect((await api('POST', '/orchestrators/PolicyWaiter/http-1', 'first')).status).toBe(202);
    await reach('http-1', 'Running');
    const existing = await api('POST', '/orchestrators/PolicyWaiter/http-1?ifRunning=useExisting', 'second');
    expect(existing.status).toBe(202);
    expect(existing.body).toMatchObject({ id: 'http-1' });
    expect((await app.durably.client.getStatus('http-1'))?.input).toBe('first');

    const refused = await api('POST', '/orchestrators/PolicyWaiter/http-1?ifRunning=fail', 'second');
    expect(refused.status).toBe(409);
    expect(expectErrorBody(refused).error).toBe('INSTANCE_ALREADY_EXISTS');

    expect((await api('POST', '/orchestrators/PolicyWaiter/http-1?ifRunning=terminate', 'third')).status).toBe(202);
    await reach('http-1', 'Running');
    expect((await app.durably.client.getStatus('http-1'))?.input).toBe('third');
  });

  it('ifFinished=fail refuses a finished ID with 409', async () => {
    expect((await api('POST', '/orchestrators/PolicyWaiter/http-2', 'one')).status).toBe(202);
    await reach('http-2', 'Running');
    await app.durably.client.raiseEvent('http-2', 'Go');
    await reach('http-2', 'Completed');
    const refused = await api('POST', '/orchestrators/PolicyWaiter/http-2?ifFinished=fail', 'two');
    expect(refused.status).toBe(409);
    expect(expectErrorBody(refused).error).toBe('INSTANCE_ALREADY_EXISTS');
    expect((await api('POST', '/orchestrators/PolicyWaiter/http-2?ifFinished=start', 'two')).status).toBe(202);
  });

  it('a bad value is a 400 naming the parameter', async () => {
    for (const [query, field] of [['ifRunning=replace', 'ifRunning'], ['ifFinished=FAIL', 'ifFinished']] as const) {
      const result = await api('POST', `/orchestrators/PolicyWaiter/http-3?${query}`);
      expect(result.status).toBe(400);
      expect(expectErrorBody(result).details).toEqual([expect.objectContaining({ location: 'query', field })]);
    }
    expect(await app.durably.client.getStatus('http-3')).toBeUndefined();
  });
});

describe('e2e: a redundant suspend or resume', () => {
  it("is accepted (202, as Durable Functions) and writes nothing; the status carries the history size", async () => {
    expect((await api('POST', '/orchestrators/PolicyWaiter/http-4', 'x')).status).toBe(202);
    await reach('http-4', 'Running');
    const resume = await api('POST', '/instances/http-4/resume');
    expect([resume.status, resume.text]).toEqual([202, '']);
    expect((await api('POST', '/instances/http-4/suspend')).status).toBe(202);
    const again = await api('POST', '/instances/http-4/suspend');
    expect([again.status, again.text]).toEqual([202, '']);
    await reach('http-4', 'Suspended');
    const kinds = (await app.durably.client.getHistory('http-4')).map((event) => event.type);
    expect(kinds.filter((type) => type === 'ExecutionSuspended')).toHaveLength(1);
    expect(kinds).not.toContain('ExecutionResumed');

    const status = await api('GET', '/instances/http-4');
    const history = await app.durably.client.getHistory('http-4');
    expect(status.body).toMatchObject({ runtimeStatus: 'Suspended', historyLength: history.length, historySizeBytes: expect.any(Number) });
  });
});
