import { update as mingoUpdate } from 'mingo';
import type { Document } from '../bson/document.js';
import { mingoOptions } from './mingo-options.js';

/** A `$push` whose array does not exist yet, and whose `$sort` / `$slice` must still be applied. */
export interface PushOntoMissing {
  readonly path: string;
  readonly spec: Document;
}

function isPlainObject(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
    && (value as { _bsontype?: unknown })._bsontype === undefined;
}

/** The value at a plain dotted path (numeric segments index arrays); undefined when any step is missing. */
function valueAt(doc: Document, segments: readonly string[]): unknown {
  let value: unknown = doc;
  for (const segment of segments) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)];
    else if (isPlainObject(value)) value = value[segment];
    else return undefined;
  }
  return value;
}

/**
 * The `$push` operands with `$sort` or `$slice` whose target field is missing from `current`. MongoDB creates the
 * array and applies the modifiers (`{ $each: [1, 2, 3], $slice: -2 }` gives `[2, 3]`, on an upsert's insert as on an
 * update); mingo creates the array from `$each` and ignores them, so the engine redoes those after mingo's update
 * (see {@link applyPushesOntoMissing}). Positional paths are left to mingo.
 */
export function pushesOntoMissing(current: Document, push: unknown): PushOntoMissing[] {
  if (!isPlainObject(push)) return [];
  const found: PushOntoMissing[] = [];
  for (const [path, spec] of Object.entries(push)) {
    if (path.includes('$') || !isPlainObject(spec) || !('$each' in spec)) continue;
    if (!('$slice' in spec) && !('$sort' in spec)) continue;
    if (valueAt(current, path.split('.')) === undefined) found.push({ path, spec });
  }
  return found;
}

/** Replaces each array mingo created for a {@link PushOntoMissing} with the one MongoDB builds: `$each` pushed onto []. */
export function applyPushesOntoMissing(next: Document, pushes: readonly PushOntoMissing[]): void {
  for (const { path, spec } of pushes) {
    const segments = path.split('.');
    const parent = valueAt(next, segments.slice(0, -1));
    const leaf = segments[segments.length - 1] as string;
    const built: Document = { array: [] };
    mingoUpdate(built, { $push: { array: spec } }, undefined, undefined, { queryOptions: mingoOptions() });
    if (Array.isArray(parent) && /^\d+$/.test(leaf)) parent[Number(leaf)] = built.array;
    else if (isPlainObject(parent) && leaf in parent) parent[leaf] = built.array;
  }
}
