/**
 * The `parsedQuery` of an explain reply.
 *
 * @module
 */
import type { Document } from '../bson/document.js';
import { isOperatorObject, isPlainObject } from '../storage/collect-conjuncts.js';

/**
 * The filter in mongod's normalised form: `$and` members flattened, one conjunct per operator, bare values as
 * `$eq`, several conjuncts under one `$and`. Display only: the engine matches with the filter as given.
 */
export function parsedQuery(filter: Document): Document {
  const conjuncts: Document[] = [];
  collectConjuncts(filter, conjuncts);
  if (conjuncts.length === 0) return {};
  return conjuncts.length === 1 ? (conjuncts[0] as Document) : { $and: conjuncts };
}

/** Appends `filter`'s conjuncts to `out` in mongod's display form (see {@link parsedQuery}). */
function collectConjuncts(filter: Document, out: Document[]): void {
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition) && condition.every(isPlainObject)) {
      for (const member of condition) collectConjuncts(member, out);
    } else if (field.startsWith('$') || isRegex(condition) || (isOperatorObject(condition) && '$options' in condition)) {
      out.push({ [field]: condition });
    } else if (isOperatorObject(condition)) {
      for (const [op, value] of Object.entries(condition)) out.push({ [field]: { [op]: value } });
    } else {
      out.push({ [field]: { $eq: condition } });
    }
  }
}

function isRegex(value: unknown): boolean {
  return value instanceof RegExp || (value as { _bsontype?: unknown } | null)?._bsontype === 'BSONRegExp';
}
