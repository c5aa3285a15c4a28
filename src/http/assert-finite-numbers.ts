import { HttpApiError } from '../core/errors/http-api-error.js';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A node of the walk: a value, and how it was reached (for the path of an error). */
interface Visit {
  readonly value: unknown;
  readonly parent: Visit | undefined;
  readonly key: string | number | undefined;
}

/**
 * Checks that every number in a value fresh from `JSON.parse` is finite. JSON has no spelling for infinity, but a
 * literal too large for a double (`1e400`) parses as `Infinity`: stored, it would no longer be the number sent.
 * The walk uses its own stack, so deeply nested input cannot overflow the call stack.
 * @throws HttpApiError 400 `INVALID_NUMBER` naming the path of the first such number (e.g. `(body).items[2].price`).
 */
export function assertFiniteNumbers(root: unknown): void {
  if (allFinite(root)) return;
  // Found one: walk again, this time keeping the way to each value, to name its path.
  const stack: Visit[] = [{ value: root, parent: undefined, key: undefined }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value } = visit;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw nonFinite(visit);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i] as unknown, parent: visit, key: i });
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i] as [string, unknown];
        stack.push({ value: item, parent: visit, key });
      }
    }
  }
}

/** The fast walk: values only. */
function allFinite(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return false;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value as Record<string, unknown>)) stack.push(item);
    }
  }
  return true;
}

function nonFinite(visit: Visit): HttpApiError {
  const path = pathOf(visit);
  const message = `${path} is a number too large to represent (it would be stored as ${String(visit.value)}); send very large numbers as strings.`;
  return new HttpApiError(400, 'INVALID_NUMBER', `The request body is not accepted: ${message}`, [{ location: 'body', field: path, message: 'not a finite number' }]);
}

function pathOf(visit: Visit): string {
  const segments: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) {
    const key = at.key;
    segments.push(typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(String(key)) ? `.${String(key)}` : `[${JSON.stringify(key)}]`);
  }
  return `(body)${segments.reverse().join('')}`;
}
