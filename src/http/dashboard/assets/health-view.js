// The health view (#/health): backlog, throughput, failure rate and stuck instances over the last minutes, drawn from
// the admin API's GET /health, with the current values beside each chart. Refreshes every few seconds while the tab is
// visible. Backlog and stuck instances exist only as a current state, so their charts are the samples the admin router
// took while someone read this view (gaps where nobody did); finished instances are counted from storage.

import { api } from './api.js';
import { HEALTH_REFRESH_MS } from './constants.js';
import { dialogOpen } from './dialog.js';
import { h, main } from './dom.js';
import { time } from './format.js';
import { clearNotice, notice } from './notice.js';
import { showError } from './show-error.js';
import { barChart, chartLegend, lineChart } from './svg-chart.js';

const WINDOWS = [5, 15, 30, 60];
const healthState = { minutes: 15 };

const BACKLOG = [
  { key: 'instances', name: 'Instances', cls: 'k-instances' },
  { key: 'activities', name: 'Activities', cls: 'k-activities' },
  { key: 'timers', name: 'Timers', cls: 'k-timers' },
];
const FINISHED = [
  { key: 'completed', name: 'Completed', cls: 'k-completed' },
  { key: 'failed', name: 'Failed', cls: 'k-failed' },
  { key: 'terminated', name: 'Terminated', cls: 'k-terminated' },
];

/** A count, with "≥" when the server stopped counting at its limit. @param {unknown} value @param {boolean} atLeast */
function count(value, atLeast) {
  return `${atLeast ? '≥ ' : ''}${typeof value === 'number' ? value.toLocaleString() : '?'}`;
}

/** @param {number} value */
const percent = (value) => `${Math.round(value)}%`;

/**
 * The current values beside a chart, as a list of labelled numbers.
 * @param {string} label @param {Array<[name: string, value: string, field: string]>} rows
 */
function currentValues(label, rows) {
  return h('dl', { class: 'current', 'aria-label': label },
    rows.flatMap(([name, value, field]) => [h('dt', {}, name), h('dd', { 'data-field': field }, value)]));
}

/**
 * One chart panel: its title, the chart (or an empty state), a legend and the current values.
 * @param {string} id @param {string} title @param {Element} chart @param {Element | null} legend @param {Element} values
 */
function panel(id, title, chart, legend, values) {
  return h('section', { class: 'panel', 'data-chart': id, 'aria-labelledby': `chart-${id}` },
    h('h3', { id: `chart-${id}` }, title),
    h('div', { class: 'panel-body' }, h('div', { class: 'chart-wrap' }, chart, legend), values));
}

/** @param {string} text */
function empty(text) {
  return h('p', { class: 'empty muted' }, text);
}

