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
import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { compileFilter } from '../query/compile-filter.js';
import type { CollectionStore } from '../storage/collection-store.js';
import { aggregateArguments } from './aggregate-command.js';
import type { CommandContext, CommandHandler } from './command-context.js';
import { accessStage, isOrdered, renderStage, withFindStages, type ExplainStage } from './explain-stage.js';
import { EMULATED_VERSION } from './handshake-commands.js';
import { parsedQuery } from './parsed-query.js';
import { newSelectionTrace, projectDocuments, selectDocuments, type Selection, type SelectionTrace } from './query-documents.js';
import { countArguments, distinctArguments, findArguments } from './read-commands.js';

type Verbosity = 'queryPlanner' | 'executionStats' | 'allPlansExecution';

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
  readonly stage: ExplainStage;
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
    const stage: ExplainStage = { fields: { stage: 'RECORD_STORE_FAST_COUNT' }, stats: { nReturned: 0, nCounted: n } };
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
  const stage: ExplainStage = {
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
): { stage: ExplainStage; execution: Execution | undefined } {
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
