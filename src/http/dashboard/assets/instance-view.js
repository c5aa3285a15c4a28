// One instance (#/instances/<id>): its status, input, output or failure, timeline and raw history, and the actions
// (raise an event, suspend, resume, retry a stuck one now, terminate, restart, purge). Refreshes while the instance is active.

import { api } from './api.js';
import { ACTIVE, DETAIL_REFRESH_MS } from './constants.js';
import { ask, dialogOpen } from './dialog.js';
import { h, main } from './dom.js';
import { badge, formatBytes, json, time } from './format.js';
import { notify } from './notice.js';
import { showError } from './show-error.js';
import { timeline } from './timeline.js';

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
export function instanceView(instanceId) {
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
          ...(typeof s.version === 'string' ? [h('dt', {}, 'Version'), h('dd', { 'data-field': 'version' }, s.version)] : []),
          h('dt', {}, 'Created'), h('dd', {}, time(s.createdTime)),
          h('dt', {}, 'Last updated'), h('dd', {}, time(s.lastUpdatedTime)),
          ...(typeof s.historyLength === 'number'
            ? [h('dt', {}, 'History'), h('dd', { 'data-field': 'history-size' }, `${s.historyLength} events, ${formatBytes(s.historySizeBytes)}`)]
            : [])),
        actions(status, typeof s.stuckSince === 'string'),
        // Stuck: the code cannot run the history (e.g. after an incompatible deploy); retried with backoff, or now.
        typeof s.stuckSince === 'string'
          ? h('section', { class: 'failure', 'data-field': 'stuck' }, h('h3', {}, 'Stuck since ', time(s.stuckSince)), s.failureDetails ? failureBlock(s.failureDetails) : null)
          : null,
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

  /** @param {string} current @param {boolean} stuck */
  function actions(current, stuck) {
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
      button('Rewind', current === 'Failed', () => reasoned('Rewind', 'rewind', 'rewound: its failed activities run again')),
      button('Retry now', stuck, () => act(async () => {
        await api('POST', `${path}/retry`);
        return 'Retrying now.';
      })),
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
