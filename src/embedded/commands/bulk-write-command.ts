import { Long } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import type { MongoErrorCodeName } from '../../core/errors/mongo-error-codes.js';
import type { Document } from '../bson/document.js';
import { parseSort } from '../query/sort-documents.js';
import { assertCollectionName, assertDatabaseName } from '../storage/namespace.js';
import type { CommandContext, CommandHandler } from './command-context.js';
import { insert, remove, updateDocuments } from './write-commands.js';

// mongod 8.0's `bulkWrite` (src/mongo/db/commands/bulk_write.idl and bulk_write.cpp): the whole command is parsed
// and checked before any operation runs (a malformed one fails the command); each operation then runs as the
// single-statement insert, update or delete it is, and its failure becomes an `ok: 0` entry of the reply's cursor.

const MAX_OPS = 100_000;
const CURSOR_NS = 'admin.$cmd.bulkWrite';

interface Namespace {
  readonly db: string;
  readonly coll: string;
}

type BulkOp =
  | { readonly kind: 'insert'; readonly ns: Namespace; readonly document: Document }
  | {
    readonly kind: 'update';
    readonly ns: Namespace;
    readonly filter: Document;
    readonly updateMods: Document | Document[];
    readonly multi: boolean;
    readonly upsert: boolean;
    readonly arrayFilters?: Document[];
    readonly sort?: Document;
    readonly collation?: Document;
  }
  | { readonly kind: 'delete'; readonly ns: Namespace; readonly filter: Document; readonly multi: boolean; readonly collation?: Document };

type OpKind = BulkOp['kind'];

/** What one successful operation did. */
interface OpResult {
  readonly n: number;
  readonly nModified?: number;
  readonly upsertedId?: unknown;
}

// The fields each kind of operation may carry (mongod's op structs are strict). `sampleId` and
// `$_allowShardKeyUpdatesWithoutFullShardKeyInQuery` are mongos/sharding internals, accepted and ignored.
const OP_FIELDS: Readonly<Record<OpKind, ReadonlySet<string>>> = {
  insert: new Set(['insert', 'document']),
  update: new Set([
    'update', 'filter', 'sort', 'multi', 'updateMods', 'upsert', 'upsertSupplied', 'arrayFilters', 'hint', 'constants',
    'collation', 'sampleId', '$_allowShardKeyUpdatesWithoutFullShardKeyInQuery',
  ]),
  delete: new Set(['delete', 'filter', 'multi', 'hint', 'collation', 'sampleId']),
};
// Accepted by mongod but not by the engine: refused rather than silently ignored.
const UNSUPPORTED_OP_FIELDS: ReadonlySet<string> = new Set(['upsertSupplied', 'constants']);

