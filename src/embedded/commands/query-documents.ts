import type { Document } from '../bson/document.js';
import { compileFilter, isExactIdFilter } from '../query/compile-filter.js';
import { mingoQuery, withMingo } from '../query/mingo-options.js';
import { sortDocuments, type SortSpec } from '../query/sort-documents.js';
import { validateProjection } from '../query/validate-projection.js';
import type { CandidateTrace, CollectionStore } from '../storage/collection-store.js';

/** The selection part of find, count, update, delete and findAndModify. */
export interface Selection {
  readonly filter: Document;
  readonly sort?: SortSpec;
  readonly skip?: number;
  /** 0 or undefined: no limit. */
  readonly limit?: number;
}

/** What a traced {@link selectDocuments} did, for explain. Counts add up over calls. */
export interface SelectionTrace extends CandidateTrace {
  /** Candidate documents fetched and tested against the filter. */
  docsExamined: number;
  /** Candidates that matched the filter (before sort, skip and limit). */
  matched: number;
}

/** A trace with every count at zero. */
export function newSelectionTrace(): SelectionTrace {
  return { keysExamined: 0, docsExamined: 0, matched: 0 };
}

/**
 * The stored documents a selection picks, in order. Candidates come from the planner (an index or the `_id` map
 * when possible); each is checked against the whole filter. Without a sort, or when an index gives the candidates
 * in sort order, matching stops at skip + limit.
 *
 * @param trace - when given (explain), receives the plan used and the index entries and documents examined.
 */
export function selectDocuments(store: CollectionStore | undefined, selection: Selection, trace?: SelectionTrace): Document[] {
  const { filter, sort = [], skip = 0, limit = 0 } = selection;
  const matches = isExactIdFilter(filter) ? () => true : compileFilter(filter);
  if (store === undefined) return [];
  // A local trace, so that an ordered plan is known even when the caller does not trace.
  const local: CandidateTrace = trace ?? { keysExamined: 0 };
  const candidates = store.candidates(filter, local, { sort, limit });
  // Candidates already in sort order (an ordered index scan) need no sort, and matching can stop early.
  const ordered = local.plan?.kind === 'index' && local.plan.ordered === true;
  const wanted = (sort.length === 0 || ordered) && limit > 0 ? skip + limit : Number.POSITIVE_INFINITY;
  let selected: Document[] = [];
  let examined = 0;
  for (const doc of candidates) {
    examined++;
    if (!matches(doc)) continue;
    selected.push(doc);
    if (selected.length >= wanted) break;
  }
  if (trace !== undefined) {
    trace.docsExamined += examined;
    trace.matched += selected.length;
  }
  if (!ordered) selected = sortDocuments(selected, sort);
  if (skip > 0 || limit > 0) selected = selected.slice(skip, limit > 0 ? skip + limit : undefined);
  return selected;
}

/** Applies a find projection (inclusion, exclusion, `$slice`, `$elemMatch`, positional) to each document. */
export function projectDocuments(docs: Document[], projection: Document | undefined): Document[] {
  if (projection === undefined || Object.keys(projection).length === 0) return docs;
  validateProjection(projection);
  if (docs.length === 0) return docs;
  return withMingo('invalid projection', () =>
    mingoQuery({}).find<Document>(docs, projection).all(),
  );
}
