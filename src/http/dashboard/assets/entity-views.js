// The entities: the list with a state preview and paging (#/entities) and one entity's state with a signal action
// (#/entities/<name>/<key>).

import { api } from './api.js';
import { LIST_REFRESH_MS, PAGE_SIZE } from './constants.js';
import { ask, dialogOpen } from './dialog.js';
import { h, main } from './dom.js';
import { json, preview, time } from './format.js';
import { notify } from './notice.js';
import { showError } from './show-error.js';

const entityState = { name: '', tokens: [undefined], page: 0, /** @type {string | undefined} */ next: undefined };

/** The key in a URL: `$` addresses the empty key. @param {string} key */
function keySegment(key) {
  return key === '' ? '$' : encodeURIComponent(key);
}

export function entitiesView() {
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
export function entityView(name, key) {
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
