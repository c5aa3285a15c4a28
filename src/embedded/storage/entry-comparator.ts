/**
 * The keys of a secondary index's tree and their order.
 *
 * @module
 */
import { compareBson } from '../bson/compare-bson.js';

/** A tree entry key: one value per pattern field, then the document's canonical `_id` key. */
export type EntryKey = readonly unknown[];

/** Orders {@link EntryKey}s. */
export type EntryComparator = (a: EntryKey, b: EntryKey) => number;

/** Search-key sentinel below every value at its position, whatever the field's direction. */
export const LOW_KEY: unknown = Object.freeze({ sentinel: 'low' });
/** Search-key sentinel above every value at its position, whatever the field's direction. */
export const HIGH_KEY: unknown = Object.freeze({ sentinel: 'high' });

/**
 * Orders entry keys field by field in BSON order, each field ascending or descending as `directions` says, then by
 * the `_id` key; {@link LOW_KEY} and {@link HIGH_KEY} sort below and above everything at their position.
 */
export function entryComparator(directions: readonly (1 | -1)[]): EntryComparator {
  const n = directions.length;
  return (a, b) => {
    for (let i = 0; i < n; i++) {
      const x = a[i];
      const y = b[i];
      if (x === LOW_KEY || x === HIGH_KEY || y === LOW_KEY || y === HIGH_KEY) {
        if (x === y) continue;
        return x === LOW_KEY || y === HIGH_KEY ? -1 : 1;
      }
      const c = compareBson(x, y);
      if (c !== 0) return directions[i] === 1 ? c : -c;
    }
    const x = a[n];
    const y = b[n];
    if (x === y) return 0;
    if (x === LOW_KEY || y === HIGH_KEY) return -1;
    if (x === HIGH_KEY || y === LOW_KEY) return 1;
    return (x as string) < (y as string) ? -1 : 1;
  };
}
