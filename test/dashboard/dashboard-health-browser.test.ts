// The dashboard's health view in a real browser (Debian's Chromium driven by playwright-core, as in
// dashboard-browser.test.ts): its empty state on a fresh app, then, refreshing by itself, the charts of an app with
// completed, failed, terminated and stuck instances — drawn as SVG, labelled, with the current numbers beside them.
// Skipped when /usr/bin/chromium is missing. Screenshots go to test-results/dashboard/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hooksOf } from '../../src/app/durably.js';
import { DF_BASE, startHttpApp, waitForStatus, type HttpTestApp } from '../e2e/support/http-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const screenshots = path.join(packageRoot, 'test-results', 'dashboard');
const describeWithBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
// The view refreshes every 5 s and the router samples at most every 5 s: generous, never measured.
const DEADLINE = { timeout: 30_000 };

let target: HttpTestApp;
let browser: Browser;
const pageErrors: string[] = [];

async function newPage(width = 1280, height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: 'light' });
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  return page;
}

const panel = (page: Page, chart: string) => page.locator(`section[data-chart="${chart}"]`);
const value = (page: Page, field: string) => page.locator(`dd[data-field="${field}"]`);

describeWithBrowser('the dashboard health view in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    target = await startHttpApp({
      mount: (app, durably) => {
        app.use(DF_BASE, durably.adminRouter({ auth: 'none' }));
        app.use('/dashboard', durably.dashboard({ auth: 'none', apiBase: DF_BASE }));
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    await target?.stop();
  });

  it('shows an empty state on a fresh app, then draws backlog, throughput, failure rate and stuck instances as they come', async () => {
    const page = await newPage();
    await page.goto(`${target.origin}/dashboard/`);
    await page.getByRole('link', { name: 'Health', exact: true }).click();
    await page.getByRole('heading', { name: 'Health', level: 2 }).waitFor();
    await expect(page.locator('nav a[aria-current="page"]').textContent()).resolves.toBe('Health');

    // Nothing finished yet: empty states; the sampled charts start with the first sample (a lone point).
    await panel(page, 'throughput').locator('.empty').filter({ hasText: 'No instance finished in the last 15 minutes.' }).waitFor(DEADLINE);
    await panel(page, 'failure-rate').locator('.empty').waitFor(DEADLINE);
    await panel(page, 'backlog').locator('svg.chart .series circle, svg.chart .series path').first().waitFor(DEADLINE);
    await expect(value(page, 'stuck').textContent()).resolves.toBe('0');
    await page.screenshot({ path: path.join(screenshots, 'health-empty.png'), fullPage: true });

    // One completed, one failed, one terminated and one stuck instance.
    const { client } = target.durably;
    await client.startNew('Echo', { instanceId: 'h-done', input: 1 });
    await client.startNew('AlwaysFails', { instanceId: 'h-failed', input: 'x' });
    await client.startNew('WaitForApproval', { instanceId: 'h-terminated', input: 'x' });
    expect(await waitForStatus(target, 'h-terminated', 'Running', 30_000)).toBe(true);
    await client.terminate('h-terminated', 'not needed');
    await hooksOf(target.durably).store.createInstance({ instanceId: 'h-stuck', executionId: randomUUID(), name: 'RenamedAway', input: undefined, now: new Date() });
    for (const [id, status] of [['h-done', 'Completed'], ['h-failed', 'Failed'], ['h-terminated', 'Terminated']] as const) {
      expect(await waitForStatus(target, id, status, 30_000)).toBe(true);
    }

    // The view refreshes by itself (no reload, no click).
    await value(page, 'finished-completed').filter({ hasText: /^1$/ }).waitFor(DEADLINE);
    await value(page, 'finished-failed').filter({ hasText: /^1$/ }).waitFor(DEADLINE);
    await value(page, 'finished-terminated').filter({ hasText: /^1$/ }).waitFor(DEADLINE);
    await value(page, 'stuck').filter({ hasText: /^1$/ }).waitFor(DEADLINE);
    // Failed ÷ (completed + failed): terminated instances are not failures.
    await expect(value(page, 'failure-rate').textContent()).resolves.toBe('50%');

    // Throughput: stacked bars, one rect per kind of ending, each titled.
    const throughput = panel(page, 'throughput');
    await expect(throughput.locator('svg.chart[role="img"]').getAttribute('aria-label')).resolves.toMatch(/^Instances finished per 15 s over the last 15 minutes$/);
    for (const kind of ['completed', 'failed', 'terminated']) await expect(throughput.locator(`svg.chart rect.k-${kind}`).count()).resolves.toBeGreaterThanOrEqual(1);
    await expect(throughput.locator('svg.chart rect.k-failed title').first().textContent()).resolves.toMatch(/^Failed: 1 from /);
    await expect(throughput.locator('.chart-legend').textContent()).resolves.toBe('CompletedFailedTerminated');
    // Failure rate: a mark at 50 % on a 0–100 % axis.
    const rate = panel(page, 'failure-rate');
    await expect(rate.locator('svg.chart .series.k-rate circle, svg.chart .series.k-rate path').count()).resolves.toBeGreaterThanOrEqual(1);
    await expect(rate.locator('svg.chart .y-tick').allTextContents()).resolves.toEqual(['0%', '50%', '100%']);
    // Backlog: a line (or point) per kind, labelled axes; stuck: its own line.
    const backlog = panel(page, 'backlog');
    const series = backlog.locator('svg.chart .series');
    await expect(series.count()).resolves.toBe(3);
    for (const [i, name] of ['Instances', 'Activities', 'Timers'].entries()) await expect(series.nth(i).getAttribute('data-series')).resolves.toBe(name);
    await expect(backlog.locator('svg.chart .axis-title').allTextContents()).resolves.toEqual(['time', 'due, unclaimed']);
    await expect(backlog.locator('svg.chart .x-tick').count()).resolves.toBe(3);
    for (const field of ['backlog-instances', 'backlog-activities', 'backlog-timers']) await expect(value(page, field).textContent()).resolves.toMatch(/^\d+$/);
    const stuck = panel(page, 'stuck');
    await expect(stuck.locator('svg.chart .series.k-stuck circle, svg.chart .series.k-stuck path').count()).resolves.toBeGreaterThanOrEqual(1);
    await expect(stuck.locator('svg.chart .y-tick').allTextContents()).resolves.toEqual(['0', '1', '2']);
    await expect(value(page, 'running').textContent()).resolves.toMatch(/^\d+$/);

    // Several samples over time make a line, not just points.
    await panel(page, 'stuck').locator('svg.chart .series.k-stuck path').first().waitFor(DEADLINE);
    await page.screenshot({ path: path.join(screenshots, 'health.png'), fullPage: true });

    // Another window: the charts are drawn again for it.
    await page.getByLabel('Window').selectOption('60');
    await throughput.locator('svg.chart[aria-label$="over the last 60 minutes"]').waitFor(DEADLINE);
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('fits a narrow screen', async () => {
    const page = await newPage(375, 740);
    await page.goto(`${target.origin}/dashboard/#/health`);
    await panel(page, 'throughput').locator('svg.chart').waitFor(DEADLINE);
    // Page-side expressions are strings: the test project is compiled without the DOM library.
    await expect(page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).resolves.toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(screenshots, 'health-narrow.png'), fullPage: true });
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
