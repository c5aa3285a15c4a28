/**
 * The plan stages of an explained query, in the shape mongod 7.0's classic engine renders them: access stages (`EOF`,
 * `COLLSCAN`, `IDHACK`, `FETCH` over `IXSCAN`) and the find stages above them (`SORT`, `SKIP`, `LIMIT`, projection).
 *
 * @module
 */
import type { Document } from '../bson/document.js';
import { isExactIdFilter } from '../query/compile-filter.js';
import type { SortSpec } from '../query/sort-documents.js';
import type { CollectionStore } from '../storage/collection-store.js';
import type { FieldBounds } from '../storage/index-bounds.js';
import type { QueryPlan } from '../storage/query-planner.js';
import type { SecondaryIndex } from '../storage/secondary-index.js';
import { formatFieldBounds } from './format-index-bounds.js';
import { parsedQuery } from './parsed-query.js';
import type { Selection, SelectionTrace } from './query-documents.js';

/** A plan stage: its plan fields, the statistics it gathered (rendered only when executed) and its input. */
export interface ExplainStage {
  readonly fields: Document;
  readonly stats: Document;
  readonly input?: ExplainStage;
  /** On an access stage: the plan it renders. */
  readonly plan?: QueryPlan;
}

/** The stages that find documents: `EOF`, `COLLSCAN`, `IDHACK`, or `FETCH` over an `IXSCAN`. */
export function accessStage(store: CollectionStore | undefined, filter: Document, plan: QueryPlan | undefined, trace: SelectionTrace): ExplainStage {
  const filterField = Object.keys(filter).length > 0 ? { filter: parsedQuery(filter) } : {};
  if (store === undefined || plan === undefined) return { fields: { stage: 'EOF' }, stats: { nReturned: 0 } };
  const { matched, docsExamined, keysExamined } = trace;
  if (plan.kind === 'scan') {
    return { fields: { stage: 'COLLSCAN', ...filterField, direction: 'forward' }, stats: { nReturned: matched, docsExamined } };
  }
  if (plan.kind === 'idPoints' && plan.ids.length === 1 && isExactIdFilter(filter)) {
    return { fields: { stage: 'IDHACK' }, stats: { nReturned: matched, keysExamined, docsExamined } };
  }
  const ixscan: ExplainStage = {
    fields: plan.kind === 'idPoints' ? idIndexScan(plan.ids) : indexScan(plan.index, plan.bounds, plan.direction ?? 1),
    stats: { nReturned: docsExamined, keysExamined },
  };
  return { fields: { stage: 'FETCH', ...filterField }, stats: { nReturned: matched, docsExamined }, input: ixscan, plan };
}

function idIndexScan(ids: readonly unknown[]): Document {
  return {
    stage: 'IXSCAN',
    keyPattern: { _id: 1 },
    indexName: '_id_',
    isMultiKey: false,
    multiKeyPaths: { _id: [] },
    isUnique: true,
    isSparse: false,
    isPartial: false,
    indexVersion: 2,
    direction: 'forward',
    indexBounds: { _id: formatFieldBounds({ points: ids }, 1) },
  };
}

/** Whether the plan yields its documents in sort order (an index scanned in the sort's order: no SORT stage). */
export function isOrdered(plan: QueryPlan | undefined): boolean {
  return plan?.kind === 'index' && plan.ordered === true;
}

/** An `IXSCAN`; a backward scan (`scanDirection` -1) lists each field's bounds in scan order, as mongod does. */
function indexScan(index: SecondaryIndex, bounds: readonly FieldBounds[], scanDirection: 1 | -1): Document {
  const keyPattern: Document = {};
  const multiKeyPaths: Document = {};
  const indexBounds: Document = {};
  index.keyPattern.forEach(([field, keyDirection], i) => {
    keyPattern[field] = keyDirection;
    const direction = (keyDirection * scanDirection) as 1 | -1;
    multiKeyPaths[field] = [...(index.multikeyPaths[i] ?? [])];
    const fieldBounds = bounds[i];
    indexBounds[field] = fieldBounds === undefined
      ? [direction === 1 ? '[MinKey, MaxKey]' : '[MaxKey, MinKey]']
      : formatFieldBounds(fieldBounds, direction);
  });
  return {
    stage: 'IXSCAN',
    keyPattern,
    indexName: index.name,
    isMultiKey: index.multikeyFields.size > 0,
    multiKeyPaths,
    isUnique: index.unique,
    isSparse: index.sparse,
    isPartial: index.partialFilterExpression !== undefined,
    indexVersion: 2,
    direction: scanDirection === 1 ? 'forward' : 'backward',
    indexBounds,
  };
}

/**
 * The stages a find puts over the access stages: `SORT`, `SKIP`, `LIMIT` and a projection, as mongod orders them.
 * An `ordered` access stage already yields the sort order: no `SORT` then, the limit is a `LIMIT` stage.
 */
export function withFindStages(access: ExplainStage, selection: Selection, projection: Document | undefined, ordered: boolean): ExplainStage {
  const { skip = 0, limit = 0 } = selection;
  const sort = ordered ? [] : (selection.sort ?? []);
  let stage = access;
  let n = (access.stats.nReturned as number | undefined) ?? 0;
  if (sort.length > 0) {
    if (limit > 0) n = Math.min(n, skip + limit);
    stage = {
      fields: { stage: 'SORT', sortPattern: sortPattern(sort), memLimit: 104_857_600, ...(limit > 0 && { limitAmount: skip + limit }), type: 'simple' },
      stats: { nReturned: n },
      input: stage,
    };
  }
  if (skip > 0) {
    n = Math.max(0, n - skip);
    stage = { fields: { stage: 'SKIP', skipAmount: skip }, stats: { nReturned: n }, input: stage };
  }
  if (limit > 0 && sort.length === 0) {
    n = Math.min(n, limit);
    stage = { fields: { stage: 'LIMIT', limitAmount: limit }, stats: { nReturned: n }, input: stage };
  }
  if (projection !== undefined && Object.keys(projection).length > 0) {
    stage = { fields: { stage: 'PROJECTION_DEFAULT', transformBy: projection }, stats: { nReturned: n }, input: stage };
  }
  return stage;
}

function sortPattern(sort: SortSpec): Document {
  const pattern: Document = {};
  for (const [path, direction] of sort) pattern[path] = direction;
  return pattern;
}

/** A stage tree as the reply shows it: plan fields, the statistics when `withStats`, the input as `inputStage`. */
export function renderStage(stage: ExplainStage, withStats: boolean): Document {
  const input = stage.input === undefined ? {} : { inputStage: renderStage(stage.input, withStats) };
  return { ...stage.fields, ...(withStats ? stage.stats : {}), ...input };
}
