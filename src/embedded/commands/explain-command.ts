/**
 * `explain` for `find`, `aggregate`, `count` and `distinct`, in the shape mongod 7.0's classic query engine answers
 * (`explainVersion: '1'`, `queryPlanner.winningPlan` as a tree of `stage` / `inputStage`, `executionStats`).
 *
 * The plan is the one the engine really uses (the planner's `_id` lookup, index scan or collection scan) and, for
 * the `executionStats` and `allPlansExecution` verbosities, the command really runs with counting switched on:
 * `totalKeysExamined` is the number of index entries read, `totalDocsExamined` the number of documents fetched and
 * tested against the filter. The planner picks one plan by rule, so `rejectedPlans` is always empty.
 *
 * @module
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Document } from '../bson/document.js';
import { compileFilter, isExactIdFilter } from '../query/compile-filter.js';
import type { SortSpec } from '../query/sort-documents.js';
import { compareBson } from '../bson/compare-bson.js';
import { BracketEdge } from '../bson/type-rank.js';
import type { CollectionStore } from '../storage/collection-store.js';
import type { QueryPlan } from '../storage/query-planner.js';
import type { FieldBounds, RangeEnd } from '../storage/index-bounds.js';
import type { SecondaryIndex } from '../storage/secondary-index.js';
import { aggregateArguments } from './aggregate-command.js';
import { CommandError } from '../../core/errors/command-error.js';
import type { CommandContext, CommandHandler } from './command-context.js';
import { EMULATED_VERSION } from './handshake-commands.js';
import { newSelectionTrace, projectDocuments, selectDocuments, type Selection, type SelectionTrace } from './query-documents.js';
import { countArguments, distinctArguments, findArguments } from './read-commands.js';

type Verbosity = 'queryPlanner' | 'executionStats' | 'allPlansExecution';

/** A plan stage: its plan fields, the statistics it gathered (rendered only when executed) and its input. */
interface Stage {
  readonly fields: Document;
  readonly stats: Document;
  readonly input?: Stage;
  /** On an access stage: the plan it renders. */
  readonly plan?: QueryPlan;
}

/** What running the explained command cost; absent for the `queryPlanner` verbosity. */
interface Execution {
  readonly trace: SelectionTrace;
  readonly nReturned: number;
  readonly millis: number;
}

/** An explained query: the namespace, filter and plan, plus the execution when it ran. */
interface ExplainedQuery {
  readonly namespace: string;
  readonly filter: Document;
  readonly stage: Stage;
  readonly execution: Execution | undefined;
}

type Explainer = (inner: Document, context: CommandContext, verbosity: Verbosity) => Document;

const EXPLAINABLE: ReadonlyMap<string, Explainer> = new Map<string, Explainer>([
  ['find', explainFind],
  ['aggregate', explainAggregate],
  ['count', explainCount],
  ['distinct', explainDistinct],
]);

/** `explain`: `{ explain: { find | aggregate | count | distinct ... }, verbosity }`. */
export const explain: CommandHandler = (command, context) => {
  const inner = command.explain;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner) || inner instanceof Date) {
    throw new CommandError('FailedToParse', 'explain command requires a nested object');
  }
  const verbosity = parseVerbosity(command.verbosity);
  const name = Object.keys(inner)[0];
  const handler = name === undefined ? undefined : EXPLAINABLE.get(name);
  if (handler === undefined) {
    throw new CommandError('CommandNotSupported', `explain of '${name ?? ''}' is not supported by the embedded engine (only find, aggregate, count and distinct)`);
  }
  return handler(inner as Document, context, verbosity);
};

/** `aggregate` with `explain: true`: mongod answers it as `explain` with the `queryPlanner` verbosity. */
export function explainAggregateOption(command: Document, context: CommandContext): Document {
  // The explained command, without the option itself and the session / wire fields the outer command carries.
  const dropped = new Set(['explain', 'cursor', 'lsid']);
  const inner = Object.fromEntries(Object.entries(command).filter(([field]) => !dropped.has(field) && !field.startsWith('$')));
  return explainAggregate(inner, context, 'queryPlanner');
}

