// The official `durable-functions` npm package's DurableClient, built the way a user builds it — from the binding data
// Durably's helper produces, with a key carried as `code=` in every URL — driven unchanged through every operation it
// has against an admin router secured with `keys`; and the same client without the key, refused (401) on each.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
// Both packages are CommonJS: their named exports are read from the default export.
import azureFunctions from '@azure/functions';
import durableFunctions from 'durable-functions';
import type * as df from 'durable-functions';
import type { DurableFunctionsClientInput } from '../../src/client/durable-functions-client-input.js';
import { DF_BASE, startHttpApp, waitForStatus, type HttpTestApp } from './support/http-app.js';

const { HttpRequest, InvocationContext } = azureFunctions;
const { input: dfInput, getClient, EntityId: DfEntityId, OrchestrationRuntimeStatus } = durableFunctions;
const KEY = 'df-client-key-0123456789abcdef';
let target: HttpTestApp;
let baseUrl: string;
let client: df.DurableClient;
let savedHostname: string | undefined;

/** What a function app does: a `durableClient` input whose binding data the host fills in; here, Durably's helper. */
function clientOf(input: DurableFunctionsClientInput): df.DurableClient {
  const binding = dfInput.durableClient();
  const context = new InvocationContext({ options: { extraInputs: [binding] }, logHandler: () => undefined });
  context.extraInputs.set(binding, input);
  return getClient(context);
}

beforeAll(async () => {
  target = await startHttpApp({
    // Tiny pages, so that the client's getStatusBy/getStatusAll follow x-ms-continuation-token.
    mount: (app, durably) => app.use(DF_BASE, durably.adminRouter({ keys: [KEY], readLimits: { maxPageBytes: 1 } })),
  });
  baseUrl = `${target.origin}${DF_BASE}`;
  // Without it the package sends every request to localhost:7071 (its local-development default).
  savedHostname = process.env.WEBSITE_HOSTNAME;
  process.env.WEBSITE_HOSTNAME = new URL(target.origin).host;
  client = clientOf(target.durably.durableFunctionsClientInput(baseUrl, { key: KEY }));
});

