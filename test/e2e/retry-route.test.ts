// POST /instances/:id/retry (client.retryNow over HTTP) and the status fields of deploys: `version` and `stuckSince`.
// A stuck instance is made the way a deploy makes one: its orchestrator is not registered in this app (a rename).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hooksOf } from '../../src/app/durably.js';
import { DF_BASE, startHttpApp, type HttpTestApp } from './support/http-app.js';
import { until } from '../support/test-db.js';

let target: HttpTestApp;

beforeAll(async () => {
  target = await startHttpApp();
});

afterAll(async () => {
  await target.stop();
});

/** An instance of an orchestrator this app does not know, as an old deploy left it: the worker marks it stuck. */
async function stuckInstance(instanceId: string): Promise<void> {
  const now = new Date();
  await hooksOf(target.durably).store.createInstance({ instanceId, executionId: randomUUID(), name: 'RenamedAway', input: undefined, orchestrationVersion: '1.0', now });
  await until(`${instanceId} is stuck`, async () => (await target.durably.client.getStatus(instanceId))?.stuckSince !== undefined);
}

describe('e2e: POST /instances/:id/retry', () => {
  it('shows a stuck instance with stuckSince, its error and its version, and retries it now (202)', async () => {
    await stuckInstance('retry-http-1');
    const status = await target.call('GET', `${DF_BASE}/instances/retry-http-1`);
    expect(status.body).toMatchObject({
      runtimeStatus: 'Pending', version: '1.0', stuckSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      failureDetails: { errorType: 'RegistrationError', errorMessage: expect.stringContaining('RenamedAway') },
    });
    const retried = await target.call('POST', `${DF_BASE}/instances/retry-http-1/retry`);
    expect(retried.status).toBe(202);
    expect(retried.text).toBe('');
  });

  it('404 for an unknown instance, 409 INSTANCE_NOT_STUCK for one that is not stuck', async () => {
    expect((await target.call('POST', `${DF_BASE}/instances/retry-none-such/retry`)).status).toBe(404);
    const id = await target.durably.client.startNew('Echo', { instanceId: 'retry-http-done', input: 1, version: '2.0' });
    const done = await target.durably.client.waitForCompletion(id, { timeoutMs: 10_000 });
    expect(done.version).toBe('2.0');
    expect((await target.call('GET', `${DF_BASE}/instances/${id}`)).body).toMatchObject({ version: '2.0' });
    const refused = await target.call('POST', `${DF_BASE}/instances/${id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'INSTANCE_NOT_STUCK' });
  });
});
