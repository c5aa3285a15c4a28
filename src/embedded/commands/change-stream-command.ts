import { Long } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { CHANGE_STREAM_STAGES, historyLost, type ChangeStreamCursor } from '../replication/change-stream-cursor.js';
import { isTimestamp, positionOf } from '../replication/oplog-position.js';
import { decodeResumeToken, type ResumeToken } from '../replication/resume-token.js';
import { changeStreamScope } from './change-stream-scope.js';
import { optionalCount, type CommandContext, type ReplicationContext } from './command-context.js';

const FULL_DOCUMENT_MODES = new Set(['default', 'updateLookup', 'whenAvailable', 'required']);
const KNOWN_OPTIONS = new Set(['fullDocument', 'fullDocumentBeforeChange', 'resumeAfter', 'startAfter', 'startAtOperationTime', 'allChangesForCluster', 'showExpandedEvents']);

/** The replica-set context, or mongod's answer to `$changeStream` on a standalone server. */
export function replicationFor(context: CommandContext): ReplicationContext {
  if (context.replication === undefined) {
    throw new CommandError('Location40573', 'The $changeStream stage is only supported on replica sets');
  }
  return context.replication;
}

/** The stored document with this `_id` now (a change stream's `updateLookup`), or null. */
function lookupIn(context: CommandContext): (db: string, coll: string, id: unknown) => Document | null {
  return (db, coll, id) => context.catalog.collection(db, coll)?.getById(id) ?? null;
}

/** Where a new stream starts: after a resume token, at an operation time, or at the newest oplog entry. */
function startPoint(spec: Document, replication: ReplicationContext): ResumeToken {
  const given = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter((option) => spec[option] !== undefined && spec[option] !== null);
  if (given.length > 1) throw new CommandError('Location40674', 'Only one type of resume option is allowed, but multiple were found.');
  const oplog = replication.oplog;
  if (spec.startAtOperationTime !== undefined && spec.startAtOperationTime !== null) {
    if (!isTimestamp(spec.startAtOperationTime)) throw new CommandError('TypeMismatch', "BSON field '$changeStream.startAtOperationTime' is the wrong type, expected type 'timestamp'");
    // Inclusive: the stream delivers the entries at or after that time.
    const point: ResumeToken = { position: positionOf(spec.startAtOperationTime) - 1n, kind: 'highWaterMark' };
    if (point.position < oplog.completeFrom) throw historyLost();
    return point;
  }
  const raw = spec.resumeAfter ?? spec.startAfter;
  if (raw === undefined || raw === null) {
    // As the server does: a stream with no start point starts at the current cluster time, inclusive — the time of the
    // newest write — so a write acknowledged just before the stream's aggregate arrived is still delivered (a client
    // that opens a stream and then writes cannot lose the write to the order its two commands reach the server).
    const newest = oplog.lastPosition;
    return { position: newest > oplog.completeFrom ? newest - 1n : newest, kind: 'highWaterMark' };
  }
  const token = decodeResumeToken(raw);
  if (token.kind === 'invalidate' && spec.startAfter === undefined) {
    throw new CommandError('InvalidResumeToken', 'Attempting to resume a change stream using \'resumeAfter\' is not allowed from an invalidate notification: use \'startAfter\' instead.');
  }
  if (token.position < oplog.completeFrom) throw historyLost();
  // A token of an event must name an entry still retained (the oldest retained point is complete by construction).
  if (token.kind === 'event' && token.position > oplog.completeFrom && token.position <= oplog.lastPosition && oplog.entryAt(token.position) === undefined) {
    throw new CommandError('ChangeStreamFatalError', `cannot resume stream; the resume token was not found. ${JSON.stringify(raw)}`);
  }
  return token;
}

/**
 * `aggregate` whose pipeline starts with `$changeStream`: opens a change stream on a collection (`aggregate:
 * <name>`), a database (`aggregate: 1`) or the whole deployment (`aggregate: 1` on `admin` with
 * `allChangesForCluster`), and returns its first batch.
 */