/** The BSON type name mongod's IDL parser reports for a value of the wrong type. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  if (value instanceof Date) return 'date';
  if (typeof value !== 'object') return typeof value;
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === 'string') return bsonType === 'ObjectId' ? 'objectId' : bsonType.toLowerCase();
  return 'object';
}

function isDocument(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
    && (value as { _bsontype?: unknown })._bsontype === undefined;
}

function wrongType(path: string, value: unknown, expected: string): CommandError {
  return new CommandError('TypeMismatch', `BSON field '${path}' is the wrong type '${typeName(value)}', expected type '${expected}'`);
}

function missing(path: string): CommandError {
  return new CommandError('FailedToParse', `BSON field '${path}' is missing but a required field`);
}

function requiredDocument(source: Document, field: string, path: string): Document {
  const value = source[field];
  if (value === undefined) throw missing(`${path}.${field}`);
  if (!isDocument(value)) throw wrongType(`${path}.${field}`, value, 'object');
  return value;
}

function optionalDocument(source: Document, field: string, path: string): Document | undefined {
  const value = source[field];
  if (value === undefined || value === null) return undefined;
  if (!isDocument(value)) throw wrongType(`${path}.${field}`, value, 'object');
  return value;
}

function optionalBool(source: Document, field: string, path: string, fallback: boolean): boolean {
  const value = source[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw wrongType(`${path}.${field}`, value, 'bool');
  return value;
}

/** `nsInfo`: each entry's `ns` must be a valid `<db>.<collection>`. */
function parseNamespaces(command: Document): Namespace[] {
  const entries = command.nsInfo;
  if (entries === undefined) throw missing('bulkWrite.nsInfo');
  if (!Array.isArray(entries)) throw wrongType('bulkWrite.nsInfo', entries, 'array');
  return (entries as unknown[]).map((entry) => {
    if (!isDocument(entry)) throw wrongType('bulkWrite.nsInfo', entry, 'object');
    const ns = entry.ns;
    if (ns === undefined) throw missing('bulkWrite.nsInfo.ns');
    if (typeof ns !== 'string') throw wrongType('bulkWrite.nsInfo.ns', ns, 'string');
    if (entry.encryptionInformation !== undefined) {
      throw new CommandError('InvalidOptions', 'Queryable Encryption is not supported by the embedded engine');
    }
    const dot = ns.indexOf('.');
    const db = dot < 0 ? ns : ns.slice(0, dot);
    const coll = dot < 0 ? '' : ns.slice(dot + 1);
    try {
      assertDatabaseName(db);
    } catch {
      throw new CommandError('InvalidNamespace', `Invalid namespace specified for bulkWrite: '${ns}'`);
    }
    if (coll.length === 0) throw new CommandError('InvalidNamespace', `Invalid namespace specified for bulkWrite: '${ns}'`);
    return { db, coll };
  });
}

/** The op's `insert` / `update` / `delete` field: a non-negative integer indexing `nsInfo`. */
function namespaceOf(op: Document, kind: OpKind, namespaces: readonly Namespace[]): Namespace {
  const raw = op[kind];
  const index = Long.isLong(raw) ? raw.toNumber() : raw;
  if (typeof index !== 'number') throw wrongType(`bulkWrite.ops.${kind}`, raw, 'int');
  if (!Number.isInteger(index)) throw new CommandError('BadValue', `BSON field 'bulkWrite.ops.${kind}' must be an integer, got ${index}`);
  if (index < 0) throw new CommandError('BadValue', `BSON field '${kind}' value must be >= 0, actual value '${index}'`);
  const ns = namespaces[index];
  if (ns === undefined) {
    throw new CommandError('BadValue', `BulkWrite ops entry { ${kind}: ${index}, ... } has an invalid nsInfo index.`);
  }
  return ns;
}

function parseOp(raw: unknown, namespaces: readonly Namespace[]): BulkOp {
  if (!isDocument(raw)) throw wrongType('bulkWrite.ops', raw, 'object');
  // As mongod's parser does, the first field says what the operation is.
  const kind = Object.keys(raw)[0];
  if (kind !== 'insert' && kind !== 'update' && kind !== 'delete') {
    throw new CommandError('FailedToParse', `BulkWrite ops entry must start with 'insert', 'update' or 'delete', not '${kind ?? ''}'`);
  }
  for (const field of Object.keys(raw)) {
    if (!OP_FIELDS[kind].has(field)) throw new CommandError('Location40415', `BSON field 'bulkWrite.ops.${field}' is an unknown field.`);
    if (UNSUPPORTED_OP_FIELDS.has(field)) {
      throw new CommandError('InvalidOptions', `BSON field 'bulkWrite.ops.${field}' is not supported by the embedded engine`);
    }
  }
  const ns = namespaceOf(raw, kind, namespaces);
  const path = 'bulkWrite.ops';
  if (kind === 'insert') return { kind, ns, document: requiredDocument(raw, 'document', path) };
  const filter = requiredDocument(raw, 'filter', path);
  const multi = optionalBool(raw, 'multi', path, false);
  const collation = optionalDocument(raw, 'collation', path);
  const hint = raw.hint;
  if (hint !== undefined && hint !== null && typeof hint !== 'string' && !isDocument(hint)) throw wrongType(`${path}.hint`, hint, 'object');
  if (kind === 'delete') return { kind, ns, filter, multi, collation };
  const updateMods = raw.updateMods;
  if (updateMods === undefined) throw missing(`${path}.updateMods`);
  if (!isDocument(updateMods) && !Array.isArray(updateMods)) throw wrongType(`${path}.updateMods`, updateMods, 'object');
  const arrayFilters = raw.arrayFilters;
  if (arrayFilters !== undefined && arrayFilters !== null) {
    if (!Array.isArray(arrayFilters)) throw wrongType(`${path}.arrayFilters`, arrayFilters, 'array');
    for (const element of arrayFilters as unknown[]) if (!isDocument(element)) throw wrongType(`${path}.arrayFilters`, element, 'object');
  }
  return {
    kind,
    ns,
    filter,
    updateMods: updateMods as Document | Document[],
    multi,
    upsert: optionalBool(raw, 'upsert', path, false),
    arrayFilters: (arrayFilters ?? undefined) as Document[] | undefined,
    sort: optionalDocument(raw, 'sort', path),
    collation,
  };
}

