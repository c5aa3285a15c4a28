// The Durably dashboard: a single page that talks only to the admin HTTP API (docs/http-api.md).
// Every value that comes from the API (instance IDs, names, inputs, outputs, states, error messages) is untrusted: it
// reaches the page only as text nodes (`append(string)`, `textContent`) or attribute values (`setAttribute`), never as
// HTML. The page's Content-Security-Policy forbids inline script, so an injected `<script>` or handler could not run
// anyway.

const API_BASE = document.querySelector('meta[name="durably-api-base"]')?.getAttribute('content') ?? '';
const STATUSES = ['Pending', 'Running', 'Suspended', 'Completed', 'Failed', 'Terminated', 'Canceled', 'ContinuedAsNew'];
const ACTIVE = new Set(['Pending', 'Running', 'Suspended', 'ContinuedAsNew']);
const TOKEN_KEY = 'durably.dashboard.token';
// A Durable Functions key, for an admin router secured with `keys`: sent as the x-functions-key header, never in a URL.
const FUNCTION_KEY_KEY = 'durably.dashboard.key';
const PAGE_SIZE = 25;
const COUNT_PAGE_SIZE = 1000;
const COUNT_MAX_PAGES = 5;
const LIST_REFRESH_MS = 5000;
const DETAIL_REFRESH_MS = 2000;

// ---------------------------------------------------------------------------------------------------------------------
// DOM helpers: strings always become text nodes.

/**
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node | string | number | null | undefined | false | Array<Node | string | null | undefined | false>)} children
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === 'class') element.className = String(value);
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
  return element;
}

/** @param {unknown} value */
function json(value) {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, null, 2);
}

/** @param {unknown} value @param {number} max */
function preview(value, max = 120) {
  const text = value === undefined ? '' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** @param {string | undefined | null} iso */
function time(iso) {
  if (typeof iso !== 'string') return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  return h('time', { datetime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : date.toLocaleString());
}

/** @param {string} status */
function badge(status) {
  return h('span', { class: `badge s-${STATUSES.includes(status) ? status : 'unknown'}` }, status);
}

/** @param {number} ms */
function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));

/** @param {string | Node} message @param {'info' | 'error'} [kind] */
function notify(message, kind = 'info') {
  notice.className = kind;
  notice.replaceChildren(message);
}

function clearNotice() {
  notice.className = '';
  notice.replaceChildren();
}

// ---------------------------------------------------------------------------------------------------------------------
// The admin API.

class ApiError extends Error {
  /** @param {number} status @param {{ error?: string, message?: string } | null} body */
  constructor(status, body) {
    super(body?.message ?? `The admin API answered ${status}.`);
    this.status = status;
    this.code = body?.error ?? `HTTP_${status}`;
  }
}

/**
 * @param {string} method
 * @param {string} path - relative to the API base; path segments already encoded
 * @param {{ query?: Record<string, string | undefined>, body?: string, headers?: Record<string, string>, ok?: number[] }} [init]
 * @returns {Promise<{ status: number, headers: Headers, body: any }>}
 */
