import type { RuntimeStatus } from '../../ports/instance-store.js';
import { invalid } from '../validate-request.js';

/** Durable Functions' runtime statuses, as accepted by `?runtimeStatus=`. */
export const RUNTIME_STATUSES: readonly RuntimeStatus[] = [
  'Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Canceled', 'Terminated', 'Suspended',
];

/** `true` or `false`, any case (as .NET's `bool.TryParse`). */
export const BOOLEAN_TEXT = /^(?:true|false)$/i;

/** A non-negative number of seconds (`30`, `0.5`). */
export const SECONDS_TEXT = /^\d{1,9}(?:\.\d{1,6})?$/;

/**
 * A name or ID segment: 1–256 characters without control characters. Counted in UTF-16 code units (no `u` flag), as
 * the client, JavaScript's `length` and Durable Functions count them: an ID of 256 astral characters is 512 long.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
export const NAME_TEXT = /^[^\u0000-\u001f\u007f-\u009f]{1,256}$/;

/** Options of class-validator's `IsISO8601`: real calendar dates only. */
export const ISO_DATE_OPTIONS = { strict: true } as const;

export const MESSAGES = {
  boolean: '$property must be true or false',
  seconds: '$property must be a number of seconds, e.g. 30 or 0.5',
  date: '$property must be an ISO 8601 date-time, e.g. 2024-05-01T00:00:00Z (UTC when no offset is given)',
  name: '$property must be 1 to 256 characters, without control characters',
  runtimeStatus: `each $property must be one of ${RUNTIME_STATUSES.join(', ')}`,
} as const;

/** A validated boolean query value; `fallback` when absent. */
export function toBoolean(text: string | undefined, fallback: boolean): boolean {
  return text === undefined ? fallback : text.toLowerCase() === 'true';
}

/**
 * A validated ISO 8601 query value as a Date; a date-time without an offset is read as UTC (not as the server's local
 * time, which would make the same URL mean different instants on different servers).
 * @throws HttpApiError 400 for a form JavaScript cannot represent (week or ordinal dates).
 */
export function toUtcDate(text: string | undefined, field: string): Date | undefined {
  if (text === undefined) return undefined;
  const hasTime = text.includes('T') || text.includes('t');
  const hasOffset = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(text);
  const date = new Date(hasTime && !hasOffset ? `${text}Z` : text);
  if (Number.isNaN(date.getTime())) {
    throw invalid('query', [{ location: 'query', field, message: MESSAGES.date.replace('$property', field) }]);
  }
  return date;
}

/** Validated seconds as milliseconds. */
export function toMilliseconds(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Math.round(Number(text) * 1000);
}