/** The four panels of one GET /health answer. @param {Record<string, any>} health */
function panels(health) {
  const buckets = Array.isArray(health.buckets) ? health.buckets : [];
  const samples = Array.isArray(health.samples) ? health.samples : [];
  const current = health.current ?? {};
  const atLeast = new Set(Array.isArray(current.atLeast) ? current.atLeast : []);
  const bucketMs = Number(health.bucketMs);
  const from = buckets.length > 0 ? Date.parse(buckets[0].start) : Date.parse(health.generatedAt) - health.minutes * 60_000;
  const to = buckets.length > 0 ? Date.parse(buckets[buckets.length - 1].start) + bucketMs : Date.parse(health.generatedAt);
  const points = samples.map((sample) => ({ t: Date.parse(sample.at), sample })).filter((p) => p.t >= from && p.t <= to);
  // Samples further apart than this were not taken in between (nobody watched): the lines break there.
  const gapMs = 3 * Number(health.sampleIntervalMs);
  const windowText = `the last ${health.minutes} minute${health.minutes === 1 ? '' : 's'}`;

  const backlog = panel('backlog', 'Backlog (due work not yet claimed)',
    lineChart({
      label: `Backlog over ${windowText}, by kind`, yTitle: 'due, unclaimed', from, to, gapMs,
      series: BACKLOG.map(({ key, name, cls }) => ({ name, cls, points: points.map((p) => ({ t: p.t, v: Number(p.sample.backlog?.[key] ?? 0) })) })),
    }),
    chartLegend(BACKLOG),
    currentValues('Backlog now', BACKLOG.map(({ key, name }) => [name, count(current.backlog?.[key], atLeast.has(`backlog.${key}`)), `backlog-${key}`])));

  const totals = Object.fromEntries(FINISHED.map(({ key }) => [key, buckets.reduce((sum, b) => sum + Number(b[key] ?? 0), 0)]));
  const finished = totals.completed + totals.failed + totals.terminated;
  const partial = buckets.some((b) => b.partial === true);
  const throughput = panel('throughput', 'Throughput (instances finished per bucket)',
    finished === 0
      ? empty(`No instance finished in ${windowText}.`)
      : barChart({
        label: `Instances finished per ${bucketMs / 1000} s over ${windowText}`, yTitle: `per ${bucketMs / 1000} s`, from, to, bucketMs,
        bars: buckets.map((b) => ({ t: Date.parse(b.start), values: FINISHED.map(({ key, name, cls }) => ({ name, cls, v: Number(b[key] ?? 0) })) })),
      }),
    finished === 0 ? null : chartLegend(FINISHED),
    currentValues(`Finished in ${windowText}`, FINISHED.map(({ key, name }) => [name, count(totals[key], partial), `finished-${key}`])));

  const decided = totals.completed + totals.failed;
  const rates = buckets
    .filter((b) => Number(b.completed) + Number(b.failed) > 0)
    .map((b) => ({ t: Date.parse(b.start) + bucketMs / 2, v: (100 * Number(b.failed)) / (Number(b.completed) + Number(b.failed)) }));
  const failureRate = panel('failure-rate', 'Failure rate (failed ÷ completed and failed)',
    rates.length === 0
      ? empty(`No instance completed or failed in ${windowText}.`)
      : lineChart({ label: `Failure rate per ${bucketMs / 1000} s over ${windowText}`, yTitle: 'failed', from, to, gapMs: 1.5 * bucketMs, yMax: 100, yFormat: percent, series: [{ name: 'Failure rate', cls: 'k-rate', points: rates }] }),
    null,
    currentValues(`Failure rate over ${windowText}`, [['Over the window', decided === 0 ? '—' : percent((100 * totals.failed) / decided), 'failure-rate']]));

  const stuck = panel('stuck', 'Stuck instances',
    lineChart({
      label: `Stuck instances over ${windowText}`, yTitle: 'stuck', from, to, gapMs,
      series: [{ name: 'Stuck', cls: 'k-stuck', points: points.map((p) => ({ t: p.t, v: Number(p.sample.stuck ?? 0) })) }],
    }),
    null,
    currentValues('Instances now', [['Stuck', count(current.stuck, atLeast.has('stuck')), 'stuck'], ['Running', count(current.running, atLeast.has('running')), 'running']]));

  return [
    h('div', { class: 'health-grid' }, backlog, throughput, failureRate, stuck),
    h('p', { class: 'muted note' }, `Backlog and stuck instances are sampled by the admin router while this view is open (at most every ${Number(health.sampleIntervalMs) / 1000} s), since `,
      time(health.samplingSince), ': earlier values are not kept, and lines break where nobody watched. Finished instances are counted from storage. ',
      current.stuck > 0 ? h('a', { href: '#/instances' }, 'Find stuck instances in the list') : null),
  ];
}

export function healthView() {
  const select = h('select', { id: 'health-window' }, WINDOWS.map((m) => h('option', { value: String(m), selected: m === healthState.minutes }, `${m} minutes`)));
  select.addEventListener('change', () => {
    healthState.minutes = Number(/** @type {HTMLSelectElement} */ (select).value);
    void refresh();
  });
  const body = h('div', { 'aria-live': 'off' }, h('p', { class: 'muted' }, 'Loading…'));
  const updated = h('span', { class: 'muted' });

  async function refresh() {
    try {
      const result = await api('GET', '/health', { query: { minutes: String(healthState.minutes) }, ok: [501] });
      if (result.status === 501) {
        body.replaceChildren(empty(`The admin API has no health figures: ${String(result.body?.message ?? 'GET /health is not available')}`));
        return;
      }
      body.replaceChildren(...panels(result.body));
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      if (notice.className === 'error') clearNotice();
    } catch (error) {
      showError(error);
    }
  }

  main.replaceChildren(
    h('h2', {}, 'Health'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'health-window', class: 'inline' }, 'Window', select),
      h('button', { type: 'button', class: 'secondary', onclick: () => void refresh() }, 'Refresh'),
      h('span', { class: 'muted' }, `Auto-refresh (${HEALTH_REFRESH_MS / 1000} s)`),
      updated),
    body);
  void refresh();
  const timer = setInterval(() => {
    if (!dialogOpen() && document.visibilityState === 'visible') void refresh();
  }, HEALTH_REFRESH_MS);
  return () => clearInterval(timer);
}
