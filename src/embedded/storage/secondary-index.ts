/**
 * A secondary index: a B+ tree of `[...keyValues, idKey]` entries in MongoDB key order.
 *
 * @module
 */
import btreeModule from 'sorted-btree';
import { compileFilter, type DocumentPredicate } from '../query/compile-filter.js';
import { boundsAcceptor, fieldIntervals, intervalProduct, isPointInterval, searchKeys, type BoundInterval } from './bound-intervals.js';
import { entryComparator, HIGH_KEY, LOW_KEY, type EntryComparator, type EntryKey } from './entry-comparator.js';
import type { IndexBounds } from './index-bounds.js';
import { indexDependencies } from './index-dependencies.js';
import { analyzeIndexKeys, isSparseMissing, parseKeyPattern, type IndexKeyAnalysis, type KeyPattern } from './index-keys.js';

// Node's ESM loader (and jest's) exposes this CommonJS package's module.exports as the default import,
// so the class is its `default` property; TypeScript models it the same way under NodeNext.
const BTree = btreeModule.default;
type BTreeOf<K, V> = import('sorted-btree').default<K, V>;

/** Work counters a {@link SecondaryIndex.scan} adds to. */
export interface ScanStats {
  /** Index entries read. */
  keysExamined: number;
}

/** The part of an index specification a {@link SecondaryIndex} needs. */
export interface SecondaryIndexSpec {
  readonly name: string;
  readonly key: Record<string, unknown>;
  readonly unique?: boolean;
  readonly sparse?: boolean;
  readonly partialFilterExpression?: Record<string, unknown>;
}

/** Construction options beyond the index specification. */
export interface SecondaryIndexOptions {
  /** Wraps the tree's comparator, e.g. to count comparisons in tests. */
  readonly wrapComparator?: (compare: EntryComparator) => EntryComparator;
}

/** A duplicate found by {@link SecondaryIndex.findDuplicate}, as MongoDB reports it. */
export interface DuplicateKey {
  /** `{ field: value, ... }` for the colliding key. */
  readonly keyValue: Record<string, unknown>;
}

/**
 * Largest number of point combinations over several fields expanded into separate tree ranges; the
 * fields beyond it are checked entry by entry instead. The first field is always expanded.
 */
const MAX_COMBINATIONS = 4096;

/**
 * A MongoDB secondary index (ascending/descending fields, compound, multikey, unique, sparse, partial)
 * mapping index keys to the canonical `_id` keys of the documents holding them.
 */
export class SecondaryIndex {
  readonly #name: string;
  readonly #pattern: KeyPattern;
  readonly #unique: boolean;
  readonly #sparse: boolean;
  readonly #partialFilterExpression: Record<string, unknown> | undefined;
  readonly #partialFilter: DocumentPredicate | undefined;
  readonly #compare: EntryComparator;
  readonly #tree: BTreeOf<EntryKey, string>;
  readonly #multikeyPaths: Set<string>[];
  readonly #dependencies: readonly string[] | undefined;