async function api(method, path, init = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(init.query ?? {})) if (value !== undefined && value !== '') query.set(key, value);
  const url = `${API_BASE}${path}${query.size > 0 ? `?${query}` : ''}`;
  const headers = { accept: 'application/json', ...(init.headers ?? {}) };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  const key = sessionStorage.getItem(FUNCTION_KEY_KEY);
  if (key) headers['x-functions-key'] = key;
  const response = await fetch(url, { method, headers, body: init.body, credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  const text = await response.text();
  let body;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  const ok = init.ok ?? [];
  if (!response.ok && !ok.includes(response.status)) throw new ApiError(response.status, body);
  return { status: response.status, headers: response.headers, body };
}

/** Shows an API error; a 401 offers to enter credentials. @param {unknown} error */
function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    notify(h('span', {}, 'The admin API asks for credentials (401). ', h('button', { type: 'button', class: 'secondary', onclick: () => void editCredentials() }, 'Enter credentials')), 'error');
  } else if (error instanceof ApiError && error.status === 403) {
    notify(`Not allowed (403 ${error.code}): ${error.message}`, 'error');
  } else if (error instanceof ApiError) {
    notify(`${error.code}: ${error.message}`, 'error');
  } else {
    notify(`Cannot reach the admin API: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Dialogs: modal, keyboard operable (Esc cancels, focus moves into the dialog and back).

/**
 * @param {{ title: string, message?: string, fields?: Array<{ name: string, label: string, kind?: 'text' | 'json' | 'password' | 'checkbox', value?: string, required?: boolean }>, confirm: string, danger?: boolean }} spec
 * @returns {Promise<Record<string, string | boolean> | null>}
 */
function ask(spec) {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement;
    const errorLine = h('p', { class: 'error-text', role: 'alert' });
    const inputs = (spec.fields ?? []).map((field) => {
      const id = `field-${field.name}`;
      if (field.kind === 'checkbox') {
        const box = h('input', { type: 'checkbox', id, name: field.name });
        return { field, control: box, node: h('label', { for: id, class: 'inline' }, box, field.label) };
      }
      const control = field.kind === 'json'
        ? h('textarea', { id, name: field.name, spellcheck: 'false' })
        : h('input', { id, name: field.name, type: field.kind === 'password' ? 'password' : 'text', autocomplete: 'off', required: field.required === true });
      /** @type {HTMLInputElement} */ (control).value = field.value ?? '';
      return { field, control, node: h('label', { for: id }, field.label, control) };
    });
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const submit = h('button', { type: 'submit', class: spec.danger ? 'danger' : '' }, spec.confirm);
    const form = h('form', { method: 'dialog' },
      h('h2', {}, spec.title),
      spec.message ? h('p', {}, spec.message) : null,
      inputs.map((i) => i.node),
      errorLine,
      h('div', { class: 'buttons' }, cancel, submit));
    const dialog = /** @type {HTMLDialogElement} */ (h('dialog', { 'aria-label': spec.title }, form));
    let result = /** @type {Record<string, string | boolean> | null} */ (null);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      /** @type {Record<string, string | boolean>} */
      const values = {};
      for (const { field, control } of inputs) {
        const input = /** @type {HTMLInputElement} */ (control);
        if (field.kind === 'checkbox') {
          values[field.name] = input.checked;
          continue;
        }
        const value = input.value;
        if (field.required && value.trim() === '') {
          errorLine.textContent = `${field.label} is required.`;
          input.focus();
          return;
        }
        if (field.kind === 'json' && value.trim() !== '') {
          try {
            JSON.parse(value);
          } catch (error) {
            errorLine.textContent = `${field.label} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
            input.focus();
            return;
          }
        }
        values[field.name] = value;
      }
      result = values;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (returnFocus instanceof HTMLElement) returnFocus.focus();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = /** @type {HTMLElement | undefined} */ (inputs[0]?.control);
    (first ?? submit).focus();
  });
}

function dialogOpen() {
  return document.querySelector('dialog[open]') !== null;
}

async function editCredentials() {
  const values = await ask({
    title: 'Credentials',
    message: 'Sent with every admin API request, as headers, and kept in this tab only (never in a URL): a key (x-functions-key header, for an API secured with keys) and a bearer token (Authorization header). Leave a field empty to send none: the browser\'s own credentials are always sent.',
    fields: [
      { name: 'key', label: 'Key', kind: 'password', value: sessionStorage.getItem(FUNCTION_KEY_KEY) ?? '' },
      { name: 'token', label: 'Bearer token', kind: 'password', value: sessionStorage.getItem(TOKEN_KEY) ?? '' },
    ],
    confirm: 'Save',
  });
  if (values === null) return;
  for (const [field, storageKey] of [['key', FUNCTION_KEY_KEY], ['token', TOKEN_KEY]]) {
    const value = String(values[field] ?? '').trim();
    if (value === '') sessionStorage.removeItem(storageKey);
    else sessionStorage.setItem(storageKey, value);
  }
  clearNotice();
  void route();
}

// ---------------------------------------------------------------------------------------------------------------------
// Views. Each returns a function that stops its refresh timer.

/** @type {(() => void) | undefined} */
let stopView;

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

