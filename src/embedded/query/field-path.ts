import type { Document } from '../bson/document.js';

/**
 * Every value reachable at a dotted path, traversing arrays as MongoDB does (`a.b` over `{ a: [{ b: 1 }, { b: 2 }] }`
 * yields 1 and 2; a numeric segment also indexes an array). Missing paths yield nothing.
 */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  collect(doc, path.split('.'), 0, out);
  return out;
}

function collect(value: unknown, segments: string[], i: number, out: unknown[]): void {
  if (i === segments.length) {
    out.push(value);
    return;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) return;
  const segment = segments[i] as string;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(segment)) {
      const item = value[Number(segment)] as unknown;
      if (item !== undefined) collect(item, segments, i + 1, out);
    }
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) collect(item, segments, i, out);
    }
    return;
  }
  if ((value as { _bsontype?: unknown })._bsontype !== undefined) return;
  if (!Object.prototype.hasOwnProperty.call(value, segment)) return;
  collect((value as Document)[segment], segments, i + 1, out);
}
