import { ObjectId } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import { compareBson } from '../bson/compare-bson.js';
import { knownDocumentSizeBound } from '../bson/document-size.js';
import type { Document } from '../bson/document.js';
import { applyUpdate, assertDocumentSize, classifyUpdate, validateArrayFilters, withIdFirst } from '../query/apply-update.js';
import type { SortSpec } from '../query/sort-documents.js';
import { upsertSeed } from '../query/upsert-seed.js';
import type { CollectionStore } from '../storage/collection-store.js';
import { assertCollectionName } from '../storage/namespace.js';
import type { CommandContext, CommandHandler } from './command-context.js';
import { selectDocuments } from './query-documents.js';

// type byte + '_id' + NUL + 12 bytes.
const OBJECT_ID_ELEMENT_BYTES = 17;

/** Checks and completes a document about to be inserted: an `_id` (first), a legal `_id` type, the size limit. */
export function prepareInsert(doc: unknown): Document {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new CommandError('TypeMismatch', 'Documents to insert must be objects');
  }
  const addId = (doc as Document)._id === undefined;
  const prepared = withIdFirst(addId ? { _id: new ObjectId(), ...(doc as Document) } : (doc as Document));
  const id = prepared._id;
  if (Array.isArray(id)) throw new CommandError('BadValue', "can't use an array for _id");
  if (id instanceof RegExp || (id as { _bsontype?: string } | null)?._bsontype === 'BSONRegExp') {
    throw new CommandError('BadValue', "can't use a regex for _id");
  }
  // A document decoded from the wire is at most as big as it was sent, plus the ObjectId element added here.
  const wireBound = knownDocumentSizeBound(doc as Document);
  assertDocumentSize(prepared, 'BSONObjectTooLarge', wireBound === undefined ? undefined : wireBound + (addId ? OBJECT_ID_ELEMENT_BYTES : 0));
  return prepared;
}

function operations(command: Document, field: string, name: string): unknown[] {
  const ops = command[field];
  if (!Array.isArray(ops)) throw new CommandError('TypeMismatch', `BSON field '${name}.${field}' is missing or not an array`);
  if (ops.length > 100_000) throw new CommandError('InvalidLength', `Write batch sizes must be between 1 and 100000. Got ${ops.length} operations.`);
  return ops as unknown[];
}

/**
 * Runs each write of a batch, collecting MongoDB's per-write errors; an ordered batch stops at the first error.
 */
function runBatch(ops: unknown[], ordered: boolean, run: (op: unknown, index: number) => void): Document[] {
  const writeErrors: Document[] = [];
  for (let index = 0; index < ops.length; index++) {
    try {
      run(ops[index], index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      writeErrors.push({ index, ...error.toReplyFields() });
      if (ordered) break;
    }
  }
  return writeErrors;
}

function reply(fields: Document, writeErrors: Document[]): Document {
  return writeErrors.length > 0 ? { ...fields, writeErrors, ok: 1 } : { ...fields, ok: 1 };
}

/** `insert`. */
export const insert: CommandHandler = (command, context) => {
  const { store } = context.catalog.ensureCollection(context.db, command.insert);
  const docs = operations(command, 'documents', 'insert');
  const counters = context.server.opCounters;
  let n = 0;
  const writeErrors = runBatch(docs, command.ordered !== false, (doc) => {
    counters.insert++;
    store.insert(prepareInsert(doc));
    n++;
  });
  return reply({ n }, writeErrors);
};

/** The outcome of one update statement. */
export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** The last document written (post-image), or the upserted one. */
  after?: Document;
  /** The matched document before the update. */
  before?: Document;
}