function instancesView() {
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

/**
 * The history view as timeline rows: activities, timers, sub-orchestrations and entity calls as bars from scheduled
 * (created) to completed (fired), events and lifecycle changes as marks at their time.
 * @param {Array<Record<string, any>>} events
 */
function timelineRows(events) {
  return events.map((event) => {
    const at = Date.parse(event.Timestamp);
    switch (event.EventType) {
      case 'TaskCompleted':
      case 'TaskFailed':
        return { kind: 'activity', label: `Activity ${event.FunctionName ?? '?'}`, from: Date.parse(event.ScheduledTime ?? event.Timestamp), to: at, failed: event.EventType === 'TaskFailed', detail: event.Reason };
      case 'SubOrchestrationInstanceCompleted':
      case 'SubOrchestrationInstanceFailed':
        return { kind: 'sub', label: `Sub-orchestration ${event.FunctionName ?? '?'}`, from: Date.parse(event.ScheduledTime ?? event.Timestamp), to: at, failed: event.EventType.endsWith('Failed'), detail: event.Reason };
      case 'TimerFired':
        return { kind: 'timer', label: 'Timer', from: Date.parse(event.ScheduledTime ?? event.Timestamp), to: at, failed: false, detail: `due ${event.FireAt}` };
      case 'EntityOperationCompleted':
      case 'EntityOperationFailed':
        return { kind: 'sub', label: `Entity ${event.InstanceId ?? '?'} ${event.FunctionName ?? '?'}`, from: Date.parse(event.ScheduledTime ?? event.Timestamp), to: at, failed: event.EventType === 'EntityOperationFailed', detail: event.Reason };
      case 'EntityOperationSignaled':
        return { kind: 'event', label: `Signaled ${event.Name} to ${event.InstanceId}`, from: at, to: at, failed: false };
      case 'EventRaised':
        return { kind: 'event', label: `Event ${event.Name}`, from: at, to: at, failed: false };
      case 'EventSent':
        return { kind: 'event', label: `Sent ${event.Name} to ${event.InstanceId}`, from: at, to: at, failed: false };
      case 'ExecutionCompleted':
        return { kind: 'life', label: `Completed (${event.OrchestrationStatus})`, from: at, to: at, failed: event.OrchestrationStatus === 'Failed' };
      case 'ExecutionTerminated':
        return { kind: 'life', label: 'Terminated', from: at, to: at, failed: true, detail: event.Reason };
      default:
        return { kind: 'life', label: String(event.EventType), from: at, to: at, failed: false, detail: event.Reason };
    }
  });
}

/** @param {Array<Record<string, any>>} events @param {boolean} running */
function timeline(events, running) {
  const rows = timelineRows(events);
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No history yet.');
  const start = Math.min(...rows.map((r) => r.from));
  const end = Math.max(...rows.map((r) => r.to), running ? Date.now() : 0);
  const span = Math.max(end - start, 1);
  return h('div', { class: 'timeline', role: 'figure', 'aria-label': 'History timeline' },
    h('ol', {}, rows.map((row) => {
      const bar = h('span', { class: `bar k-${row.kind}${row.failed ? ' failed' : ''}` });
      bar.style.left = `${((row.from - start) / span) * 100}%`;
      bar.style.width = `${((row.to - row.from) / span) * 100}%`;
      const took = row.to > row.from ? ` · ${duration(row.to - row.from)}` : '';
      const text = `${row.label}${took}${row.failed ? ' · failed' : ''}`;
      bar.setAttribute('title', `${text}${row.detail ? ` — ${String(row.detail)}` : ''}`);
      return h('li', { class: `row k-${row.kind}${row.failed ? ' failed' : ''}`, 'data-kind': row.kind },
        h('span', { class: 'label', title: text }, text),
        h('span', { class: 'track' }, bar));
    })),
    h('div', { class: 'axis' }, h('span', {}, new Date(start).toLocaleTimeString()), h('span', {}, `${duration(span)}`), h('span', {}, new Date(end).toLocaleTimeString())));
}

/** A failure, its stack trace and its causes. @param {Record<string, any>} failure */
function failureBlock(failure) {
  const parts = [];
  for (let current = failure, depth = 0; current && depth < 10; current = current.innerFailure, depth++) {
    parts.push(
      h('pre', { 'data-field': depth === 0 ? 'failure' : 'inner-failure' }, `${depth === 0 ? '' : 'Caused by '}${String(current.errorType)}: ${String(current.errorMessage)}`),
      typeof current.stackTrace === 'string' ? h('details', { open: depth === 0 }, h('summary', {}, 'Stack trace'), h('pre', { 'data-field': 'stack' }, current.stackTrace)) : null);
  }
  return h('div', {}, parts);
}

/** @param {string} instanceId */
function instanceView(instanceId) {
  const path = `/instances/${encodeURIComponent(instanceId)}`;
  const body = h('div', {});
  let rawOpen = false;
  /** @type {string | undefined} */
  let status;

  /** @param {string} label @param {unknown} value */
  const block = (label, value) => h('section', {}, h('h3', {}, label), h('pre', { 'data-field': label.toLowerCase().replaceAll(' ', '-') }, json(value)));

  async function refresh() {
    try {
      const result = await api('GET', path, { query: { showHistory: 'true', showHistoryOutput: 'true' }, ok: [404] });
      if (result.status === 404) {
        status = undefined;
        body.replaceChildren(h('p', {}, 'There is no instance with this ID (it may have been purged). ', h('a', { href: '#/instances' }, 'Back to the list')));
        return;
      }
      const s = result.body;
      status = String(s.runtimeStatus);
      const history = Array.isArray(s.historyEvents) ? s.historyEvents : [];
      // The history's ExecutionCompleted carries the failure with its stack trace (the status has no stacks).
      const failure = history.find((e) => e.EventType === 'ExecutionCompleted')?.FailureDetails ?? s.failureDetails;
      const raw = h('details', { open: rawOpen }, h('summary', {}, `Raw history (${history.length} events)`), h('pre', { 'data-field': 'raw-history' }, json(history)));
      raw.addEventListener('toggle', () => { rawOpen = /** @type {HTMLDetailsElement} */ (raw).open; });
      body.replaceChildren(...[
        h('dl', { class: 'facts' },
          h('dt', {}, 'Status'), h('dd', { 'data-field': 'status' }, badge(status)),
          h('dt', {}, 'Orchestrator'), h('dd', {}, String(s.name)),
          h('dt', {}, 'Created'), h('dd', {}, time(s.createdTime)),
          h('dt', {}, 'Last updated'), h('dd', {}, time(s.lastUpdatedTime))),
        actions(status),
        block('Input', s.input),
        s.customStatus !== null ? block('Custom status', s.customStatus) : null,
        status === 'Failed'
          ? h('section', { class: 'failure' }, h('h3', {}, 'Failure'), failure ? failureBlock(failure) : h('pre', { 'data-field': 'failure' }, json(s.output)))
          : block(status === 'Terminated' ? 'Reason' : 'Output', s.output),
        h('h3', {}, 'Timeline'),
        h('div', { class: 'legend', 'aria-hidden': 'true' }, h('span', {}, 'activity'), h('span', { class: 'k-sub' }, 'sub-orchestration'), h('span', { class: 'k-timer' }, 'timer'), h('span', { class: 'k-event' }, 'event'), h('span', { class: 'failed' }, 'failed')),
        timeline(history, ACTIVE.has(status)),
        h('h3', {}, 'History'),
        raw,
      ].filter((node) => node !== null));
    } catch (error) {
      showError(error);
    }
  }

  /** Runs an action, then shows its effect without reloading the page. @param {() => Promise<string | void>} run */
  async function act(run) {
    try {
      const message = await run();
      if (typeof message === 'string') notify(message);
      await refresh();
    } catch (error) {
      showError(error);
    }
  }

  /** @param {string} current */
  function actions(current) {
    const active = ACTIVE.has(current);
    const button = (label, enabled, onclick, danger = false) => h('button', { type: 'button', class: danger ? 'danger' : 'secondary', disabled: !enabled, onclick }, label);
    return h('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' },
      button('Raise event', active, async () => {
        const values = await ask({ title: 'Raise an event', message: `To instance ${instanceId}.`, fields: [{ name: 'event', label: 'Event name', required: true }, { name: 'data', label: 'Data (JSON, optional)', kind: 'json' }], confirm: 'Raise event' });
        if (values === null) return;
        await act(async () => {
          await api('POST', `${path}/raiseEvent/${encodeURIComponent(String(values.event))}`, { headers: { 'content-type': 'application/json' }, body: String(values.data ?? '').trim() || undefined });
          return `Event '${String(values.event)}' raised.`;
        });
      }),
      button('Suspend', current === 'Running' || current === 'Pending', () => reasoned('Suspend', 'suspend', 'suspended')),
      button('Resume', current === 'Suspended', () => reasoned('Resume', 'resume', 'resumed')),
      button('Terminate', active, () => reasoned('Terminate', 'terminate', 'terminated', true), true),
      button('Restart', true, async () => {
        const values = await ask({ title: 'Restart', message: `Start ${instanceId} again with its original input.`, fields: [{ name: 'sameId', label: 'Keep the same instance ID', kind: 'checkbox' }], confirm: 'Restart' });
        if (values === null) return;
        try {
          const result = await api('POST', `${path}/restart`, { query: { restartWithNewInstanceId: values.sameId === true ? 'false' : 'true' } });
          const newId = typeof result.body?.id === 'string' ? result.body.id : instanceId;
          notify(`Restarted as ${newId}.`);
          if (newId === instanceId) await refresh();
          else location.hash = `#/instances/${encodeURIComponent(newId)}`;
        } catch (error) {
          showError(error);
        }
      }),
      button('Purge', !active, async () => {
        const values = await ask({ title: 'Purge', message: `Delete ${instanceId} and its history for good?`, confirm: 'Purge', danger: true });
        if (values === null) return;
        try {
          await api('DELETE', path);
          notify(`Purged ${instanceId}.`);
          location.hash = '#/instances';
        } catch (error) {
          showError(error);
        }
      }, true));
  }

  /** @param {string} title @param {string} verb @param {string} done @param {boolean} [danger] */
  async function reasoned(title, verb, done, danger = false) {
    const values = await ask({ title, message: `${title} instance ${instanceId}?`, fields: [{ name: 'reason', label: 'Reason (optional)' }], confirm: title, danger });
    if (values === null) return;
    await act(async () => {
      await api('POST', `${path}/${verb}`, { query: { reason: String(values.reason ?? '') || undefined } });
      return `Instance ${done}.`;
    });
  }

  main.replaceChildren(
    h('p', {}, h('a', { href: '#/instances' }, '← Instances')),
    h('h2', { 'data-field': 'instance-id' }, instanceId),
    body);
  void refresh();
  const timer = setInterval(() => {
    if (status !== undefined && ACTIVE.has(status) && !dialogOpen() && document.visibilityState === 'visible') void refresh();
  }, DETAIL_REFRESH_MS);
  return () => clearInterval(timer);
}