/** The request, parsed and checked as mongod does before running any operation. */
function parseRequest(command: Document): { ops: BulkOp[]; ordered: boolean; errorsOnly: boolean } {
  const ops = command.ops;
  if (ops === undefined) throw missing('bulkWrite.ops');
  if (!Array.isArray(ops)) throw wrongType('bulkWrite.ops', ops, 'array');
  const ordered = optionalBool(command, 'ordered', 'bulkWrite', true);
  const errorsOnly = optionalBool(command, 'errorsOnly', 'bulkWrite', false);
  const namespaces = parseNamespaces(command);
  if (ops.length === 0 || ops.length > MAX_OPS) {
    throw new CommandError('InvalidLength', `Write batch sizes must be between 1 and ${MAX_OPS}. Got ${ops.length} operations.`);
  }
  return { ops: (ops as unknown[]).map((op) => parseOp(op, namespaces)), ordered, errorsOnly };
}

/** Rethrows the write error a single-statement insert or delete command answered, if any. */
function throwWriteError(reply: Document): void {
  const [error] = (reply.writeErrors as Document[] | undefined) ?? [];
  if (error === undefined) return;
  const details: Document = {};
  for (const [key, value] of Object.entries(error)) {
    if (!['index', 'code', 'codeName', 'errmsg'].includes(key)) details[key] = value;
  }
  throw new CommandError(error.codeName as MongoErrorCodeName, String(error.errmsg), details);
}

function assertSimpleCollation(collation: Document | undefined): void {
  if (collation !== undefined && collation.locale !== 'simple') {
    throw new CommandError('BadValue', 'collation is not supported by the embedded engine (only { locale: "simple" })');
  }
}

/**
 * Runs one operation in its namespace's database, through the same code as the single-statement `insert`, `update`
 * and `delete` commands (so it counts in opcounters and reaches the oplog and change streams as they do).
 */
