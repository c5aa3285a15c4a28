import { UUID } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import { ParallelArraysError } from '../../core/errors/parallel-arrays-error.js';
import { canonicalKey } from '../bson/canonical-key.js';
import type { Document } from '../bson/document.js';
import type { JournalOp } from '../persistence/journal-op.js';
import { duplicateKeyError } from './duplicate-key-error.js';
import type { IndexKeyAnalysis } from './index-keys.js';
import { describeIndex, type IndexSpec } from './index-spec.js';
import { planQuery, type PlanOptions, type QueryPlan } from './query-planner.js';
import { SecondaryIndex, type ScanStats } from './secondary-index.js';
import type { ReplaceKind, StoreChange } from './store-change.js';

/**
 * Receives every durable change made to a collection, in the order it is made: the journal op, and for a change of
 * data or namespace the change as change streams report it.
 */
export type ChangeRecorder = (op: JournalOp, change?: StoreChange) => void;

/** What {@link CollectionStore.candidates} reports when asked: the plan it chose and the index entries it read. */
export interface CandidateTrace extends ScanStats {
  plan?: QueryPlan;
}

/** The `_id` index every collection has; it is the document map itself, not a {@link SecondaryIndex}. */
const ID_INDEX: IndexSpec = { name: '_id_', key: { _id: 1 } };

/**
 * One collection: its documents keyed by canonical `_id`, and its secondary indexes.
 *
 * Stored documents are immutable: a change replaces the whole document object. That makes every single-document
 * write atomic (a reader sees the old object or the new one), lets cursors keep references without copying, and
 * lets a journal record the post-image as is.
 */