function parseVerbosity(value: unknown): Verbosity {
  if (value === undefined || value === null) return 'allPlansExecution';
  if (value === 'queryPlanner' || value === 'queryPlannerExtended') return 'queryPlanner';
  if (value === 'executionStats' || value === 'allPlansExecution') return value;
  throw new CommandError('FailedToParse', "verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}");
}

function explainFind(inner: Document, context: CommandContext, verbosity: Verbosity): Document {
  const { collection, selection, projection } = findArguments(inner, context);
  const store = context.catalog.collection(context.db, collection);
  const { stage: access, execution } = explainSelection(store, selection, verbosity, (trace) =>
    projectDocuments(selectDocuments(store, selection, trace), projection).length,
  () => projectDocuments([], projection));
  const stage = withFindStages(access, selection, projection, isOrdered(access.plan));
  return explainReply(context, inner, verbosity, { namespace: `${context.db}.${collection}`, filter: selection.filter, stage, execution });
}

function explainCount(inner: Document, context: CommandContext, verbosity: Verbosity): Document {
  const { collection, query, skip, limit } = countArguments(inner, context);
  const store = context.catalog.collection(context.db, collection);
  const namespace = `${context.db}.${collection}`;
  if (Object.keys(query).length === 0 && store !== undefined) {
    // The count command answers from the collection's size without touching a document.
    const start = performance.now();
    const n = Math.min(limit > 0 ? limit : Number.POSITIVE_INFINITY, Math.max(0, store.size - skip));
    const millis = Math.round(performance.now() - start);
    const stage: Stage = { fields: { stage: 'RECORD_STORE_FAST_COUNT' }, stats: { nReturned: 0, nCounted: n } };
    const execution = verbosity === 'queryPlanner' ? undefined : { trace: newSelectionTrace(), nReturned: 0, millis };
    return explainReply(context, inner, verbosity, { namespace, filter: query, stage, execution });
  }
  const selection: Selection = { filter: query, skip, limit };
  const { stage: access, execution } = explainSelection(store, selection, verbosity, (trace) => {
    selectDocuments(store, selection, trace);
    return 0; // COUNT returns no documents, it counts them
  });
  const matched = execution?.trace.matched ?? 0;
  const counted = Math.max(0, matched - skip);
  const stage: Stage = {
    fields: { stage: 'COUNT' },
    stats: { nReturned: 0, nCounted: limit > 0 ? Math.min(limit, counted) : counted, nSkipped: Math.min(skip, matched) },
    input: access,
  };
  return explainReply(context, inner, verbosity, { namespace, filter: query, stage, execution });
}

function explainDistinct(inner: Document, context: CommandContext, verbosity: Verbosity): Document {
  const { collection, query } = distinctArguments(inner, context);
  const store = context.catalog.collection(context.db, collection);
  const selection: Selection = { filter: query };
  const { stage, execution } = explainSelection(store, selection, verbosity, (trace) => selectDocuments(store, selection, trace).length);
  return explainReply(context, inner, verbosity, { namespace: `${context.db}.${collection}`, filter: query, stage, execution });
}

/**
 * The query part of an aggregation is its leading `$match` (or every document without one). A pipeline that is only
 * that is answered like a find; otherwise the query is explained inside a `$cursor` stage followed by the remaining
 * stages as given (the remaining stages are not run, so they carry no statistics).
 */
