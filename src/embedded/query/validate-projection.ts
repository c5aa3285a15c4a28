import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';

/**
 * Rejects projections that mix inclusion and exclusion (other than `_id: 0`) with mongod's codes: 31254 when an
 * exclusion appears in an inclusion projection, 31253 the other way round.
 */
export function validateProjection(projection: Document): void {
  let mode: 'include' | 'exclude' | undefined;
  for (const [field, value] of Object.entries(projection)) {
    if (field === '_id') continue;
    let kind: 'include' | 'exclude' | undefined;
    if (value === 0 || value === false) kind = 'exclude';
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const operator = Object.keys(value)[0];
      // $slice, $elemMatch and $meta neither include nor exclude on their own; other objects are expressions.
      kind = operator === '$slice' || operator === '$elemMatch' || operator === '$meta' ? undefined : 'include';
    } else kind = 'include';
    if (kind === undefined) continue;
    if (mode === undefined) mode = kind;
    else if (mode !== kind) {
      throw kind === 'exclude'
        ? new CommandError('Location31254', `Cannot do exclusion on field ${field} in inclusion projection`)
        : new CommandError('Location31253', `Cannot do inclusion on field ${field} in exclusion projection`);
    }
  }
}