/** One update statement (shared by `update` and `findAndModify`): match, apply, upsert when nothing matched. */
export function updateDocuments(
  store: CollectionStore,
  statement: { q: Document; u: Document | Document[]; multi: boolean; upsert: boolean; arrayFilters?: Document[]; sort?: SortSpec },
): UpdateOutcome {
  const kind = classifyUpdate(statement.u);
  validateArrayFilters(statement.u, statement.arrayFilters);
  if (statement.multi && kind === 'replacement') {
    throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
  }
  const matches = selectDocuments(store, { filter: statement.q, sort: statement.sort, limit: statement.multi ? 0 : 1 });
  const outcome: UpdateOutcome = { matched: matches.length, modified: 0 };
  for (const current of matches) {
    const next = applyUpdate(current, { update: statement.u, kind, filter: statement.q, arrayFilters: statement.arrayFilters });
    outcome.before = current;
    outcome.after = next;
    // mongod does not count (or write) an update that leaves the document as it was.
    if (compareBson(current, next) !== 0) {
      store.replace(current, next, kind === 'replacement' ? 'replace' : 'update');
      outcome.modified++;
    }
  }
  if (matches.length === 0 && statement.upsert) {
    const seed = upsertSeed(statement.q);
    const base = kind === 'replacement' ? (seed._id === undefined ? {} : { _id: seed._id }) : seed;
    const built = applyUpdate(base, { update: statement.u, kind, filter: statement.q, arrayFilters: statement.arrayFilters, inserting: true });
    const doc = prepareInsert(built);
    store.insert(doc);
    outcome.upsertedId = doc._id;
    outcome.after = doc;
  }
  return outcome;
}

function existingCollection(context: CommandContext, name: unknown): CollectionStore | undefined {
  assertCollectionName(context.db, name);
  return context.catalog.collection(context.db, name);
}

function asDocument(value: unknown, what: string): Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CommandError('TypeMismatch', `BSON field '${what}' is the wrong type, expected type 'object'`);
  }
  return value as Document;
}

/** `update`: each statement `{ q, u, upsert, multi, arrayFilters }`. */
export const update: CommandHandler = (command, context: CommandContext) => {
  const statements = operations(command, 'updates', 'update');
  // Like mongod, only an upsert creates a missing collection.
  const upserts = statements.some((s) => (s as Document | null)?.upsert === true);
  const store = upserts
    ? context.catalog.ensureCollection(context.db, command.update).store
    : existingCollection(context, command.update);
  const counters = context.server.opCounters;
  if (store === undefined) {
    counters.update += statements.length;
    return { n: 0, nModified: 0, ok: 1 };
  }
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = runBatch(statements, command.ordered !== false, (raw, index) => {
    counters.update++;
    const statement = asDocument(raw, 'update.updates');
    const u = statement.u;
    const outcome = updateDocuments(store, {
      q: asDocument(statement.q ?? {}, 'update.updates.q'),
      u: Array.isArray(u) ? (u as Document[]) : asDocument(u, 'update.updates.u'),
      multi: statement.multi === true,
      upsert: statement.upsert === true,
      arrayFilters: statement.arrayFilters as Document[] | undefined,
    });
    n += outcome.matched;
    nModified += outcome.modified;
    if (outcome.upsertedId !== undefined) {
      n++;
      upserted.push({ index, _id: outcome.upsertedId });
    }
  });
  return reply(upserted.length > 0 ? { n, nModified, upserted } : { n, nModified }, writeErrors);
};

/** `delete`: each statement `{ q, limit }` with limit 0 (all) or 1. */
export const remove: CommandHandler = (command, context) => {
  const name = command.delete;
  const statements = operations(command, 'deletes', 'delete');
  const store = existingCollection(context, name);
  const counters = context.server.opCounters;
  if (store === undefined) {
    counters.delete += statements.length;
    return { n: 0, ok: 1 };
  }
  let n = 0;
  const writeErrors = runBatch(statements, command.ordered !== false, (raw) => {
    counters.delete++;
    const statement = asDocument(raw, 'delete.deletes');
    const limit = statement.limit;
    if (limit !== 0 && limit !== 1) throw new CommandError('FailedToParse', 'The limit field in delete objects must be 0 or 1. Got ' + String(limit));
    for (const doc of selectDocuments(store, { filter: asDocument(statement.q ?? {}, 'delete.deletes.q'), limit: limit === 1 ? 1 : 0 })) {
      store.remove(doc);
      n++;
    }
  });
  return reply({ n }, writeErrors);
};