function explainAggregate(inner: Document, context: CommandContext, verbosity: Verbosity): Document {
  const { collection, stages, leadingMatch } = aggregateArguments(inner, context);
  const store = context.catalog.collection(context.db, collection);
  const selection: Selection = { filter: leadingMatch ?? {} };
  const { stage, execution } = explainSelection(store, selection, verbosity, (trace) => selectDocuments(store, selection, trace).length);
  const query: ExplainedQuery = { namespace: `${context.db}.${collection}`, filter: selection.filter, stage, execution };
  const rest = leadingMatch === undefined ? stages : stages.slice(1);
  if (rest.length === 0) return explainReply(context, inner, verbosity, query);
  const cursorStage: Document = { queryPlanner: queryPlannerSection(query) };
  if (execution !== undefined) cursorStage.executionStats = executionStatsSection(query, execution, verbosity);
  return {
    explainVersion: '1',
    stages: [{ $cursor: cursorStage }, ...rest],
    command: { ...inner, $db: context.db },
    serverInfo: serverInfo(),
    ok: 1,
  };
}

/**
 * Plans a selection and, unless only the plan is wanted, runs `run` with a trace. `validate` checks what running
 * would have checked (the filter always is).
 */
function explainSelection(
  store: CollectionStore | undefined,
  selection: Selection,
  verbosity: Verbosity,
  run: (trace: SelectionTrace) => number,
  validate: () => unknown = () => undefined,
): { stage: Stage; execution: Execution | undefined } {
  if (verbosity === 'queryPlanner') {
    compileFilter(selection.filter);
    validate();
    const { sort, limit } = selection;
    const plan = store?.plan(selection.filter, { ...(sort && { sort }), ...(limit !== undefined && { limit }) });
    return { stage: accessStage(store, selection.filter, plan, newSelectionTrace()), execution: undefined };
  }
  const trace = newSelectionTrace();
  const start = performance.now();
  const nReturned = run(trace);
  const millis = Math.round(performance.now() - start);
  return { stage: accessStage(store, selection.filter, trace.plan, trace), execution: { trace, nReturned, millis } };
}