function runOp(op: BulkOp, context: CommandContext, retryable: boolean): OpResult {
  const { coll } = op.ns;
  if (op.kind === 'insert') {
    const reply = insert({ insert: coll, documents: [op.document] }, context);
    throwWriteError(reply);
    return { n: reply.n as number };
  }
  if (op.multi && retryable) throw new CommandError('InvalidOptions', 'Cannot use retryable writes with multi=true');
  assertSimpleCollation(op.collation);
  if (op.kind === 'delete') {
    const reply = remove({ delete: coll, deletes: [{ q: op.filter, limit: op.multi ? 0 : 1 }] }, context);
    throwWriteError(reply);
    return { n: reply.n as number };
  }
  if (op.sort !== undefined && op.multi) throw new CommandError('InvalidOptions', 'Cannot specify sort with multi=true');
  // As the update command: only an upsert creates a missing collection.
  assertCollectionName(context.db, coll);
  const store = op.upsert ? context.catalog.ensureCollection(context.db, coll).store : context.catalog.collection(context.db, coll);
  context.server.opCounters.update++;
  if (store === undefined) return { n: 0, nModified: 0 };
  const outcome = updateDocuments(store, {
    q: op.filter,
    u: op.updateMods,
    multi: op.multi,
    upsert: op.upsert,
    arrayFilters: op.arrayFilters,
    sort: op.sort === undefined ? undefined : parseSort(op.sort),
  });
  return outcome.upsertedId === undefined
    ? { n: outcome.matched, nModified: outcome.modified }
    : { n: 1, nModified: outcome.modified, upsertedId: outcome.upsertedId };
}

/** The reply's counters; mongod counts an upsert in `nUpserted`, not in `nMatched`. */
interface Summary {
  nErrors: number;
  nInserted: number;
  nMatched: number;
  nModified: number;
  nUpserted: number;
  nDeleted: number;
}

function tally(summary: Summary, kind: OpKind, result: OpResult): void {
  if (kind === 'insert') summary.nInserted += result.n;
  else if (kind === 'delete') summary.nDeleted += result.n;
  else {
    summary.nModified += result.nModified ?? 0;
    if (result.upsertedId === undefined) summary.nMatched += result.n;
    else summary.nUpserted++;
  }
}

// mongod's reply items, field for field: ok, idx, then code, errmsg and the error's extra info, then n, nModified
// (updates) and upserted. There is no codeName in an item.
function successItem(idx: number, kind: OpKind, result: OpResult): Document {
  const item: Document = { ok: 1, idx, n: result.n };
  if (kind === 'update') item.nModified = result.nModified ?? 0;
  if (result.upsertedId !== undefined) item.upserted = { _id: result.upsertedId };
  return item;
}

function errorItem(idx: number, kind: OpKind, error: CommandError): Document {
  const item: Document = { ok: 0, idx, code: error.mongoCode, errmsg: error.message, ...error.details, n: 0 };
  if (kind === 'update') item.nModified = 0;
  return item;
}

/**
 * `bulkWrite` (MongoDB 8.0, what `MongoClient.bulkWrite` sends): inserts, updates and deletes across any number of
 * collections and databases in one command run against `admin`. `ops` entries name their namespace by index into
 * `nsInfo`. Ordered (the default), it stops at the first failed operation; unordered, it runs them all. The reply
 * counts what was done (`nErrors`, `nInserted`, `nMatched`, `nModified`, `nUpserted`, `nDeleted`) and returns one
 * result per operation (only the failures with `errorsOnly`) as the first batch of an exhausted cursor
 * (`admin.$cmd.bulkWrite`, id 0). A malformed request fails as a whole before anything is written.
 */
export const bulkWrite: CommandHandler = (command, context) => {
  if (context.db !== 'admin') throw new CommandError('Unauthorized', 'bulkWrite may only be run against the admin database.');
  const { ops, ordered, errorsOnly } = parseRequest(command);
  // A retryable write (the driver sends a txnNumber only when no operation is multi).
  const retryable = command.txnNumber !== undefined && command.txnNumber !== null;
  const summary: Summary = { nErrors: 0, nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 };
  const firstBatch: Document[] = [];
  for (const [idx, op] of ops.entries()) {
    try {
      const result = runOp(op, { ...context, db: op.ns.db }, retryable);
      tally(summary, op.kind, result);
      if (!errorsOnly) firstBatch.push(successItem(idx, op.kind, result));
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      summary.nErrors++;
      firstBatch.push(errorItem(idx, op.kind, error));
      if (ordered) break;
    }
  }
  return { cursor: { id: Long.ZERO, firstBatch, ns: CURSOR_NS }, ...summary, ok: 1 };
};
