// `DELETE /instances` by completion time (issue 19): `completedTimeFrom` / `completedTimeTo` bound a purge instead
// of (or with) `createdTimeFrom`; each is validated, and a bad one is a 400 naming it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DF_BASE, expectErrorBody, startHttpApp, waitForStatus, type HttpTestApp } from './support/http-app.js';

let target: HttpTestApp;

beforeAll(async () => {
  target = await startHttpApp({ mount: (app, durably) => app.use(DF_BASE, durably.adminRouter({ auth: 'none' })) });
});

afterAll(async () => {
  await target.stop();
});

const api = (path: string): string => `${DF_BASE}${path}`;

async function start(orchestrator: 'Echo' | 'AlwaysFails' | 'WaitForApproval', id: string, status: string): Promise<void> {
  expect((await target.call('POST', api(`/orchestrators/${orchestrator}/${id}`), { json: id })).status).toBe(202);
  expect(await waitForStatus(target, id, status)).toBe(true);
}

// DF answers 200 for a finished instance, 202 for a running one, 404 for none.
const exists = async (id: string): Promise<boolean> => (await target.call('GET', api(`/instances/${id}`))).status !== 404;

describe('e2e: DELETE /instances by completion time', () => {
  it('purges what finished in the range (any creation time), never what runs; 404 when nothing matched', async () => {
    await start('Echo', 'done-before', 'Completed');
    const from = new Date().toISOString();
    await start('Echo', 'done-1', 'Completed');
    await start('AlwaysFails', 'failed-1', 'Failed');
    await start('WaitForApproval', 'running-1', 'Running');
    const to = new Date().toISOString();

    const onlyFailed = await target.call('DELETE', api(`/instances?completedTimeFrom=${from}&completedTimeTo=${to}&runtimeStatus=Failed`));
    expect(onlyFailed.status).toBe(200);
    expect(onlyFailed.body).toEqual({ instancesDeleted: 1 });
    expect(await exists('failed-1')).toBe(false);

    const inRange = await target.call('DELETE', api(`/instances?completedTimeFrom=${from}&completedTimeTo=${to}`));
    expect(inRange.body).toEqual({ instancesDeleted: 1 });
    expect(await exists('done-1')).toBe(false);
    expect(await exists('done-before')).toBe(true);
    expect(await exists('running-1')).toBe(true);

    // Only an upper bound: everything that finished before it (the nightly recipe).
    const before = await target.call('DELETE', api(`/instances?completedTimeTo=${to}`));
    expect(before.body).toEqual({ instancesDeleted: 1 });
    expect(await exists('done-before')).toBe(false);
    expect(await exists('running-1')).toBe(true);

    const none = await target.call('DELETE', api(`/instances?completedTimeTo=${to}`));
    expect(none.status).toBe(404);
    expect(expectErrorBody(none).error).toBe('NO_INSTANCES_PURGED');
  });

  it('combines a completion-time bound with a creation-time range', async () => {
    await start('Echo', 'old-created', 'Completed');
    const createdFrom = new Date().toISOString();
    await start('Echo', 'new-created', 'Completed');
    const purged = await target.call('DELETE', api(`/instances?createdTimeFrom=${createdFrom}&completedTimeTo=${new Date().toISOString()}`));
    expect(purged.body).toEqual({ instancesDeleted: 1 });
    expect(await exists('new-created')).toBe(false);
    expect(await exists('old-created')).toBe(true);
  });

  it.each([
    ['completedTimeFrom=yesterday', 'completedTimeFrom'],
    ['completedTimeTo=2024-02-30T00:00:00Z', 'completedTimeTo'],
    ['completedTimeTo=2024-01-01&completedTimeTo=2024-01-02', 'completedTimeTo'],
    ['completedTimeTo=2024-01-01&createdTimeFrom=soon', 'createdTimeFrom'],
    ['runtimeStatus=Completed', 'createdTimeFrom'],
  ])('answers 400 naming the parameter for ?%s', async (query, field) => {
    const result = await target.call('DELETE', api(`/instances?${query}`));
    expect(result.status).toBe(400);
    expect(expectErrorBody(result)).toMatchObject({ error: 'INVALID_QUERY_PARAMETER', details: [expect.objectContaining({ location: 'query', field })] });
  });
});
