// The dashboard in a real browser: Debian's Chromium (`apt-get install -y chromium`, never a browser download) driven
// by playwright-core, against the example service (`npm start`'s app, in this process, on the embedded engine).
// Skipped when /usr/bin/chromium is missing. Screenshots go to test-results/dashboard/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startExampleService, type ExampleService } from '../../examples/service/example-service.js';
import { DF_BASE, startHttpApp, type HttpTestApp } from '../e2e/support/http-app.js';
import { hooksOf } from '../../src/app/durably.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const screenshots = path.join(packageRoot, 'test-results', 'dashboard');
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;

let dataDir: string;
let service: ExampleService;
let browser: Browser;
let context: BrowserContext;
/** Errors the pages logged (a CSP violation, an exception): none are expected. */
const pageErrors: string[] = [];

async function api(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${service.adminUrl}${pathAndQuery}`, {
    method,
    headers: { 'x-functions-key': service.adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function newPage(ctx: BrowserContext = context): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  return page;
}

/** The instance page of `instanceId`, opened from the list by clicking its link. */
async function openFromList(page: Page, instanceId: string): Promise<void> {
  await page.goto(service.dashboardUrl);
  const link = page.getByRole('link', { name: instanceId, exact: true });
  await link.click();
  await page.locator('h2[data-field="instance-id"]').filter({ hasText: instanceId }).waitFor();
}

/** Clicks an action button, fills the dialog's fields (by label) and confirms. */
async function act(page: Page, action: string, fields: Record<string, string> = {}): Promise<void> {
  await page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: action, exact: true }).click();
  const dialog = page.locator('dialog[open]');
  for (const [label, value] of Object.entries(fields)) await dialog.getByLabel(label).fill(value);
  await dialog.locator('button[type="submit"]').click();
  await dialog.waitFor({ state: 'detached' });
}

const statusOf = (page: Page) => page.locator('dd[data-field="status"]');

describeWithBrowser('the dashboard in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    dataDir = await mkdtemp(path.join(tmpdir(), 'durably-dashboard-'));
    service = await startExampleService({ port: 0, host: '127.0.0.1', dataDir, log: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    // The service's admin API requires its key: as if the user had entered it once in this tab (see the key test below).
    await context.addInitScript(`sessionStorage.setItem('durably.dashboard.key', ${JSON.stringify(service.adminKey)})`);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await service?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it("asks for the service's key on 401, keeps it in the tab and sends it as a header, never in a URL", async () => {
    expect((await api('POST', '/orchestrators/HelloSequence/hello-key?timeout=30&pollingInterval=1', ['Oslo'])).status).toBe(200);
    const fresh = await browser.newContext();
    try {
      // Not newPage(): the first, refused calls are logged by the browser as failed loads.
      const page = await fresh.newPage();
      const apiUrls: string[] = [];
      const keyHeaders: (string | undefined)[] = [];
      page.on('request', (request) => {
        if (!request.url().includes('/runtime/webhooks/durabletask')) return;
        apiUrls.push(request.url());
        keyHeaders.push(request.headers()['x-functions-key']);
      });
      await page.goto(service.dashboardUrl);
      await page.locator('#notice').filter({ hasText: '401' }).waitFor();
      await page.getByRole('button', { name: 'Enter credentials' }).click();
      await page.locator('dialog[open]').getByLabel('Key', { exact: true }).fill(service.adminKey);
      await page.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
      await page.getByRole('link', { name: 'hello-key', exact: true }).waitFor();
      // Kept for the tab: a reload needs no new entry.
      await page.reload();
      await page.getByRole('link', { name: 'hello-key', exact: true }).waitFor();
      expect(keyHeaders.at(-1)).toBe(service.adminKey);
      expect(apiUrls.filter((url) => url.includes(encodeURIComponent(service.adminKey)) || url.includes(service.adminKey))).toEqual([]);
      await page.close();
    } finally {
      await fresh.close();
    }
  });

  it('lists instances with counts and filters, shows a timeline, and completes an instance by raising an event from the UI', async () => {
    expect((await api('POST', '/orchestrators/HelloSequence/hello-1?timeout=30&pollingInterval=1', ['Tokyo', 'Seattle'])).status).toBe(200);
    expect((await api('POST', '/orchestrators/ApprovalWorkflow/expense-ui', { expenseId: 'expense-ui', employee: 'alice', amount: 1200, timeoutMs: 600_000 })).status).toBe(202);
    await until(() => api('GET', '/instances/expense-ui'), (r) => (r.body as { customStatus?: unknown }).customStatus !== null);

    const page = await newPage();
    await page.goto(service.dashboardUrl);
    await page.getByRole('link', { name: 'hello-1', exact: true }).waitFor();
    await page.getByRole('link', { name: 'expense-ui', exact: true }).waitFor();
    const counts = page.getByRole('list', { name: 'Instances per status' });
    await expect(counts.locator('li.s-Completed').textContent()).resolves.toMatch(/Completed [1-9]/);
    await expect(counts.locator('li.s-Running').textContent()).resolves.toMatch(/Running [1-9]/);
    await page.screenshot({ path: path.join(screenshots, 'instances.png'), fullPage: true });

    // Filter by status: only the running instance stays.
    await page.getByLabel('Running', { exact: true }).check();
    await page.getByRole('link', { name: 'hello-1', exact: true }).waitFor({ state: 'detached' });
    await expect(page.getByRole('link', { name: 'expense-ui', exact: true }).count()).resolves.toBe(1);
    await page.getByLabel('Running', { exact: true }).uncheck();
    // Filter by ID prefix.
    await page.getByLabel('Instance ID prefix').fill('hello-');
    await page.getByLabel('Instance ID prefix').press('Enter');
    await page.getByRole('link', { name: 'expense-ui', exact: true }).waitFor({ state: 'detached' });
    await page.getByLabel('Instance ID prefix').fill('');
    await page.getByLabel('Instance ID prefix').press('Enter');

    // The completed instance: its output and a timeline with one bar per activity.
    await page.getByRole('link', { name: 'hello-1', exact: true }).click();
    await expect(statusOf(page).textContent()).resolves.toBe('Completed');
    await expect(page.locator('pre[data-field="output"]').textContent()).resolves.toContain('Hello Tokyo!');
    await expect(page.locator('.timeline li[data-kind="activity"]').count()).resolves.toBe(2);
    await expect(page.locator('.timeline li[data-kind="activity"]').first().textContent()).resolves.toContain('Activity SayHello');
    await expect(page.locator('pre[data-field="raw-history"]').textContent()).resolves.toContain('"EventType": "TaskCompleted"');
    await page.screenshot({ path: path.join(screenshots, 'instance-timeline.png'), fullPage: true });

    // The waiting instance: raise the approval from the UI; the page shows it complete without a reload.
    await openFromList(page, 'expense-ui');
    await expect(statusOf(page).textContent()).resolves.toBe('Running');
    await page.evaluate('window.marker = 1');
    await act(page, 'Raise event', { 'Event name': 'ApprovalEvent', 'Data (JSON, optional)': 'true' });
    await statusOf(page).filter({ hasText: 'Completed' }).waitFor({ timeout: 20_000 });
    await expect(page.evaluate('window.marker')).resolves.toBe(1);
    await page.locator('.timeline li[data-kind="event"]').filter({ hasText: 'Event ApprovalEvent' }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'instance-completed.png'), fullPage: true });
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('suspends, resumes, terminates, restarts and purges from the UI, each confirmed in a dialog', async () => {
    await api('POST', '/orchestrators/ApprovalWorkflow/expense-actions', { expenseId: 'expense-actions', employee: 'bob', amount: 5, timeoutMs: 600_000 });
    await until(() => api('GET', '/instances/expense-actions'), (r) => (r.body as { customStatus?: unknown }).customStatus !== null);
    const page = await newPage();
    await openFromList(page, 'expense-actions');

    // Cancelling a dialog does nothing.
    await page.getByRole('button', { name: 'Terminate' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();
    await expect(statusOf(page).textContent()).resolves.toBe('Running');
    // Only a failed instance can be rewound.
    await expect(page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Rewind', exact: true }).isDisabled()).resolves.toBe(true);

    await act(page, 'Suspend', { 'Reason (optional)': 'maintenance' });
    await statusOf(page).filter({ hasText: 'Suspended' }).waitFor();
    await act(page, 'Resume');
    await statusOf(page).filter({ hasText: 'Running' }).waitFor();
    await act(page, 'Terminate', { 'Reason (optional)': 'cancelled by test' });
    await statusOf(page).filter({ hasText: 'Terminated' }).waitFor();
    await expect(page.locator('pre[data-field="reason"]').textContent()).resolves.toContain('cancelled by test');

    await act(page, 'Restart');
    expect(await until(() => Promise.resolve(page.url()), (url) => !url.endsWith('/expense-actions'))).not.toMatch(/\/expense-actions$/);
    const restartedId = decodeURIComponent(await page.evaluate<string>("location.hash.replace('#/instances/', '')"));
    expect(restartedId).not.toBe('expense-actions');
    await page.locator('h2[data-field="instance-id"]').filter({ hasText: restartedId }).waitFor();
    expect((await api('GET', `/instances/${encodeURIComponent(restartedId)}`)).status).toBe(202);

    await openFromList(page, 'expense-actions');
    await act(page, 'Purge');
    expect(await until(() => Promise.resolve(page.url()), (url) => url.endsWith('#/instances'))).toMatch(/#\/instances$/);
    await expect(page.locator('#notice').textContent()).resolves.toContain('Purged expense-actions');
    expect((await api('GET', '/instances/expense-actions')).status).toBe(404);
    await api('POST', `/instances/${encodeURIComponent(restartedId)}/terminate`);
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('renders instance IDs, inputs and outputs as text: an XSS attempt stays inert', async () => {
    const evilId = '<img src=x onerror=window.__xss=1>';
    const evilInput = ['<img src=x onerror="window.__xss=2">', '</pre><script>window.__xss=3</script>'];
    expect((await api('POST', `/orchestrators/HelloSequence/${encodeURIComponent(evilId)}?timeout=30&pollingInterval=1`, evilInput)).status).toBe(200);

    const page = await newPage();
    await page.goto(service.dashboardUrl);
    const link = page.getByRole('link', { name: evilId, exact: true });
    await link.waitFor();
    await link.click();
    await expect(page.locator('h2[data-field="instance-id"]').textContent()).resolves.toBe(evilId);
    await expect(page.locator('pre[data-field="input"]').textContent()).resolves.toBe(JSON.stringify(evilInput, null, 2));
    await expect(page.locator('pre[data-field="output"]').textContent()).resolves.toContain('</pre><script>window.__xss=3</script>');
    await page.locator('details summary').filter({ hasText: 'Raw history' }).click();
    await expect(page.locator('main img, main script').count()).resolves.toBe(0);
    await expect(page.evaluate('window.__xss')).resolves.toBeUndefined();
    await page.screenshot({ path: path.join(screenshots, 'xss-as-text.png'), fullPage: true });
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('lists entities with a state preview, shows one, and signals an operation from the UI', async () => {
    expect((await api('POST', '/entities/Counter/door-opened?op=add', 5)).status).toBe(202);
    await until(() => api('GET', '/entities/Counter/door-opened'), (r) => r.status === 200);

    const page = await newPage();
    await page.goto(`${service.dashboardUrl}#/entities`);
    const row = page.getByRole('row').filter({ hasText: 'door-opened' });
    await row.waitFor();
    await expect(row.locator('td.preview').textContent()).resolves.toBe('5');
    await page.screenshot({ path: path.join(screenshots, 'entities.png'), fullPage: true });
    await row.getByRole('link', { name: 'door-opened' }).click();
    await page.locator('pre[data-field="state"]').filter({ hasText: '5' }).waitFor();

    await page.getByRole('button', { name: 'Signal an operation' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('Operation').fill('add');
    await dialog.getByLabel('Input (JSON, optional)').fill('2');
    await dialog.getByRole('button', { name: 'Signal' }).click();
    await page.locator('pre[data-field="state"]').filter({ hasText: /^7$/ }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(screenshots, 'entity.png'), fullPage: true });
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('works on a narrow screen in dark mode, and from the keyboard', async () => {
    const narrow = await browser.newContext({ viewport: { width: 375, height: 740 }, colorScheme: 'dark', isMobile: true });
    await narrow.addInitScript(`sessionStorage.setItem('durably.dashboard.key', ${JSON.stringify(service.adminKey)})`);
    try {
      const page = await newPage(narrow);
      await page.goto(service.dashboardUrl);
      await page.getByRole('link', { name: 'hello-1', exact: true }).waitFor();
      // Page-side expressions are strings: the test project is compiled without the DOM library.
      const layout = await page.evaluate<{ overflow: number; background: string; color: string }>(`({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        background: getComputedStyle(document.body).backgroundColor,
        color: getComputedStyle(document.body).color,
      })`);
      expect(layout.overflow).toBeLessThanOrEqual(0);
      expect(layout.background).toBe('rgb(13, 17, 23)');
      expect(layout.color).toBe('rgb(230, 237, 243)');
      await page.screenshot({ path: path.join(screenshots, 'narrow-dark.png'), fullPage: true });

      // Tab to the instance's link and open it with Enter.
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate<boolean>("document.activeElement?.textContent === 'hello-1'");
      }
      expect(reached).toBe(true);
      await page.keyboard.press('Enter');
      await page.locator('h2[data-field="instance-id"]').filter({ hasText: 'hello-1' }).waitFor();
      await page.screenshot({ path: path.join(screenshots, 'narrow-dark-instance.png'), fullPage: true });
      await page.close();
    } finally {
      await narrow.close();
    }
    expect(pageErrors).toEqual([]);
  });
});

