// The history of an instance as a timeline: one row per activity, timer, sub-orchestration, entity call, event or
// lifecycle change, drawn as a bar (or a mark) on a shared time axis.

import { h } from './dom.js';
import { duration } from './format.js';

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
      case 'TaskCancelRequested':
        return { kind: 'activity', label: `Activity ${event.FunctionName ?? '?'} cancelled`, from: Date.parse(event.ScheduledTime ?? event.Timestamp), to: at, failed: false, detail: event.Reason };
      case 'TimerCanceled':
        return { kind: 'timer', label: 'Timer cancelled', from: Date.parse(event.ScheduledTime ?? event.Timestamp), to: at, failed: false };
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
      case 'PatchMarker':
        return { kind: 'life', label: `Patch ${event.Name}${event.Deprecated ? ' (deprecated)' : ''}`, from: at, to: at, failed: false };
      default:
        return { kind: 'life', label: String(event.EventType), from: at, to: at, failed: false, detail: event.Reason };
    }
  });
}

/** @param {Array<Record<string, any>>} events @param {boolean} running */
export function timeline(events, running) {
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