afterAll(async () => {
  if (savedHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
  else process.env.WEBSITE_HOSTNAME = savedHostname;
  await target.stop();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('e2e: the official durable-functions client, with a key, against a key-secured router', () => {
  it('the helper gives the binding data the package expects: every URL carries the key, none an RPC base', () => {
    const input = target.durably.durableFunctionsClientInput(baseUrl, { key: KEY });
    expect(input).not.toHaveProperty('rpcBaseUrl');
    expect(input.requiredQueryStringParameters).toBe(`code=${KEY}`);
    expect(Object.values(input.creationUrls).every((url) => url.endsWith(`code=${KEY}`))).toBe(true);
    const { id, ...urls } = input.managementUrls;
    expect(id).toBe('INSTANCEID');
    for (const url of Object.values(urls)) expect(url).toContain(`taskHub=${input.taskHubName}&connection=Storage&code=${KEY}`);
  });

  it('startNew (with input, instanceId and version), getStatus, raiseEvent, and raiseEvent once finished', async () => {
    const id = await client.startNew('WaitForApproval', { instanceId: 'dfc-approval', input: { order: 42 }, version: '2.1' });
    expect(id).toBe('dfc-approval');
    expect(await waitForStatus(target, id, 'Running')).toBe(true);
    expect((await target.durably.client.getStatus(id))?.version).toBe('2.1');

    const running = await client.getStatus(id, { showHistory: true, showHistoryOutput: true, showInput: true });
    expect(running).toMatchObject({ name: 'WaitForApproval', instanceId: id, runtimeStatus: 'Running', input: { order: 42 }, customStatus: { stage: 'awaiting approval' } });
    // The package reads the history from a field named `history`, while DF (and Durably) send `historyEvents`: its
    // `status.history` is undefined against DF too. The URL it built did ask for the history, as the answer shows:
    expect((await target.call('GET', `${baseUrl}/instances/${id}?showHistory=true&code=${KEY}`)).body.historyEvents.length).toBeGreaterThan(0);

    // Any characters in an event name the client puts into the path unencoded, except / ? # %.
    await client.raiseEvent(id, 'Approval', { approved: true });
    const done = await until(() => client.getStatus(id), (s) => s.runtimeStatus === OrchestrationRuntimeStatus.Completed);
    expect(done.output).toEqual({ input: { order: 42 }, approval: { approved: true } });
    // 410 for a finished instance, which the client takes as success (as with Durable Functions).
    await expect(client.raiseEvent(id, 'Approval', 'late')).resolves.toBeUndefined();
    const unknown = await startWithoutId();
    await expect(client.raiseEvent(`${unknown}-missing`, 'Approval', 1)).rejects.toThrow(/No instance with ID/);
  });

  it('suspend, resume and terminate with reasons the client does not encode (&, =, spaces, %) — they round-trip', async () => {
    const id = await client.startNew('WaitForApproval', { instanceId: 'dfc-reasons', input: 'x' });
    expect(await waitForStatus(target, id, 'Running')).toBe(true);
    await client.suspend(id, 'pause & think');
    expect(await waitForStatus(target, id, 'Suspended')).toBe(true);
    await client.suspend(id, 'again');
    await client.resume(id, 'back = 100% ready');
    expect(await waitForStatus(target, id, 'Running')).toBe(true);
    await client.resume(id, 'already running');
    const reason = 'cancelled by ops & billing: a=b, 50% done';
    await client.terminate(id, reason);
    const terminated = await until(() => client.getStatus(id), (s) => s.runtimeStatus === OrchestrationRuntimeStatus.Terminated);
    expect(terminated.output).toBe(reason);
    const events = (await target.durably.client.getHistory(id)).map((event) => ('reason' in event ? event.reason : undefined)).filter((r) => r !== undefined);
    expect(events).toEqual(expect.arrayContaining(['pause & think', 'back = 100% ready']));
    // Finished: 410, taken as success.
    await expect(client.terminate(id, 'again')).resolves.toBeUndefined();
    await expect(client.suspend(id, 'late')).resolves.toBeUndefined();
    await expect(client.terminate('dfc-nobody', 'x')).rejects.toThrow(/No instance with ID 'dfc-nobody'/);
  });

  it("rewind: 202 for a failed instance, DF's messages otherwise; a failed instance's output is DF's text", async () => {
    const id = await client.startNew('AlwaysFails', { instanceId: 'dfc-failed', input: 'x' });
    const failed = await until(() => client.getStatus(id), (s) => s.runtimeStatus === OrchestrationRuntimeStatus.Failed);
    expect(failed.output).toBe(`Orchestrator function 'AlwaysFails' failed: boom: "x"`);
    await expect(client.rewind(id, 'try again & again')).resolves.toBeUndefined();

    const done = await client.startNew('Echo', { instanceId: 'dfc-echo', input: 1 });
    expect(await waitForStatus(target, done, 'Completed')).toBe(true);
    await expect(client.rewind(done, 'why')).rejects.toThrow('This orchestration has status Completed, but only orchestrations in the "Failed" state can be rewound.');
    await expect(client.rewind('dfc-nobody', 'why')).rejects.toThrow('No orchestration with instance ID "dfc-nobody" found.');
  });

  it('purgeInstanceHistory: 1 when finished, 0 when unknown; a running instance is refused with 412 as in DF', async () => {
    const id = await client.startNew('Echo', { instanceId: 'dfc-purge', input: 'p' });
    expect(await waitForStatus(target, id, 'Completed')).toBe(true);
    expect(await client.purgeInstanceHistory(id)).toEqual({ instancesDeleted: 1 });
    expect(await client.purgeInstanceHistory(id)).toEqual({ instancesDeleted: 0 });
    const running = await client.startNew('WaitForApproval', { instanceId: 'dfc-purge-running' });
    expect(await waitForStatus(target, running, 'Running')).toBe(true);
    await expect(client.purgeInstanceHistory(running)).rejects.toThrow(/status code: 412/);
    await client.terminate(running, 'done');
  });

  it('getStatusBy and getStatusAll follow the continuation token through every page; purgeInstanceHistoryBy deletes by filter', async () => {
    const from = new Date();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await client.startNew('Echo', { instanceId: `dfc-page-${i}`, input: i }));
    for (const id of ids) expect(await waitForStatus(target, id, 'Completed')).toBe(true);
    const to = new Date(Date.now() + 1000);
    const page = await client.getStatusBy({ createdTimeFrom: from, createdTimeTo: to, runtimeStatus: [OrchestrationRuntimeStatus.Completed] });
    expect(page.map((s) => s.instanceId)).toEqual(ids);
    const all = await client.getStatusAll();
    expect(all.map((s) => s.instanceId)).toEqual(expect.arrayContaining(ids));

    const purged = await client.purgeInstanceHistoryBy({ createdTimeFrom: from, createdTimeTo: to, runtimeStatus: [OrchestrationRuntimeStatus.Completed] });
    expect(purged).toEqual({ instancesDeleted: 4 });
    expect(await client.getStatusBy({ createdTimeFrom: from, createdTimeTo: to })).toEqual([]);
    // Nothing left to purge: DF's 404, which the client reports as 0.
    expect(await client.purgeInstanceHistoryBy({ createdTimeFrom: from, createdTimeTo: to })).toEqual({ instancesDeleted: 0 });
  });

  it('signalEntity and readEntityState', async () => {
    const counter = new DfEntityId('Counter', 'dfc-counter');
    await client.signalEntity(counter, 'add', 5);
    await client.signalEntity(counter, 'add', 3);
    const state = await until(() => client.readEntityState<number>(counter), (s) => s.entityState === 8);
    expect(state).toMatchObject({ entityExists: true, entityState: 8 });
    expect((await client.readEntityState(new DfEntityId('Counter', 'dfc-never'))).entityExists).toBe(false);
  });

  it('createCheckStatusResponse and createHttpManagementPayload: URLs that work as given, key included', async () => {
    const id = await client.startNew('WaitForApproval', { instanceId: 'dfc-links', input: 'l' });
    expect(await waitForStatus(target, id, 'Running')).toBe(true);
    const request = new HttpRequest({ url: `${target.origin}/api/start`, method: 'POST' });
    const response = client.createCheckStatusResponse(request, id);
    expect(response.status).toBe(202);
    const links = (await response.json()) as Record<string, string>;
    expect(response.headers.get('location')).toBe(links.statusQueryGetUri);
    // A client may append its own parameters to any of them.
    const status = await target.call('GET', `${links.statusQueryGetUri}&showHistory=true`);
    expect([status.status, status.body.runtimeStatus, Array.isArray(status.body.historyEvents)]).toEqual([202, 'Running', true]);
    expect((await target.call('POST', links.sendEventPostUri!.replace('{eventName}', 'Approval'), { json: 'ok' })).status).toBe(202);
    expect(await waitForStatus(target, id, 'Completed')).toBe(true);

    const payload = client.createHttpManagementPayload(id);
    expect(payload.rewindPostUri).toContain(`/instances/${id}/rewind?reason={text}&`);
    expect((await target.call('DELETE', payload.purgeHistoryDeleteUri)).body).toEqual({ instancesDeleted: 1 });
  });

  it('waitForCompletionOrCreateCheckStatusResponse: the output once completed, a 202 check-status response on timeout', async () => {
    const request = new HttpRequest({ url: `${target.origin}/api/start`, method: 'POST' });
    const echo = await client.startNew('Echo', { input: { n: 7 } });
    const completed = await client.waitForCompletionOrCreateCheckStatusResponse(request, echo, { timeoutInMilliseconds: 15_000, retryIntervalInMilliseconds: 50 });
    expect(completed.status).toBe(200);
    expect(await completed.json()).toEqual({ n: 7 });

    const waiting = await client.startNew('WaitForApproval', { input: 'w' });
    const timedOut = await client.waitForCompletionOrCreateCheckStatusResponse(request, waiting, { timeoutInMilliseconds: 100, retryIntervalInMilliseconds: 50 });
    expect(timedOut.status).toBe(202);
    expect(((await timedOut.json()) as { id: string }).id).toBe(waiting);
    await client.terminate(waiting, 'done');
  });
});

describe('e2e: the same client without the key gets 401 on every operation', () => {
  it('refuses each request the client sends', async () => {
    const keyless = clientOf(target.durably.durableFunctionsClientInput(baseUrl));
    const wrongKey = clientOf(target.durably.durableFunctionsClientInput(baseUrl, { key: 'not-the-key-0123456789' }));
    const id = await client.startNew('WaitForApproval', { instanceId: 'dfc-401', input: 'k' });
    expect(await waitForStatus(target, id, 'Running')).toBe(true);
    const request = new HttpRequest({ url: `${target.origin}/api/start`, method: 'POST' });
    const entity = new DfEntityId('Counter', 'dfc-401');
    for (const other of [keyless, wrongKey]) {
      const operations: Record<string, () => Promise<unknown>> = {
        startNew: () => other.startNew('Echo', { input: 1 }),
        getStatus: () => other.getStatus(id),
        getStatusAll: () => other.getStatusAll(),
        getStatusBy: () => other.getStatusBy({ runtimeStatus: [OrchestrationRuntimeStatus.Running] }),
        raiseEvent: () => other.raiseEvent(id, 'Approval', 1),
        suspend: () => other.suspend(id, 'x'),
        resume: () => other.resume(id, 'x'),
        terminate: () => other.terminate(id, 'x'),
        rewind: () => other.rewind(id, 'x'),
        purgeInstanceHistory: () => other.purgeInstanceHistory(id),
        purgeInstanceHistoryBy: () => other.purgeInstanceHistoryBy({ createdTimeFrom: new Date(0) }),
        signalEntity: () => other.signalEntity(entity, 'add', 1),
        readEntityState: () => other.readEntityState(entity),
        waitForCompletionOrCreateCheckStatusResponse: () => other.waitForCompletionOrCreateCheckStatusResponse(request, id, { timeoutInMilliseconds: 100, retryIntervalInMilliseconds: 50 }),
      };
      for (const [name, operation] of Object.entries(operations)) {
        await expect(operation().then(() => `${name} succeeded`)).rejects.toThrow(/status code: 401/);
      }
    }
    // Nothing got through: the instance still waits, untouched.
    expect((await target.durably.client.getStatus(id))?.runtimeStatus).toBe('Running');
    expect((await target.durably.client.readEntityState(new (await import('../../src/core/entity-id.js')).EntityId('Counter', 'dfc-401'))).entityExists).toBe(false);
    await client.terminate(id, 'done');
  });
});

/** Starts an Echo instance without an ID (the router picks one) and returns it. */
async function startWithoutId(): Promise<string> {
  return client.startNew('Echo', { input: 0 });
}