export class CollectionStore {
  readonly uuid: UUID;
  #docs = new Map<string, Document>();
  #indexes = new Map<string, { spec: IndexSpec; index: SecondaryIndex }>();
  readonly #record: ChangeRecorder;

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document,
    record: ChangeRecorder,
    uuid: UUID = new UUID(),
  ) {
    this.#record = record;
    this.uuid = uuid;
  }

  /** `db.collection`, as used in error messages and cursor namespaces. */
  get namespace(): string {
    return `${this.db}.${this.name}`;
  }

  /** Number of documents. */
  get size(): number {
    return this.#docs.size;
  }

  /** All documents in natural (insertion) order. */
  documents(): IterableIterator<Document> {
    return this.#docs.values();
  }

  /** The document with this `_id`, if any. */
  getById(id: unknown): Document | undefined {
    return this.#docs.get(canonicalKey(id));
  }

  /** How {@link CollectionStore.candidates} finds `filter`'s candidates, without finding them (explain). */
  plan(filter: Document, options?: PlanOptions): QueryPlan {
    return planQuery(filter, this.#secondaryIndexes(), options);
  }

  /**
   * Documents that may match `filter`: a superset of the matches, found through the `_id` map or a secondary index
   * when the filter allows, else every document. The caller applies the full filter to each candidate.
   *
   * @param trace - when given (explain), receives the chosen plan and, as the candidates are iterated, the number
   *   of index entries read.
   * @param options - the sort and limit the caller applies: with both, the plan may be `ordered`, and then the
   *   candidates come in sort order (see {@link planQuery}).
   */
  candidates(filter: Document, trace?: CandidateTrace, options?: PlanOptions): Iterable<Document> {
    const plan = planQuery(filter, this.#secondaryIndexes(), options);
    if (trace !== undefined) trace.plan = plan;
    if (plan.kind === 'scan') return this.#docs.values();
    const docs = this.#docs;
    if (plan.kind === 'idPoints') {
      const seen = new Set<string>();
      const found: Document[] = [];
      for (const id of plan.ids) {
        const key = canonicalKey(id);
        const doc = docs.get(key);
        if (doc !== undefined && !seen.has(key)) {
          seen.add(key);
          found.push(doc);
        }
      }
      // The `_id` map is the `_id_` index: each document found is one entry read.
      if (trace !== undefined) trace.keysExamined += found.length;
      return found;
    }
    const keys = plan.index.scan(plan.bounds, trace, plan.direction ?? 1);
    return (function* lookup() {
      for (const key of keys) {
        const doc = docs.get(key);
        if (doc !== undefined) yield doc;
      }
    })();
  }

  /** Inserts a new document (which must have an `_id`), enforcing every unique index. */
  insert(doc: Document): void {
    const idKey = canonicalKey(doc._id);
    if (this.#docs.has(idKey)) {
      throw duplicateKeyError(this.namespace, '_id_', { _id: 1 }, { _id: doc._id });
    }
    const entries = this.#checkIndexes(doc, idKey, undefined);
    for (const [index, analysis] of entries) index.addAnalyzed(idKey, analysis);
    this.#docs.set(idKey, doc);
    this.#record({ op: 'put', db: this.db, coll: this.name, doc }, { kind: 'insert', db: this.db, coll: this.name, uuid: this.uuid, doc });
  }

  /**
   * Replaces `current` (a stored document) by `next`, which has the same `_id`, enforcing unique indexes.
   *
   * @param kind - how change streams report it: `update` (operators or a pipeline) or `replace` (a whole document).
   */
  replace(current: Document, next: Document, kind: ReplaceKind = 'update'): void {
    const idKey = canonicalKey(current._id);
    const entries = this.#checkIndexes(next, idKey, current);
    for (const [index, analysis] of entries) {
      index.remove(idKey, current);
      index.addAnalyzed(idKey, analysis);
    }
    this.#docs.set(idKey, next);
    this.#record({ op: 'put', db: this.db, coll: this.name, doc: next }, { kind, db: this.db, coll: this.name, uuid: this.uuid, before: current, after: next });
  }

  /** Deletes a stored document. */
  remove(doc: Document): void {
    const idKey = canonicalKey(doc._id);
    if (!this.#docs.has(idKey)) return;
    for (const { index } of this.#indexes.values()) index.remove(idKey, doc);
    this.#docs.delete(idKey);
    this.#record({ op: 'del', db: this.db, coll: this.name, id: doc._id }, { kind: 'delete', db: this.db, coll: this.name, uuid: this.uuid, before: doc });
  }

  /**
   * Creates a secondary index, building it from the current documents. Returns false when an identical index
   * already exists; throws MongoDB's conflict errors when a same-named or same-keyed index differs.
   */
  createIndex(spec: IndexSpec): boolean {
    if (isIdIndex(spec)) return false;
    for (const existing of this.#indexes.values()) {
      const sameName = existing.spec.name === spec.name;
      const sameKey = sameKeyPattern(existing.spec.key, spec.key);
      if (sameName && sameKey && sameOptions(existing.spec, spec)) return false;
      if (sameName) {
        throw new CommandError('IndexKeySpecsConflict', `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(describeIndex(spec))}, existing index: ${JSON.stringify(describeIndex(existing.spec))}`);
      }
      if (sameKey && sameFilter(existing.spec, spec)) {
        throw new CommandError('IndexOptionsConflict', `An equivalent index already exists with a different name and options. Requested index: ${JSON.stringify(describeIndex(spec))}, existing index: ${JSON.stringify(describeIndex(existing.spec))}`);
      }
    }
    const index = new SecondaryIndex(spec);
    for (const [idKey, doc] of this.#docs) {
      if (spec.unique) {
        const duplicate = index.findDuplicate(doc, idKey);
        if (duplicate !== undefined) {
          throw duplicateKeyError(this.namespace, spec.name, spec.key, duplicate.keyValue);
        }
      }
      index.add(idKey, doc);
    }
    this.#indexes.set(spec.name, { spec, index });
    this.#record({ op: 'createIndex', db: this.db, coll: this.name, spec: { ...spec } });
    return true;
  }

  /** Drops a secondary index by name. */
  dropIndex(name: string): void {
    if (name === '_id_') throw new CommandError('InvalidOptions', 'cannot drop _id index');
    if (!this.#indexes.delete(name)) {
      throw new CommandError('IndexNotFound', `index not found with name [${name}]`);
    }
    this.#record({ op: 'dropIndex', db: this.db, coll: this.name, name });
  }

  /** Every index, `_id_` first. */
  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...[...this.#indexes.values()].map((entry) => entry.spec)];
  }

  /** The index with this name, when it is a secondary index. */
  secondaryIndex(name: string): SecondaryIndex | undefined {
    return this.#indexes.get(name)?.index;
  }

  /** Applies a recovered `put` without journaling it again. */
  restorePut(doc: Document): void {
    const idKey = canonicalKey(doc._id);
    const current = this.#docs.get(idKey);
    for (const { index } of this.#indexes.values()) {
      if (current !== undefined) index.remove(idKey, current);
      index.add(idKey, doc);
    }
    this.#docs.set(idKey, doc);
  }

  /** Applies a recovered `del` without journaling it again. */
  restoreDelete(id: unknown): void {
    const idKey = canonicalKey(id);
    const current = this.#docs.get(idKey);
    if (current === undefined) return;
    for (const { index } of this.#indexes.values()) index.remove(idKey, current);
    this.#docs.delete(idKey);
  }

  /** Re-creates a recovered index without journaling it again. */
  restoreIndex(spec: IndexSpec): void {
    const index = new SecondaryIndex(spec);
    for (const [idKey, doc] of this.#docs) index.add(idKey, doc);
    this.#indexes.set(spec.name, { spec, index });
  }

  /** Restores a recovered index drop. */
  restoreDropIndex(name: string): void {
    this.#indexes.delete(name);
  }

  #secondaryIndexes(): SecondaryIndex[] {
    const result: SecondaryIndex[] = [];
    for (const { index } of this.#indexes.values()) result.push(index);
    return result;
  }

  /**
   * Computes `doc`'s entries in every index whose entries it changes, and runs every check before any index changes,
   * so that a failed write leaves no half-updated index behind. With `previous` (an update), an index whose fields
   * kept their values is skipped: same entries, and no new duplicate.
   */
  #checkIndexes(doc: Document, idKey: string, previous: Document | undefined): Array<[SecondaryIndex, IndexKeyAnalysis | undefined]> {
    const entries: Array<[SecondaryIndex, IndexKeyAnalysis | undefined]> = [];
    for (const { spec, index } of this.#indexes.values()) {
      if (previous !== undefined && unchangedFor(index, previous, doc)) continue;
      let analysis;
      try {
        analysis = index.analyze(doc);
      } catch (error) {
        if (error instanceof ParallelArraysError) throw new CommandError('CannotIndexParallelArrays', error.message);
        throw error;
      }
      const duplicate = index.findDuplicateAnalyzed(analysis, idKey);
      if (duplicate !== undefined) throw duplicateKeyError(this.namespace, spec.name, spec.key, duplicate.keyValue);
      entries.push([index, analysis]);
    }
    return entries;
  }
}

function unchangedFor(index: SecondaryIndex, before: Document, after: Document): boolean {
  const fields = index.dependencies;
  if (fields === undefined) return false;
  for (const field of fields) if (before[field] !== after[field]) return false;
  return true;
}

function isIdIndex(spec: IndexSpec): boolean {
  const fields = Object.keys(spec.key);
  return spec.name === '_id_' || (fields.length === 1 && fields[0] === '_id');
}

function sameKeyPattern(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ak = Object.entries(a);
  const bk = Object.entries(b);
  return ak.length === bk.length && ak.every(([field, dir], i) => bk[i]?.[0] === field && bk[i]?.[1] === dir);
}

function sameFilter(a: IndexSpec, b: IndexSpec): boolean {
  return JSON.stringify(a.partialFilterExpression ?? null) === JSON.stringify(b.partialFilterExpression ?? null);
}

function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  return (
    Boolean(a.unique) === Boolean(b.unique) &&
    Boolean(a.sparse) === Boolean(b.sparse) &&
    a.expireAfterSeconds === b.expireAfterSeconds &&
    sameFilter(a, b)
  );
}