export function openChangeStream(command: Document, stages: Document[], context: CommandContext): Document {
  const replication = replicationFor(context);
  const spec = stages[0]?.$changeStream as Document | undefined;
  if (spec === undefined || spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new CommandError('Location40324', "the $changeStream stage must take an object, e.g. { $changeStream: {} }");
  }
  for (const option of Object.keys(spec)) {
    if (!KNOWN_OPTIONS.has(option)) throw new CommandError('Location40415', `BSON field '$changeStream.${option}' is an unknown field.`);
  }
  const fullDocument = spec.fullDocument ?? 'default';
  if (typeof fullDocument !== 'string' || !FULL_DOCUMENT_MODES.has(fullDocument)) {
    throw new CommandError('BadValue', `unknown fullDocument mode ${JSON.stringify(fullDocument)}: expected 'default', 'updateLookup', 'whenAvailable' or 'required'`);
  }
  if (fullDocument === 'whenAvailable' || fullDocument === 'required') {
    throw new CommandError('BadValue', `fullDocument: '${fullDocument}' needs stored post-images (changeStreamPreAndPostImages), which the embedded engine does not keep: use 'updateLookup'`);
  }
  const beforeChange = spec.fullDocumentBeforeChange ?? 'off';
  if (beforeChange !== 'off') {
    throw new CommandError('BadValue', `fullDocumentBeforeChange: ${JSON.stringify(beforeChange)} needs stored pre-images (changeStreamPreAndPostImages), which the embedded engine does not keep`);
  }
  const rest = stages.slice(1);
  for (const stage of rest) {
    const name = Object.keys(stage)[0] as string;
    if (name === '$changeStream') throw new CommandError('Location40602', '$changeStream is only valid as the first stage in a pipeline');
    if (!CHANGE_STREAM_STAGES.has(name)) throw new CommandError('IllegalOperation', `${name} is not permitted in a $changeStream pipeline`);
  }
  const scope = changeStreamScope(command.aggregate, context.db, spec.allChangesForCluster === true);
  const namespace = scope.kind === 'collection' ? `${scope.db}.${scope.coll}` : `${context.db}.$cmd.aggregate`;
  const start = startPoint(spec, replication);
  const cursor = replication.changeStreams.open({ scope, namespace, start, updateLookup: fullDocument === 'updateLookup', stages: rest });
  const batchSize = optionalCount((command.cursor as Document | undefined) ?? {}, 'batchSize');
  return batchReply(cursor, context, replication, batchSize, 'firstBatch');
}

/** `getMore` on a change stream cursor: the events since the last batch (awaitData is handled by the engine). */
export function changeStreamGetMore(cursor: ChangeStreamCursor, command: Document, context: CommandContext): Document {
  const replication = replicationFor(context);
  const collection = command.collection;
  if (typeof collection !== 'string' || `${context.db}.${collection}` !== cursor.spec.namespace) {
    throw new CommandError('Unauthorized', `Requested getMore on namespace '${context.db}.${String(collection)}', but cursor belongs to a different namespace ${cursor.spec.namespace}`);
  }
  return batchReply(cursor, context, replication, optionalCount(command, 'batchSize'), 'nextBatch');
}

function batchReply(cursor: ChangeStreamCursor, context: CommandContext, replication: ReplicationContext, batchSize: number | undefined, field: 'firstBatch' | 'nextBatch'): Document {
  let batch;
  try {
    batch = cursor.next(replication.oplog, lookupIn(context), batchSize);
  } catch (error) {
    replication.changeStreams.close(cursor.id);
    throw error;
  }
  if (batch.closed) replication.changeStreams.close(cursor.id);
  const id = batch.closed ? Long.ZERO : Long.fromNumber(cursor.id);
  return { cursor: { [field]: batch.events, postBatchResumeToken: batch.postBatchResumeToken, id, ns: cursor.spec.namespace }, ok: 1 };
}
