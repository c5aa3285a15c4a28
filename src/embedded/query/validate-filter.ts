import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';

const TOP_LEVEL = new Set(['$and', '$or', '$nor', '$expr', '$comment', '$jsonSchema', '$where', '$alwaysTrue', '$alwaysFalse']);
const FIELD_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$type', '$regex', '$options', '$elemMatch',
  '$size', '$all', '$mod', '$not', '$bitsAllSet', '$bitsAnySet', '$bitsAllClear', '$bitsAnyClear', '$comment',
]);
const UNSUPPORTED = new Set(['$text', '$near', '$nearSphere', '$geoWithin', '$geoIntersects', '$within', '$where']);

function isPlainObject(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) &&
    !(value instanceof RegExp) && (value as { _bsontype?: unknown })._bsontype === undefined;
}

/**
 * Checks a query filter the way mongod's parser does before mingo sees it, so malformed filters get MongoDB's
 * BadValue errors (mingo would accept some of them silently or fail with a JavaScript TypeError).
 */
export function validateFilter(filter: Document): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) {
      if (UNSUPPORTED.has(key)) throw new CommandError('BadValue', `${key} is not supported by the embedded engine`);
      if (!TOP_LEVEL.has(key)) {
        throw new CommandError('BadValue', `unknown top level operator: ${key}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.`);
      }
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(value) || value.length === 0) throw new CommandError('BadValue', `${key} argument must be a non-empty array`);
        for (const clause of value as unknown[]) {
          if (!isPlainObject(clause)) throw new CommandError('BadValue', `${key}/$or/$nor entries need to be full objects`);
          validateFilter(clause);
        }
      }
      continue;
    }
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) validateOperators(key, value);
  }
}

function validateOperators(field: string, operators: Document): void {
  for (const [operator, argument] of Object.entries(operators)) {
    if (UNSUPPORTED.has(operator)) throw new CommandError('BadValue', `${operator} is not supported by the embedded engine`);
    if (!FIELD_OPERATORS.has(operator)) throw new CommandError('BadValue', `unknown operator: ${operator}`);
    switch (operator) {
      case '$in':
      case '$nin':
      case '$all':
        if (!Array.isArray(argument)) throw new CommandError('BadValue', `${operator} needs an array`);
        break;
      case '$size':
        if (typeof argument !== 'number') throw new CommandError('BadValue', `$size needs a number`);
        break;
      case '$mod':
        if (!Array.isArray(argument) || argument.length !== 2 || !argument.every((n) => typeof n === 'number')) {
          throw new CommandError('BadValue', 'malformed mod, needs to be an array of two numbers');
        }
        if (argument[0] === 0) throw new CommandError('BadValue', 'divisor cannot be 0');
        break;
      case '$elemMatch':
        if (!isPlainObject(argument)) throw new CommandError('BadValue', '$elemMatch needs an Object');
        break;
      case '$not':
        if (argument instanceof RegExp || (argument as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp') break;
        if (!isPlainObject(argument) || Object.keys(argument).length === 0) throw new CommandError('BadValue', '$not needs a regex or a document');
        validateOperators(field, argument);
        break;
      case '$options':
        if (!('$regex' in operators)) throw new CommandError('BadValue', '$options needs a $regex');
        break;
      default:
        break;
    }
  }
}