/** The stages that find documents: `EOF`, `COLLSCAN`, `IDHACK`, or `FETCH` over an `IXSCAN`. */
function accessStage(store: CollectionStore | undefined, filter: Document, plan: QueryPlan | undefined, trace: SelectionTrace): Stage {
  const filterField = Object.keys(filter).length > 0 ? { filter: parsedQuery(filter) } : {};
  if (store === undefined || plan === undefined) return { fields: { stage: 'EOF' }, stats: { nReturned: 0 } };
  const { matched, docsExamined, keysExamined } = trace;
  if (plan.kind === 'scan') {
    return { fields: { stage: 'COLLSCAN', ...filterField, direction: 'forward' }, stats: { nReturned: matched, docsExamined } };
  }
  if (plan.kind === 'idPoints' && plan.ids.length === 1 && isExactIdFilter(filter)) {
    return { fields: { stage: 'IDHACK' }, stats: { nReturned: matched, keysExamined, docsExamined } };
  }
  const ixscan: Stage = {
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
function isOrdered(plan: QueryPlan | undefined): boolean {
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
function withFindStages(access: Stage, selection: Selection, projection: Document | undefined, ordered: boolean): Stage {
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

function renderStage(stage: Stage, withStats: boolean): Document {
  const input = stage.input === undefined ? {} : { inputStage: renderStage(stage.input, withStats) };
  return { ...stage.fields, ...(withStats ? stage.stats : {}), ...input };
}

function queryPlannerSection(query: ExplainedQuery): Document {
  return {
    plannerVersion: 1,
    namespace: query.namespace,
    indexFilterSet: false,
    parsedQuery: parsedQuery(query.filter),
    winningPlan: renderStage(query.stage, false),
    rejectedPlans: [],
  };
}

function executionStatsSection(query: ExplainedQuery, execution: Execution, verbosity: Verbosity): Document {
  return {
    executionSuccess: true,
    nReturned: execution.nReturned,
    executionTimeMillis: execution.millis,
    totalKeysExamined: execution.trace.keysExamined,
    totalDocsExamined: execution.trace.docsExamined,
    executionStages: renderStage(query.stage, true),
    ...(verbosity === 'allPlansExecution' && { allPlansExecution: [] }),
  };
}

function explainReply(context: CommandContext, inner: Document, verbosity: Verbosity, query: ExplainedQuery): Document {
  return {
    explainVersion: '1',
    queryPlanner: queryPlannerSection(query),
    ...(query.execution !== undefined && { executionStats: executionStatsSection(query, query.execution, verbosity) }),
    command: { ...inner, $db: context.db },
    serverInfo: serverInfo(),
    ok: 1,
  };
}

function serverInfo(): Document {
  return { host: hostname(), version: EMULATED_VERSION, gitVersion: 'durably-embedded' };
}

function isPlainObject(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isOperatorObject(value: unknown): value is Document {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/**
 * The filter in mongod's normalised form: `$and` members flattened, one conjunct per operator, bare values as
 * `$eq`, several conjuncts under one `$and`. Display only: the engine matches with the filter as given.
 */
function parsedQuery(filter: Document): Document {
  const conjuncts: Document[] = [];
  collectConjuncts(filter, conjuncts);
  if (conjuncts.length === 0) return {};
  return conjuncts.length === 1 ? (conjuncts[0] as Document) : { $and: conjuncts };
}

function collectConjuncts(filter: Document, out: Document[]): void {
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition) && condition.every(isPlainObject)) {
      for (const member of condition) collectConjuncts(member, out);
    } else if (field.startsWith('$') || isRegex(condition) || (isOperatorObject(condition) && '$options' in condition)) {
      out.push({ [field]: condition });
    } else if (isOperatorObject(condition)) {
      for (const [op, value] of Object.entries(condition)) out.push({ [field]: { [op]: value } });
    } else {
      out.push({ [field]: { $eq: condition } });
    }
  }
}

function isRegex(value: unknown): boolean {
  return value instanceof RegExp || (value as { _bsontype?: unknown } | null)?._bsontype === 'BSONRegExp';
}

/** One field's bounds as mongod prints them, e.g. `["[100, 150)"]`, in index order for the field's direction. */
function formatFieldBounds(bounds: FieldBounds, direction: 1 | -1): string[] {
  if ('points' in bounds) {
    const sorted = [...bounds.points].sort((a, b) => direction * compareBson(a, b));
    return sorted.map((point) => {
      const text = formatValue(point);
      return `[${text}, ${text}]`;
    });
  }
  const low = formatEnd(bounds.min, 'MinKey');
  const high = formatEnd(bounds.max, 'MaxKey');
  return direction === 1
    ? [`${low.inclusive ? '[' : '('}${low.text}, ${high.text}${high.inclusive ? ']' : ')'}`]
    : [`${high.inclusive ? '[' : '('}${high.text}, ${low.text}${low.inclusive ? ']' : ')'}`];
}

function formatEnd(end: RangeEnd | undefined, unbounded: string): { text: string; inclusive: boolean } {
  return end === undefined ? { text: unbounded, inclusive: true } : { text: formatValue(end.value), inclusive: end.inclusive };
}

const BRACKET_EDGES: Readonly<Record<string, readonly [low: string, high: string]>> = {
  number: ['-inf.0', 'inf.0'],
  string: ['""', '{}'],
  objectId: ["ObjectId('000000000000000000000000')", "ObjectId('ffffffffffffffffffffffff')"],
  boolean: ['false', 'true'],
  date: ['new Date(-9223372036854775808)', 'new Date(9223372036854775807)'],
};

function formatValue(value: unknown): string {
  if (value instanceof BracketEdge) {
    const [low, high] = BRACKET_EDGES[value.bracket] ?? ['MinKey', 'MaxKey'];
    return value.side < 0 ? low : high;
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan.0';
    if (!Number.isFinite(value)) return value > 0 ? 'inf.0' : '-inf.0';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  const tag = (value as { _bsontype?: unknown } | null)?._bsontype;
  if (tag === 'ObjectId') return `ObjectId('${(value as { toHexString(): string }).toHexString()}')`;
  return String(value);
}
