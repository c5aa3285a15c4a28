import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { cloneDocument } from '../query/clone-document.js';
import { mingoPipeline, withMingo } from '../query/mingo-options.js';
import { assertCollectionName } from '../storage/namespace.js';
import { openChangeStream } from './change-stream-command.js';
import { optionalCount, type CommandContext, type CommandHandler } from './command-context.js';
import { selectDocuments } from './query-documents.js';

// Stages that only read their input documents; any other stage gets private copies so mingo cannot touch stored ones.
const READ_ONLY_STAGES = new Set(['$match', '$group', '$count', '$sort', '$skip', '$limit', '$project', '$sortByCount']);

const REJECTED_STAGES = new Set(['$out', '$merge', '$currentOp', '$listSessions', '$collStats', '$indexStats', '$planCacheStats']);

/** The validated collection and pipeline of an `aggregate` command. */
export interface AggregateArguments {
  readonly collection: string;
  readonly stages: Document[];
  /** The filter of a leading `$match`, which is answered through the planner. */
  readonly leadingMatch: Document | undefined;
}

/** Validates an `aggregate` command's collection and pipeline (shared with explain). */
export function aggregateArguments(command: Document, context: CommandContext): AggregateArguments {
  const name = command.aggregate;
  if (name === 1) throw new CommandError('CommandNotSupported', 'collection-less aggregate is not supported by the embedded engine');
  assertCollectionName(context.db, name);
  const pipeline = command.pipeline;
  if (!Array.isArray(pipeline)) throw new CommandError('TypeMismatch', "'pipeline' option must be specified as an array");
  const stages = pipeline as Document[];
  for (const stage of stages) {
    const stageName = stage !== null && typeof stage === 'object' ? Object.keys(stage)[0] : undefined;
    if (stageName === undefined || Object.keys(stage).length !== 1) {
      throw new CommandError('Location40324', 'A pipeline stage specification object must contain exactly one field.');
    }
    if (stageName === '$changeStream') throw new CommandError('Location40602', '$changeStream is only valid as the first stage in a pipeline');
    if (REJECTED_STAGES.has(stageName)) {
      throw new CommandError('Location40324', `${stageName} is not supported by the embedded engine`);
    }
  }
  const first = stages[0];
  const leadingMatch = first !== undefined && '$match' in first ? (first.$match as Document) : undefined;
  return { collection: name, stages, leadingMatch };
}

/**
 * `aggregate` through mingo's pipeline engine. A leading `$match` is answered through the planner (index or `_id`
 * lookup) so that the pipeline only sees candidate documents; `$lookup` resolves collections of the same database.
 * (`explain: true` is routed to the explain command by the dispatcher.)
 */
export const aggregate: CommandHandler = (command, context) => {
  const pipeline = command.pipeline;
  const first = Array.isArray(pipeline) ? (pipeline[0] as Document | undefined) : undefined;
  if (first !== null && typeof first === 'object' && '$changeStream' in first) return openChangeStream(command, pipeline as Document[], context);
  const { collection: name, stages, leadingMatch } = aggregateArguments(command, context);
  const cursorOptions = command.cursor as Document | undefined;
  if (cursorOptions === undefined || cursorOptions === null || typeof cursorOptions !== 'object') {
    throw new CommandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const store = context.catalog.collection(context.db, name);
  const input = leadingMatch === undefined ? [...(store?.documents() ?? [])] : selectDocuments(store, { filter: leadingMatch });
  const rest = leadingMatch === undefined ? stages : stages.slice(1);
  const db = context.db;
  const readOnly = rest.every((stage) => READ_ONLY_STAGES.has(Object.keys(stage)[0] as string));
  const source = readOnly ? input : input.map((doc) => cloneDocument(doc));
  const options = ({
    collectionResolver: (collection: string) =>
      [...(context.catalog.collection(db, collection)?.documents() ?? [])].map((doc) => cloneDocument(doc)),
  });
  const results = runPipeline(source, rest, (docs, segment) =>
    withMingo('aggregation failed', (): Document[] => mingoPipeline(segment, options).run(docs)));
  const cursor = context.cursors.open(`${context.db}.${name}`, results, optionalCount(cursorOptions, 'batchSize'));
  return { cursor: { firstBatch: cursor.batch, id: cursor.id, ns: cursor.ns }, ok: 1 };
};

/**
 * Runs a pipeline through mingo, except `$count`, which mongod answers with no document at all when nothing is
 * counted (mingo would return a count of 0).
 */
function runPipeline(input: Document[], stages: Document[], run: (docs: Document[], segment: Document[]) => Document[]): Document[] {
  let docs = input;
  let segment: Document[] = [];
  for (const stage of stages) {
    if (!('$count' in stage)) {
      segment.push(stage);
      continue;
    }
    if (segment.length > 0) docs = run(docs, segment);
    segment = [];
    const field = stage.$count;
    if (typeof field !== 'string' || field.length === 0 || field.startsWith('$') || field.includes('.')) {
      throw new CommandError('Location40324', 'the $count field must be a non-empty string that does not start with $ or contain .');
    }
    docs = docs.length === 0 ? [] : [{ [field]: docs.length }];
  }
  return segment.length > 0 ? run(docs, segment) : docs;
}