  /**
   * @param spec - name, key pattern and options of the index.
   * @param options - instrumentation hooks.
   * @throws CommandError `CannotCreateIndex` for an unsupported key pattern.
   */
  constructor(spec: SecondaryIndexSpec, options: SecondaryIndexOptions = {}) {
    this.#name = spec.name;
    this.#pattern = parseKeyPattern(spec.key);
    this.#unique = spec.unique === true;
    this.#sparse = spec.sparse === true;
    this.#partialFilterExpression = spec.partialFilterExpression;
    this.#partialFilter =
      spec.partialFilterExpression === undefined ? undefined : compileFilter(spec.partialFilterExpression);
    const base = entryComparator(this.#pattern.map(([, direction]) => direction));
    this.#compare = options.wrapComparator?.(base) ?? base;
    this.#tree = new BTree<EntryKey, string>(undefined, this.#compare);
    this.#multikeyPaths = this.#pattern.map(() => new Set<string>());
    this.#dependencies = indexDependencies(this.#pattern, spec.partialFilterExpression);
  }

  /** The index name. */
  get name(): string {
    return this.#name;
  }

  /** The parsed key pattern. */
  get keyPattern(): KeyPattern {
    return this.#pattern;
  }

  /** Whether the index rejects two documents sharing a key. */
  get unique(): boolean {
    return this.#unique;
  }

  /** Whether documents missing every indexed field are left out. */
  get sparse(): boolean {
    return this.#sparse;
  }

  /** The filter a document must match to be indexed, if any. */
  get partialFilterExpression(): Readonly<Record<string, unknown>> | undefined {
    return this.#partialFilterExpression;
  }

  /** Number of index entries (a multikey document has one per key). */
  get size(): number {
    return this.#tree.size;
  }

  /** Pattern fields for which some indexed document had an array along the path (never reset but by clear()). */
  get multikeyFields(): ReadonlySet<string> {
    const fields = new Set<string>();
    this.#pattern.forEach(([field], i) => {
      if ((this.#multikeyPaths[i]?.size ?? 0) > 0) fields.add(field);
    });
    return fields;
  }

  /** Per pattern field, the path prefixes at which indexed documents held arrays (MongoDB's multikeyPaths). */
  get multikeyPaths(): ReadonlyArray<ReadonlySet<string>> {
    return this.#multikeyPaths;
  }

  /**
   * The keys `doc` contributes: none when it fails the partial filter or, for a sparse index, lacks every
   * indexed field.
   *
   * @throws ParallelArraysError (code 171) when two indexed fields hold different arrays.
   */
  keysFor(doc: object): unknown[][] {
    return this.#analyze(doc)?.keys ?? [];
  }

  /** Adds the entries of a document. */
  add(idKey: string, doc: object): void {
    this.addAnalyzed(idKey, this.#analyze(doc));
  }

  /**
   * The entries `doc` would have ({@link SecondaryIndex.analyze}), computed once for the unique check and the insert
   * of a write: undefined when the document is left out (partial filter, sparse).
   *
   * @throws ParallelArraysError (code 171) when two indexed fields hold different arrays.
   */
  analyze(doc: object): IndexKeyAnalysis | undefined {
    return this.#analyze(doc);
  }

  /** Adds the entries {@link SecondaryIndex.analyze} found for a document. */
  addAnalyzed(idKey: string, analysis: IndexKeyAnalysis | undefined): void {
    if (analysis === undefined) return;
    analysis.multikeyPaths.forEach((paths, i) => {
      for (const path of paths) this.#multikeyPaths[i]?.add(path);
    });
    for (const key of analysis.keys) this.#tree.set([...key, idKey], idKey);
  }

  /** For a unique index: a key of the analysed document that another document (not `idKey`) already holds. */
  findDuplicateAnalyzed(analysis: IndexKeyAnalysis | undefined, idKey: string): DuplicateKey | undefined {
    if (!this.#unique || analysis === undefined) return undefined;
    for (const key of analysis.keys) {
      for (const [, holder] of this.#entriesBetween([...key, LOW_KEY], [...key, HIGH_KEY])) {
        if (holder !== idKey) return { keyValue: this.#keyValue(key) };
      }
    }
    return undefined;
  }

  /**
   * The top-level fields this index reads (its key paths and partial filter); undefined when it may read any. Stored
   * documents are immutable and updates share unchanged subtrees, so an update that leaves each of these fields the
   * same value (`===`) leaves the document's entries as they were.
   */
  get dependencies(): readonly string[] | undefined {
    return this.#dependencies;
  }

  /** Removes the entries of a document, as it was when added. */
  remove(idKey: string, doc: object): void {
    for (const key of this.keysFor(doc)) this.#tree.delete([...key, idKey]);
  }

  /** Removes every entry and forgets multikey state. */
  clear(): void {
    this.#tree.clear();
    for (const paths of this.#multikeyPaths) paths.clear();
  }

  /**
   * For a unique index: a key of `doc` that another document (not `idKey`) already holds. Missing fields
   * count as `null`, so two documents lacking the field collide unless the index is sparse or partial.
   */
  findDuplicate(doc: object, idKey: string): DuplicateKey | undefined {
    if (!this.#unique) return undefined;
    return this.findDuplicateAnalyzed(this.#analyze(doc), idKey);
  }

  /**
   * The `_id` keys of the documents with an entry inside `bounds`, in index order, each once.
   * Costs O(log n) per expanded point combination plus the entries visited.
   *
   * @param stats - when given, receives the number of index entries read inside the scanned tree ranges
   *   (including entries a non-leading bound or multikey de-duplication then skips), added when the scan
   *   ends or is abandoned.
   * @param direction - 1 for index order, -1 for the reverse (a backward scan).
   */
  *scan(bounds: IndexBounds, stats?: ScanStats, direction: 1 | -1 = 1): Generator<string, void, undefined> {
    const n = this.#pattern.length;
    const fields = bounds.slice(0, n);
    const perField = fields.map((b, i) => fieldIntervals(b, this.#pattern[i]?.[1] ?? 1));
    if (perField.some((intervals) => intervals.length === 0)) return;

    // Expand leading point fields (and one range field after them) into separate tree ranges.
    let expanded = 0;
    let combinations = 1;
    while (expanded < perField.length) {
      const intervals = perField[expanded] as BoundInterval[];
      if (expanded > 0 && combinations * intervals.length > MAX_COMBINATIONS) break;
      combinations *= intervals.length;
      expanded++;
      if (!intervals.every(isPointInterval)) break;
    }
    const filters = fields.slice(expanded).map((b, j) => ({ at: expanded + j, accept: boundsAcceptor(b) }));
    const seen = this.#multikeyPaths.some((p) => p.size > 0) ? new Set<string>() : undefined;

    // Counted in a local and reported once, so that a scan without stats pays nothing for them.
    let examined = 0;
    try {
      // Combinations come in tree order; reversing every list reverses their order.
      const lists = perField.slice(0, expanded).map((intervals) => (direction === 1 ? intervals : [...intervals].reverse()));
      for (const combination of intervalProduct(lists)) {
        const [start, end] = searchKeys(combination, this.#pattern.length + 1);
        const entries = direction === 1 ? this.#entriesBetween(start, end) : this.#entriesBetweenReversed(start, end);
        for (const [key, idKey] of entries) {
          examined++;
          if (!filters.every((f) => f.accept(key[f.at]))) continue;
          if (seen !== undefined) {
            if (seen.has(idKey)) continue;
            seen.add(idKey);
          }
          yield idKey;
        }
      }
    } finally {
      if (stats !== undefined) stats.keysExamined += examined;
    }
  }

  #analyze(doc: object): ReturnType<typeof analyzeIndexKeys> | undefined {
    if (this.#partialFilter !== undefined && !this.#partialFilter(doc as Record<string, unknown>)) return undefined;
    if (this.#sparse && isSparseMissing(doc, this.#pattern)) return undefined;
    return analyzeIndexKeys(doc, this.#pattern);
  }

  #keyValue(key: readonly unknown[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.#pattern.forEach(([field], i) => {
      out[field] = key[i];
    });
    return out;
  }

  *#entriesBetween(start: EntryKey, end: EntryKey): Generator<[EntryKey, string], void, undefined> {
    for (const entry of this.#tree.entries(start)) {
      if (this.#compare(entry[0], end) > 0) return;
      yield entry;
    }
  }

  *#entriesBetweenReversed(start: EntryKey, end: EntryKey): Generator<[EntryKey, string], void, undefined> {
    for (const entry of this.#tree.entriesReversed(end)) {
      if (this.#compare(entry[0], start) < 0) return;
      yield entry;
    }
  }
}