const entityState = { name: '', tokens: [undefined], page: 0, /** @type {string | undefined} */ next: undefined };

/** The key in a URL: `$` addresses the empty key. @param {string} key */
function keySegment(key) {
  return key === '' ? '$' : encodeURIComponent(key);
}

function entitiesView() {
  const tbody = h('tbody');
  const nameInput = h('input', { type: 'search', name: 'entityName', value: entityState.name });
  nameInput.addEventListener('change', () => {
    entityState.name = /** @type {HTMLInputElement} */ (nameInput).value.trim();
    entityState.tokens = [undefined];
    entityState.page = 0;
    void refresh();
  });
  const prev = h('button', { type: 'button', class: 'secondary', onclick: () => { entityState.page--; void refresh(); } }, '← Previous');
  const next = h('button', { type: 'button', class: 'secondary', onclick: () => {
    entityState.tokens[entityState.page + 1] = entityState.next;
    entityState.page++;
    void refresh();
  } }, 'Next →');

  async function refresh() {
    try {
      const token = entityState.tokens[entityState.page];
      const path = entityState.name === '' ? '/entities' : `/entities/${encodeURIComponent(entityState.name)}`;
      const result = await api('GET', path, { query: { fetchState: 'true', top: String(PAGE_SIZE) }, headers: token ? { 'x-ms-continuation-token': token } : {} });
      entityState.next = result.headers.get('x-ms-continuation-token') ?? undefined;
      const rows = Array.isArray(result.body) ? result.body : [];
      tbody.replaceChildren(...(rows.length === 0
        ? [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No entities with state.'))]
        : rows.map((e) => {
          const name = String(e.entityId?.name);
          const key = String(e.entityId?.key);
          return h('tr', {},
            h('td', {}, name),
            h('td', { class: 'id' }, h('a', { href: `#/entities/${encodeURIComponent(name)}/${keySegment(key)}` }, key === '' ? '(empty key)' : key)),
            h('td', { class: 'optional' }, time(e.lastOperationTime)),
            h('td', { class: 'preview', title: preview(e.state, 2000) }, preview(e.state)));
        })));
      /** @type {HTMLButtonElement} */ (prev).disabled = entityState.page === 0;
      /** @type {HTMLButtonElement} */ (next).disabled = entityState.next === undefined;
    } catch (error) {
      showError(error);
    }
  }

  main.replaceChildren(
    h('h2', {}, 'Entities'),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter entities', onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
      h('label', {}, 'Entity name', nameInput),
      h('button', { type: 'button', class: 'secondary', onclick: () => void refresh() }, 'Refresh')),
    h('div', { class: 'table-wrap' }, h('table', { 'aria-label': 'Entities' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Key'), h('th', { class: 'optional' }, 'Last operation'), h('th', {}, 'State'))),
      tbody)),
    h('div', { class: 'toolbar' }, prev, next));
  void refresh();
  const timer = setInterval(() => {
    if (!dialogOpen() && document.visibilityState === 'visible') void refresh();
  }, LIST_REFRESH_MS);
  return () => clearInterval(timer);
}

/** @param {string} name @param {string} key */
function entityView(name, key) {
  const path = `/entities/${encodeURIComponent(name)}/${keySegment(key)}`;
  const state = h('div', {});

  async function refresh() {
    try {
      const result = await api('GET', path, { ok: [404] });
      state.replaceChildren(result.status === 404
        ? h('p', { class: 'muted', 'data-field': 'state' }, 'This entity has no state (never written, or deleted).')
        : h('pre', { 'data-field': 'state' }, json(result.body)));
    } catch (error) {
      showError(error);
    }
  }

  const signal = h('button', { type: 'button', onclick: async () => {
    const values = await ask({ title: 'Signal an operation', message: `To entity ${name}@${key}.`, fields: [{ name: 'op', label: 'Operation', required: true }, { name: 'input', label: 'Input (JSON, optional)', kind: 'json' }], confirm: 'Signal' });
    if (values === null) return;
    try {
      const input = String(values.input ?? '').trim();
      await api('POST', path, { query: { op: String(values.op) }, ...(input === '' ? {} : { body: input, headers: { 'content-type': 'application/json' } }) });
      notify(`Operation '${String(values.op)}' signaled.`);
      setTimeout(() => void refresh(), 500);
    } catch (error) {
      showError(error);
    }
  } }, 'Signal an operation');

  main.replaceChildren(
    h('p', {}, h('a', { href: '#/entities' }, '← Entities')),
    h('h2', {}, `${name}@${key}`),
    h('div', { class: 'actions' }, signal, h('button', { type: 'button', class: 'secondary', onclick: () => void refresh() }, 'Refresh')),
    h('h3', {}, 'State'),
    state);
  void refresh();
  const timer = setInterval(() => {
    if (!dialogOpen() && document.visibilityState === 'visible') void refresh();
  }, LIST_REFRESH_MS);
  return () => clearInterval(timer);
}

// ---------------------------------------------------------------------------------------------------------------------
// Hash routing: #/instances, #/instances/<id>, #/entities, #/entities/<name>/<key>.

/** @param {string} segment */
function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function route() {
  stopView?.();
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const section = parts[0] === 'entities' ? 'entities' : 'instances';
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.getAttribute('data-nav') === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (section === 'entities' && parts.length >= 3) {
    const key = parts.slice(2).join('/');
    stopView = entityView(decode(parts[1] ?? ''), key === '$' ? '' : decode(key));
  } else if (section === 'entities') {
    stopView = entitiesView();
  } else if (parts.length >= 2 && parts[1] !== '') {
    stopView = instanceView(decode(parts.slice(1).join('/')));
  } else {
    stopView = instancesView();
  }
}

document.getElementById('token-button')?.addEventListener('click', () => void editCredentials());
window.addEventListener('hashchange', () => {
  void route();
  main.focus({ preventScroll: true });
});
void route();
