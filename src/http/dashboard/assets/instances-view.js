// The instances list (#/instances): status, name, prefix and time filters, counts per status, paging and auto-refresh.
// The filters and the page are kept while the user visits an instance.

import { api } from './api.js';
import { COUNT_MAX_PAGES, COUNT_PAGE_SIZE, LIST_REFRESH_MS, PAGE_SIZE, STATUSES } from './constants.js';
import { dialogOpen } from './dialog.js';
import { h, main } from './dom.js';
import { badge, time } from './format.js';
import { clearNotice, notice } from './notice.js';
import { showError } from './show-error.js';

const listState = {
  statuses: new Set(),
  name: '',
  prefix: '',
  from: '',
  to: '',
  /** Continuation tokens of the pages before the current one (undefined = first page). @type {Array<string | undefined>} */
  tokens: [undefined],
  page: 0,
  /** @type {string | undefined} */
  next: undefined,
  autoRefresh: true,
};

/** @param {string} local - a datetime-local value, read in the browser's time zone */
function toIso(local) {
  if (local === '') return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function listQuery() {
  return {
    runtimeStatus: [...listState.statuses].join(',') || undefined,
    instanceIdPrefix: listState.prefix || undefined,
    name: listState.name.trim() || undefined,
    createdTimeFrom: toIso(listState.from),
    createdTimeTo: toIso(listState.to),
  };
}

/** Counts the instances of one status under the current time and prefix filters (at most COUNT_MAX_PAGES pages). */
async function countStatus(status) {
  let count = 0;
  /** @type {string | undefined} */
  let token;
  for (let page = 0; page < COUNT_MAX_PAGES; page++) {
    const query = { ...listQuery(), runtimeStatus: status, top: String(COUNT_PAGE_SIZE), showInput: 'false' };
    const result = await api('GET', '/instances', { query, headers: token ? { 'x-ms-continuation-token': token } : {} });
    count += Array.isArray(result.body) ? result.body.length : 0;
    token = result.headers.get('x-ms-continuation-token') ?? undefined;
    if (token === undefined) return String(count);
  }
  return `${count}+`;
}

export function instancesView() {
  const statusBoxes = STATUSES.map((status) => {
    const box = h('input', { type: 'checkbox', value: status, checked: listState.statuses.has(status) });
    box.addEventListener('change', () => {
      if (/** @type {HTMLInputElement} */ (box).checked) listState.statuses.add(status);
      else listState.statuses.delete(status);
      resetPaging();
      void refresh();
    });
    return h('label', {}, box, status);
  });
  /** @param {'name' | 'prefix' | 'from' | 'to'} key @param {string} label @param {string} type */
  const text = (key, label, type) => {
    const input = h('input', { type, name: key, value: listState[key] });
    input.addEventListener('change', () => {
      listState[key] = /** @type {HTMLInputElement} */ (input).value;
      resetPaging();
      void refresh();
    });
    return h('label', {}, label, input);
  };
  const auto = h('input', { type: 'checkbox', checked: listState.autoRefresh, id: 'auto-refresh' });
  auto.addEventListener('change', () => {
    listState.autoRefresh = /** @type {HTMLInputElement} */ (auto).checked;
  });
  const counts = h('ul', { class: 'counts', 'aria-label': 'Instances per status' });
  const tbody = h('tbody');
  const pageLabel = h('span', { class: 'muted' });
  const prev = h('button', { type: 'button', class: 'secondary', onclick: () => { listState.page--; void refresh(); } }, '← Previous');
  const next = h('button', { type: 'button', class: 'secondary', onclick: () => {
    listState.tokens[listState.page + 1] = listState.next;
    listState.page++;
    void refresh();
  } }, 'Next →');
  const updated = h('span', { class: 'muted', 'aria-live': 'off' });

  function resetPaging() {
    listState.tokens = [undefined];
    listState.page = 0;
  }

  async function refresh() {
    try {
      const token = listState.tokens[listState.page];
      const [page, ...statusCounts] = await Promise.all([
        api('GET', '/instances', { query: { ...listQuery(), top: String(PAGE_SIZE), showInput: 'false' }, headers: token ? { 'x-ms-continuation-token': token } : {} }),
        ...STATUSES.map((status) => countStatus(status)),
      ]);
      counts.replaceChildren(...STATUSES.map((status, i) => h('li', { class: `s-${status}` }, `${status} `, h('strong', {}, statusCounts[i] ?? '?'))));
      listState.next = page.headers.get('x-ms-continuation-token') ?? undefined;
      const rows = Array.isArray(page.body) ? page.body : [];
      tbody.replaceChildren(...(rows.length === 0
        ? [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No instances match.'))]
        : rows.map((s) => h('tr', {},
          h('td', { class: 'id' }, h('a', { href: `#/instances/${encodeURIComponent(String(s.instanceId))}` }, String(s.instanceId))),
          h('td', {}, String(s.name)),
          h('td', {}, badge(String(s.runtimeStatus))),
          h('td', { class: 'optional' }, time(s.createdTime)),
          h('td', { class: 'optional' }, time(s.lastUpdatedTime))))));
      /** @type {HTMLButtonElement} */ (prev).disabled = listState.page === 0;
      /** @type {HTMLButtonElement} */ (next).disabled = listState.next === undefined;
      pageLabel.textContent = `Page ${listState.page + 1}`;
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      if (notice.className === 'error') clearNotice();
    } catch (error) {
      showError(error);
    }
  }

  main.replaceChildren(
    h('h2', {}, 'Instances'),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter instances', onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
      h('fieldset', {}, h('legend', {}, 'Status'), h('div', { class: 'statuses' }, statusBoxes)),
      text('name', 'Orchestrator name', 'search'),
      text('prefix', 'Instance ID prefix', 'search'),
      text('from', 'Created from', 'datetime-local'),
      text('to', 'Created to', 'datetime-local')),
    counts,
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', class: 'secondary', onclick: () => void refresh() }, 'Refresh'),
      h('label', { for: 'auto-refresh', class: 'inline' }, auto, `Auto-refresh (${LIST_REFRESH_MS / 1000} s)`),
      updated),
    h('div', { class: 'table-wrap' }, h('table', { 'aria-label': 'Instances' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Instance ID'), h('th', {}, 'Name'), h('th', {}, 'Status'), h('th', { class: 'optional' }, 'Created'), h('th', { class: 'optional' }, 'Last updated'))),
      tbody)),
    h('div', { class: 'toolbar' }, prev, pageLabel, next));
  void refresh();
  const timer = setInterval(() => {
    if (listState.autoRefresh && !dialogOpen() && document.visibilityState === 'visible') void refresh();
  }, LIST_REFRESH_MS);
  return () => clearInterval(timer);
}
