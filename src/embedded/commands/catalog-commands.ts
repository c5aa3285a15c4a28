import { calculateObjectSize } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { compileFilter } from '../query/compile-filter.js';
import type { CollectionStore } from '../storage/collection-store.js';
import { describeIndex, parseIndexSpec } from '../storage/index-spec.js';
import { assertCollectionName, assertDatabaseName } from '../storage/namespace.js';
import { optionalCount, optionalDocument, type CommandHandler } from './command-context.js';

function storageSize(store: CollectionStore): number {
  let bytes = 0;
  for (const doc of store.documents()) bytes += calculateObjectSize(doc);
  return bytes;
}

/** `listDatabases` (nameOnly and filter honoured). */
export const listDatabases: CommandHandler = (command, context) => {
  const nameOnly = command.nameOnly === true;
  const matches = compileFilter(optionalDocument(command, 'filter'));
  let totalSize = 0;
  const databases: Document[] = [];
  for (const name of context.catalog.databaseNames()) {
    const sizeOnDisk = nameOnly ? 0 : context.catalog.collections(name).reduce((sum, store) => sum + storageSize(store), 0);
    const entry = nameOnly ? { name } : { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    if (!matches(entry)) continue;
    totalSize += sizeOnDisk;
    databases.push(entry);
  }
  return nameOnly ? { databases, ok: 1 } : { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 };
};

/** `listCollections` (filter, nameOnly, cursor.batchSize). */
export const listCollections: CommandHandler = (command, context) => {
  const matches = compileFilter(optionalDocument(command, 'filter'));
  const nameOnly = command.nameOnly === true;
  const entries = context.catalog.collections(context.db)
    .map((store): Document => nameOnly
      ? { name: store.name, type: 'collection' }
      : {
        name: store.name,
        type: 'collection',
        options: store.options,
        info: { readOnly: false, uuid: store.uuid },
        idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
      })
    .filter((entry) => matches(entry));
  const cursor = context.cursors.open(`${context.db}.$cmd.listCollections`, entries, optionalCount(optionalDocument(command, 'cursor') ?? {}, 'batchSize'));
  return { cursor: { id: cursor.id, ns: cursor.ns, firstBatch: cursor.batch }, ok: 1 };
};

const ACCEPTED_CREATE_OPTIONS = new Set(['create', '$db', 'lsid', '$readPreference', 'writeConcern', 'comment', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', '$clusterTime']);

/** `create`: explicit collection creation (capped, views, validators and time series are not supported). */
export const create: CommandHandler = (command, context) => {
  const options: Document = {};
  for (const [field, value] of Object.entries(command)) {
    if (ACCEPTED_CREATE_OPTIONS.has(field)) continue;
    if (['capped', 'viewOn', 'pipeline', 'timeseries', 'clusteredIndex', 'validator', 'changeStreamPreAndPostImages', 'encryptedFields'].includes(field) && value !== false) {
      throw new CommandError('CommandNotSupported', `create option '${field}' is not supported by the embedded engine`);
    }
    options[field] = value;
  }
  context.catalog.createCollection(context.db, command.create, options);
  return { ok: 1 };
};

/** `drop`: as MongoDB 7.0, dropping a missing collection succeeds. */
export const drop: CommandHandler = (command, context) => {
  const name = command.drop;
  assertCollectionName(context.db, name);
  const store = context.catalog.collection(context.db, name);
  const nIndexesWas = store?.indexSpecs().length;
  context.catalog.dropCollection(context.db, name);
  return store === undefined ? { ok: 1 } : { nIndexesWas, ns: `${context.db}.${name}`, ok: 1 };
};

/** `dropDatabase`. */
export const dropDatabase: CommandHandler = (_command, context) => {
  assertDatabaseName(context.db);
  context.catalog.dropDatabase(context.db);
  return { ok: 1 };
};

/** `createIndexes`: builds each index from the existing documents; identical existing indexes are no-ops. */
export const createIndexes: CommandHandler = (command, context) => {
  const raw = command.indexes;
  if (!Array.isArray(raw) || raw.length === 0) throw new CommandError('BadValue', 'Must specify at least one index to create');
  const specs = (raw as unknown[]).map(parseIndexSpec);
  const { store, created } = context.catalog.ensureCollection(context.db, command.createIndexes);
  const numIndexesBefore = store.indexSpecs().length;
  let added = 0;
  for (const spec of specs) if (store.createIndex(spec)) added++;
  const result: Document = { numIndexesBefore, numIndexesAfter: store.indexSpecs().length, createdCollectionAutomatically: created, ok: 1 };
  if (added === 0) result.note = 'all indexes already exist';
  return result;
};

/** `listIndexes`. */
export const listIndexes: CommandHandler = (command, context) => {
  const name = command.listIndexes;
  assertCollectionName(context.db, name);
  const store = context.catalog.collection(context.db, name);
  if (store === undefined) throw new CommandError('NamespaceNotFound', `ns does not exist: ${context.db}.${name}`);
  const specs = store.indexSpecs().map(describeIndex);
  const cursor = context.cursors.open(`${context.db}.${name}`, specs, optionalCount(optionalDocument(command, 'cursor') ?? {}, 'batchSize'));
  return { cursor: { id: cursor.id, ns: cursor.ns, firstBatch: cursor.batch }, ok: 1 };
};

/** `dropIndexes`: by name, by key pattern, a list of names, or `'*'` for every secondary index. */
export const dropIndexes: CommandHandler = (command, context) => {
  const name = (command.dropIndexes ?? command.deleteIndexes);
  assertCollectionName(context.db, name);
  const store = context.catalog.collection(context.db, name);
  if (store === undefined) throw new CommandError('NamespaceNotFound', `ns not found ${context.db}.${name}`);
  const nIndexesWas = store.indexSpecs().length;
  const target = command.index;
  let names: string[];
  if (target === '*') {
    names = store.indexSpecs().slice(1).map((spec) => spec.name);
  } else if (typeof target === 'string') {
    names = [target];
  } else if (Array.isArray(target)) {
    names = target.map(String);
  } else if (target !== null && typeof target === 'object') {
    const wanted = JSON.stringify(target);
    const spec = store.indexSpecs().find((s) => JSON.stringify(s.key) === wanted);
    if (spec === undefined) throw new CommandError('IndexNotFound', `can't find index with key: ${wanted}`);
    names = [spec.name];
  } else {
    throw new CommandError('TypeMismatch', "BSON field 'dropIndexes.index' must be a string, an array of strings or an object");
  }
  // Check every name first so that a bad name in a list drops nothing.
  for (const indexName of names) {
    if (indexName === '_id_') throw new CommandError('InvalidOptions', 'cannot drop _id index');
    if (store.secondaryIndex(indexName) === undefined) throw new CommandError('IndexNotFound', `index not found with name [${indexName}]`);
  }
  for (const indexName of names) store.dropIndex(indexName);
  return { nIndexesWas, ok: 1 };
};

/** Splits `db.collection` (the collection may contain dots). */
function splitNamespace(value: unknown, field: string): { db: string; coll: string } {
  const dot = typeof value === 'string' ? value.indexOf('.') : -1;
  if (typeof value !== 'string' || dot <= 0 || dot === value.length - 1) {
    throw new CommandError('InvalidNamespace', `Invalid ${field} namespace: ${String(value)}`);
  }
  return { db: value.slice(0, dot), coll: value.slice(dot + 1) };
}

/** `renameCollection: 'db.from', to: 'db.to', dropTarget` (on `admin`), keeping documents and indexes. */
export const renameCollection: CommandHandler = (command, context) => {
  if (context.db !== 'admin') throw new CommandError('Unauthorized', 'renameCollection may only be run against the admin database.');
  const from = splitNamespace(command.renameCollection, 'source');
  const to = splitNamespace(command.to, 'target');
  context.catalog.renameCollection(from.db, from.coll, to.db, to.coll, command.dropTarget === true);
  return { ok: 1 };
};