describeWithBrowser('the dashboard in Chromium, with a secured admin API', () => {
  let target: HttpTestApp;
  let secured: Browser;

  beforeAll(async () => {
    target = await startHttpApp({
      mount: (app: express.Express, durably) => {
        app.use(DF_BASE, durably.adminRouter({ authorize: (req) => (req.get('authorization') === 'Bearer s3cret' ? 'allow' : 'unauthenticated') }));
        // The page holds no data; the admin router decides what the user sees.
        app.use('/dashboard', durably.dashboard({ auth: 'none', apiBase: DF_BASE }));
      },
    });
    secured = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await secured?.close();
    await target?.stop();
  });

  it('asks for a token on 401 and then shows the instances', async () => {
    await target.durably.client.startNew('Echo', { instanceId: 'secured-1', input: 1 });
    const page = await secured.newPage();
    await page.goto(`${target.origin}/dashboard/`);
    await page.locator('#notice').filter({ hasText: '401' }).waitFor();
    await expect(page.getByRole('link', { name: 'secured-1' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Enter credentials' }).click();
    await page.locator('dialog[open]').getByLabel('Bearer token').fill('s3cret');
    await page.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'secured-1', exact: true }).waitFor();

    // A failed instance: the failure with its stack trace, and a red mark on the timeline.
    await target.durably.client.startNew('AlwaysFails', { instanceId: 'failing-1', input: '<b>bad</b>' });
    await until(async () => (await target.durably.client.getStatus('failing-1'))?.runtimeStatus, (status) => status === 'Failed');
    await page.goto(`${target.origin}/dashboard/#/instances/failing-1`);
    await expect(page.locator('pre[data-field="failure"]').textContent()).resolves.toBe('Error: boom: "<b>bad</b>"');
    await expect(page.locator('pre[data-field="stack"]').textContent()).resolves.toMatch(/boom[\s\S]*\bat /);
    await expect(page.locator('.timeline li.failed').count()).resolves.toBeGreaterThan(0);
    // No stray text ("null") between the sections.
    await expect(page.evaluate(`[...document.querySelectorAll('main div')]
      .some((div) => [...div.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== ''))`)).resolves.toBe(false);
    await page.screenshot({ path: path.join(screenshots, 'instance-failed.png'), fullPage: true });

    // A failed instance offers Rewind: confirmed in a dialog, queued, and recorded in history with its reason.
    await act(page, 'Rewind', { 'Reason (optional)': 'from the dashboard' });
    await page.locator('#notice').filter({ hasText: 'rewound' }).waitFor();
    await until(async () => (await target.durably.client.getHistory('failing-1')).some((e) => e.type === 'ExecutionRewound' && e.reason === 'from the dashboard'), (found) => found);
    await page.close();
  });

  it('shows a stuck instance with its version and error, and retries it now from the Retry now button', async () => {
    // Stuck as a deploy leaves one: its orchestrator is not registered here (renamed away).
    await hooksOf(target.durably).store.createInstance({ instanceId: 'stuck-1', executionId: randomUUID(), name: 'RenamedAway', input: undefined, orchestrationVersion: '1.4', now: new Date() });
    await until(async () => (await target.durably.client.getStatus('stuck-1'))?.stuckSince, (since) => since !== undefined);
    const page = await secured.newPage();
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    await page.setExtraHTTPHeaders({ authorization: 'Bearer s3cret' });
    await page.goto(`${target.origin}/dashboard/#/instances/stuck-1`);
    await page.locator('section[data-field="stuck"] h3').filter({ hasText: 'Stuck since' }).waitFor();
    await expect(page.locator('section[data-field="stuck"] h3 time').count()).resolves.toBe(1);
    await expect(page.locator('dd[data-field="version"]').textContent()).resolves.toBe('1.4');
    await expect(page.locator('section[data-field="stuck"] pre[data-field="failure"]').textContent()).resolves.toMatch(/^RegistrationError: .*RenamedAway/);
    const retry = page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Retry now', exact: true });
    await expect(retry.isEnabled()).resolves.toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'instance-stuck.png'), fullPage: true });
    await retry.click();
    await page.locator('#notice').filter({ hasText: 'Retrying now.' }).waitFor();
    // A running instance that is not stuck offers no retry.
    await target.durably.client.startNew('WaitForApproval', { instanceId: 'not-stuck-1', input: 'x' });
    await page.goto(`${target.origin}/dashboard/#/instances/not-stuck-1`);
    await page.locator('dd[data-field="status"]').filter({ hasText: /Pending|Running/ }).waitFor();
    await expect(page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Retry now', exact: true }).isDisabled()).resolves.toBe(true);
    await expect(page.locator('section[data-field="stuck"]').count()).resolves.toBe(0);
    await target.durably.client.terminate('not-stuck-1');
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
