import { valuesAtPath } from '../query/field-path.js';
import type { Catalog } from './catalog.js';

/**
 * One pass of MongoDB's TTL monitor: deletes documents whose TTL-indexed date (the earliest, for an array of dates)
 * is older than `expireAfterSeconds`. Candidates come from the TTL index itself, so a pass costs O(expired).
 * Returns the number of documents deleted.
 */
export function expireDocuments(catalog: Catalog, now: Date): number {
  let deleted = 0;
  for (const store of [...catalog.allCollections()]) {
    for (const spec of store.indexSpecs()) {
      if (spec.expireAfterSeconds === undefined) continue;
      const field = Object.keys(spec.key)[0] as string;
      const cutoff = new Date(now.getTime() - spec.expireAfterSeconds * 1000);
      const expired = [];
      for (const doc of store.candidates({ [field]: { $lte: cutoff } })) {
        const dates = valuesAtPath(doc, field)
          .flatMap((value) => (Array.isArray(value) ? (value as unknown[]) : [value]))
          .filter((value): value is Date => value instanceof Date);
        if (dates.length > 0 && Math.min(...dates.map((date) => date.getTime())) <= cutoff.getTime()) expired.push(doc);
      }
      for (const doc of expired) store.remove(doc);
      deleted += expired.length;
    }
  }
  return deleted;
}
