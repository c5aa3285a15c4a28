import { InvalidHistoryError } from '../core/errors/invalid-history-error.js';
import { DATE_FIELDS, requiredDateFields } from './history-event-traits.js';
import { HistoryEventType, type HistoryEvent } from './history-event.js';

// Both tables derive from the types: HistoryEventType's values, and each type's date fields (HISTORY_EVENT_TRAITS).
// DATE_FIELDS are revived at any depth (continue-as-new carries events along); optional ones when present.
const TYPES: ReadonlySet<string> = new Set<string>(Object.values(HistoryEventType));
const isType = (type: string): type is HistoryEventType => TYPES.has(type);

/**
 * Reads a history exported as JSON — `JSON.stringify(await client.getHistory(id))`, or the admin API's
 * `GET /instances/:id/history` — back into history events, with their dates as `Date`s: what `replayHistory` takes.
 * Payloads stay as they were stored (encoded strings), so user data is never read as dates.
 *
 * @param json - The JSON text, or the already parsed array.
 * @throws InvalidHistoryError naming the first event (and field) that is not a history event.
 *
 * @example
 * ```ts
 * const history = parseHistory(await readFile('test/histories/approval-escalated.json', 'utf8'));
 * await replayHistory(ApprovalWorkflow, history);   // throws NonDeterminismError if the code changed incompatibly
 * ```
 */
export function parseHistory(json: string | readonly unknown[]): HistoryEvent[] {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new InvalidHistoryError(`not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (!Array.isArray(parsed)) throw new InvalidHistoryError(`expected an array of events, got ${describe(parsed)}`);
  return parsed.map((event, index) => reviveEvent(event, index));
}

function reviveEvent(value: unknown, index: number): HistoryEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidHistoryError(`event ${index} is ${describe(value)}, not an event object`, index);
  const event = value as Record<string, unknown>;
  const type = event['type'];
  if (typeof type !== 'string' || !isType(type)) throw new InvalidHistoryError(`event ${index} has an unknown type ${describe(type)}`, index);
  if (!Number.isInteger(event['eventId'])) throw new InvalidHistoryError(`event ${index} (${type}) has no integer 'eventId' (got ${describe(event['eventId'])})`, index);
  const revived = reviveDates(event, `event ${index} (${type})`, index) as Record<string, unknown>;
  for (const field of ['timestamp', ...requiredDateFields(type)]) {
    if (!(revived[field] instanceof Date)) throw new InvalidHistoryError(`event ${index} (${type}) has no valid '${field}' date (got ${describe(event[field])})`, index);
  }
  return revived as unknown as HistoryEvent;
}

function reviveDates(value: unknown, where: string, index: number): unknown {
  if (Array.isArray(value)) return value.map((item) => reviveDates(item, where, index));
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (DATE_FIELDS.has(key) && field !== undefined && field !== null) {
      const date = field instanceof Date ? field : typeof field === 'string' ? new Date(field) : undefined;
      if (date === undefined || Number.isNaN(date.getTime())) throw new InvalidHistoryError(`${where} has no valid '${key}' date (got ${describe(field)})`, index);
      out[key] = date;
    } else {
      out[key] = reviveDates(field, where, index);
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
