import { Long } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import { canonicalKey } from '../bson/canonical-key.js';
import type { Document } from '../bson/document.js';
import { valuesAtPath } from '../query/field-path.js';
import { parseSort } from '../query/sort-documents.js';
import { assertCollectionName } from '../storage/namespace.js';
import { changeStreamGetMore } from './change-stream-command.js';
import { optionalCount, optionalDocument, type CommandContext, type CommandHandler } from './command-context.js';
import { projectDocuments, selectDocuments, type Selection } from './query-documents.js';

function unsupported(command: Document, fields: string[]): void {
  for (const field of fields) {
    if (command[field] !== undefined && command[field] !== false) {
      throw new CommandError('BadValue', `'${field}' is not supported by the embedded engine`);
    }
  }
}

function rejectCollation(command: Document): void {
  const collation = command.collation as Document | undefined;
  if (collation !== undefined && collation !== null && collation.locale !== 'simple') {
    throw new CommandError('BadValue', 'collation is not supported by the embedded engine (only { locale: "simple" })');
  }
}

/** The validated arguments of a `find` command. */
export interface FindArguments {
  readonly collection: string;
  readonly selection: Selection;
  readonly projection: Document | undefined;
  readonly batchSize: number | undefined;
  readonly singleBatch: boolean;
}

/** Validates a `find` command's arguments, answering as mongod does for bad ones (shared with explain). */
export function findArguments(command: Document, context: CommandContext): FindArguments {
  const name = command.find;
  assertCollectionName(context.db, name);
  unsupported(command, ['tailable', 'awaitData', 'returnKey', 'showRecordId', 'min', 'max']);
  rejectCollation(command);
  const rawLimit = optionalCount(command, 'limit') ?? 0;
  const skip = optionalCount(command, 'skip') ?? 0;
  if (skip < 0) throw new CommandError('BadValue', 'skip value must be non-negative');
  // A negative limit is the legacy "single batch of at most |limit|".
  const limit = Math.abs(rawLimit);
  const batchSize = optionalCount(command, 'batchSize');
  if (batchSize !== undefined && batchSize < 0) throw new CommandError('BadValue', 'batchSize value must be non-negative');
  return {
    collection: name,
    selection: { filter: optionalDocument(command, 'filter') ?? {}, sort: parseSort(command.sort), skip, limit },
    projection: optionalDocument(command, 'projection'),
    batchSize,
    singleBatch: command.singleBatch === true || rawLimit < 0,
  };
}

/** `find`: filter, sort, projection, skip, limit, batchSize, singleBatch. */
export const find: CommandHandler = (command, context) => {
  const args = findArguments(command, context);
  const docs = selectDocuments(context.catalog.collection(context.db, args.collection), args.selection);
  const projected = projectDocuments(docs, args.projection);
  const cursor = context.cursors.open(`${context.db}.${args.collection}`, projected, args.batchSize, args.singleBatch);
  return { cursor: { firstBatch: cursor.batch, id: cursor.id, ns: cursor.ns }, ok: 1 };
};

/** `getMore`: the next batch of a cursor. */
export const getMore: CommandHandler = (command, context) => {
  const stream = context.replication?.changeStreams.get(command.getMore);
  if (stream !== undefined) return changeStreamGetMore(stream, command, context);
  const collection = command.collection;
  if (typeof collection !== 'string') throw new CommandError('TypeMismatch', "BSON field 'getMore.collection' is missing or not a string");
  const cursor = context.cursors.next(command.getMore, `${context.db}.${collection}`, optionalCount(command, 'batchSize'));
  return { cursor: { nextBatch: cursor.batch, id: cursor.id, ns: cursor.ns }, ok: 1 };
};

/** `killCursors`. */
export const killCursors: CommandHandler = (command, context) => {
  const ids = command.cursors;
  if (!Array.isArray(ids)) throw new CommandError('TypeMismatch', "BSON field 'killCursors.cursors' must be an array");
  const streams = context.replication?.changeStreams;
  const { killed, notFound } = context.cursors.kill((ids as unknown[]).filter((id) => streams?.get(id) === undefined));
  for (const id of ids as unknown[]) if (streams?.close(id) === true) killed.push(Long.fromString(String(id)));
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

/** The validated arguments of a `count` command. */
export interface CountArguments {
  readonly collection: string;
  readonly query: Document;
  readonly skip: number;
  readonly limit: number;
}

/** Validates a `count` command's arguments (shared with explain). */
export function countArguments(command: Document, context: CommandContext): CountArguments {
  const name = command.count;
  assertCollectionName(context.db, name);
  return {
    collection: name,
    query: optionalDocument(command, 'query') ?? {},
    skip: Math.max(0, optionalCount(command, 'skip') ?? 0),
    limit: Math.abs(optionalCount(command, 'limit') ?? 0),
  };
}

/** `count` (the driver's estimatedDocumentCount and legacy count). */
export const count: CommandHandler = (command, context) => {
  const { collection, query, skip, limit } = countArguments(command, context);
  const store = context.catalog.collection(context.db, collection);
  if (Object.keys(query).length === 0 && store !== undefined) {
    const n = Math.max(0, store.size - skip);
    return { n: limit > 0 ? Math.min(limit, n) : n, ok: 1 };
  }
  return { n: selectDocuments(store, { filter: query, skip, limit }).length, ok: 1 };
};

/** The validated arguments of a `distinct` command. */
export interface DistinctArguments {
  readonly collection: string;
  readonly key: string;
  readonly query: Document;
}

/** Validates a `distinct` command's arguments (shared with explain). */
export function distinctArguments(command: Document, context: CommandContext): DistinctArguments {
  const name = command.distinct;
  assertCollectionName(context.db, name);
  const key = command.key;
  if (typeof key !== 'string' || key.length === 0) throw new CommandError('TypeMismatch', "BSON field 'distinct.key' must be a non-empty string");
  rejectCollation(command);
  return { collection: name, key, query: optionalDocument(command, 'query') ?? {} };
}

/** `distinct`: unique values of a field (array values contribute their elements), over matching documents. */
export const distinct: CommandHandler = (command, context: CommandContext) => {
  const { collection, key, query } = distinctArguments(command, context);
  const docs = selectDocuments(context.catalog.collection(context.db, collection), { filter: query });
  const seen = new Map<string, unknown>();
  for (const doc of docs) {
    for (const value of valuesAtPath(doc, key)) {
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        const canonical = canonicalKey(item);
        if (!seen.has(canonical)) seen.set(canonical, item);
      }
    }
  }
  return { values: [...seen.values()], ok: 1 };
};
