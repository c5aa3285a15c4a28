// Formatting of API values for display: JSON (pretty or as a short preview), times, status badges and durations.

import { STATUSES } from './constants.js';
import { h } from './dom.js';

/** @param {unknown} value */
export function json(value) {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, null, 2);
}

/** @param {unknown} value @param {number} max */
export function preview(value, max = 120) {
  const text = value === undefined ? '' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** @param {string | undefined | null} iso */
export function time(iso) {
  if (typeof iso !== 'string') return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  return h('time', { datetime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : date.toLocaleString());
}

/** @param {string} status */
export function badge(status) {
  return h('span', { class: `badge s-${STATUSES.includes(status) ? status : 'unknown'}` }, status);
}

/** @param {number} ms */
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A byte count as `512 B`, `12.3 KiB`, `4.0 MiB`. @param {unknown} bytes */
export function formatBytes(bytes) {
  if (typeof bytes !== 'number') return '? bytes';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
