import { DurableError } from '../core/durable-error.js';

/**
 * The last branch of an exhaustive `switch` over a union (`default: return assertNever(event, 'history event type')`).
 * The compiler accepts the call only where every member of the union was handled: adding a member (a history event
 * type, an action type) makes each such switch that does not handle it fail to compile. At run time it is reached
 * only by data the types do not describe (a hand-edited history, a newer writer), and throws.
 *
 * @param value - The value no case handled (typed `never` where the switch is exhaustive).
 * @param what - What the value is, for the message (e.g. `'history event type'`).
 * @throws DurableError `INTERNAL_ERROR`, always.
 */
export function assertNever(value: never, what: string): never {
  const unknownValue: unknown = value;
  const shown = typeof unknownValue === 'object' && unknownValue !== null && 'type' in unknownValue
    ? (unknownValue as { readonly type: unknown }).type
    : unknownValue;
  throw new DurableError('INTERNAL_ERROR', `Unhandled ${what}: ${describe(shown)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
