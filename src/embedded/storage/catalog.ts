import type { UUID } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import type { JournalOp } from '../persistence/journal-op.js';
import { CollectionStore, type ChangeRecorder } from './collection-store.js';
import type { IndexSpec } from './index-spec.js';
import { assertCollectionName, assertDatabaseName } from './namespace.js';

/**
 * Every database and collection of one engine. All changes flow through here (or through the stores it hands out)
 * and are reported to the change recorder, which a persistent engine connects to its journal.
 */
export class Catalog {
  #databases = new Map<string, Map<string, CollectionStore>>();
  readonly #record: ChangeRecorder;

  constructor(record: ChangeRecorder = () => undefined) {
    this.#record = record;
  }

  /** The collection, or undefined when it does not exist. */
  collection(db: string, name: string): CollectionStore | undefined {
    return this.#databases.get(db)?.get(name);
  }

  /** The collection, created (with validation of both names) if it does not exist yet. */
  ensureCollection(db: string, name: unknown): { store: CollectionStore; created: boolean } {
    assertDatabaseName(db);
    assertCollectionName(db, name);
    const existing = this.collection(db, name);
    if (existing !== undefined) return { store: existing, created: false };
    return { store: this.#create(db, name, {}, true), created: true };
  }

  /** Explicit `create`: fails with NamespaceExists when the collection is already there. */
  createCollection(db: string, name: unknown, options: Document): CollectionStore {
    assertDatabaseName(db);
    assertCollectionName(db, name);
    if (this.collection(db, name) !== undefined) {
      throw new CommandError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    }
    return this.#create(db, name, options, true);
  }

  /** Drops a collection; returns whether it existed. */
  dropCollection(db: string, name: string): boolean {
    const collections = this.#databases.get(db);
    const store = collections?.get(name);
    if (collections === undefined || store === undefined) return false;
    collections.delete(name);
    if (collections.size === 0) this.#databases.delete(db);
    this.#record({ op: 'dropCollection', db, coll: name }, { kind: 'drop', db, coll: name, uuid: store.uuid });
    return true;
  }

  /** Drops a database and all its collections (each reported as dropped first, as mongod's oplog does). */
  dropDatabase(db: string): void {
    const collections = this.#databases.get(db);
    if (collections === undefined) return;
    for (const store of [...collections.values()]) {
      collections.delete(store.name);
      this.#record({ op: 'dropCollection', db, coll: store.name }, { kind: 'drop', db, coll: store.name, uuid: store.uuid });
    }
    this.#databases.delete(db);
    this.#record({ op: 'dropDatabase', db }, { kind: 'dropDatabase', db });
  }

  /**
   * Renames a collection, keeping its documents, indexes and UUID (`renameCollection`). A target that exists is
   * dropped first when `dropTarget`, else the rename fails with NamespaceExists.
   */
  renameCollection(db: string, name: string, toDb: string, toName: unknown, dropTarget: boolean): void {
    assertDatabaseName(toDb);
    assertCollectionName(toDb, toName);
    const source = this.collection(db, name);
    if (source === undefined) throw new CommandError('NamespaceNotFound', `Source collection ${db}.${name} does not exist`);
    if (db === toDb && name === toName) throw new CommandError('IllegalOperation', "Can't rename a collection to itself");
    if (this.collection(toDb, toName) !== undefined) {
      if (!dropTarget) throw new CommandError('NamespaceExists', `Collection ${toDb}.${toName} already exists`);
      this.dropCollection(toDb, toName);
    }
    this.#move(db, name, toDb, toName);
    this.#record({ op: 'renameCollection', db, coll: name, toDb, toColl: toName }, { kind: 'rename', db, coll: name, uuid: source.uuid, toDb, toColl: toName });
  }

  /** Names of databases that hold at least one collection. */
  databaseNames(): string[] {
    return [...this.#databases.keys()];
  }

  /** The collections of a database. */
  collections(db: string): CollectionStore[] {
    return [...(this.#databases.get(db)?.values() ?? [])];
  }

  /** Every collection of every database. */
  *allCollections(): Iterable<CollectionStore> {
    for (const collections of this.#databases.values()) yield* collections.values();
  }

  /** Applies one recovered journal operation (no re-journaling, no validation: it was valid when written). */
  restore(op: JournalOp): void {
    switch (op.op) {
      case 'put':
        this.#restoreCollection(op.db, op.coll).restorePut(op.doc);
        break;
      case 'del':
        this.collection(op.db, op.coll)?.restoreDelete(op.id);
        break;
      case 'createCollection':
        this.#restoreCollection(op.db, op.coll, op.options);
        break;
      case 'dropCollection': {
        const collections = this.#databases.get(op.db);
        collections?.delete(op.coll);
        if (collections?.size === 0) this.#databases.delete(op.db);
        break;
      }
      case 'createIndex':
        this.#restoreCollection(op.db, op.coll).restoreIndex(op.spec as unknown as IndexSpec);
        break;
      case 'dropIndex':
        this.collection(op.db, op.coll)?.restoreDropIndex(op.name);
        break;
      case 'dropDatabase':
        this.#databases.delete(op.db);
        break;
      case 'renameCollection':
        if (this.collection(op.db, op.coll) !== undefined) {
          const target = this.#databases.get(op.toDb);
          target?.delete(op.toColl);
          if (target?.size === 0) this.#databases.delete(op.toDb);
          this.#move(op.db, op.coll, op.toDb, op.toColl);
        }
        break;
      case 'oplog':
        break;
    }
  }

  /** Moves a collection's documents and indexes to a new name (without journaling). */
  #move(db: string, name: string, toDb: string, toName: string): void {
    const source = this.collection(db, name) as CollectionStore;
    const collections = this.#databases.get(db) as Map<string, CollectionStore>;
    collections.delete(name);
    if (collections.size === 0) this.#databases.delete(db);
    const target = this.#create(toDb, toName, source.options, false, source.uuid);
    for (const spec of source.indexSpecs().slice(1)) target.restoreIndex(spec);
    for (const doc of source.documents()) target.restorePut(doc);
  }

  /** The whole state as journal operations, for a snapshot: collections, then their indexes, then documents. */
  *snapshot(): Iterable<JournalOp> {
    for (const store of this.allCollections()) {
      yield { op: 'createCollection', db: store.db, coll: store.name, options: store.options };
      for (const spec of store.indexSpecs().slice(1)) {
        yield { op: 'createIndex', db: store.db, coll: store.name, spec: { ...spec } };
      }
      for (const doc of store.documents()) yield { op: 'put', db: store.db, coll: store.name, doc };
    }
  }

  #restoreCollection(db: string, name: string, options: Document = {}): CollectionStore {
    return this.collection(db, name) ?? this.#create(db, name, options, false);
  }

  #create(db: string, name: string, options: Document, record: boolean, uuid?: UUID): CollectionStore {
    let collections = this.#databases.get(db);
    if (collections === undefined) {
      collections = new Map();
      this.#databases.set(db, collections);
    }
    const store = new CollectionStore(db, name, options, this.#record, uuid);
    collections.set(name, store);
    if (record) this.#record({ op: 'createCollection', db, coll: name, options });
    return store;
  }
}
