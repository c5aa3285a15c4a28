import { CommandError } from '../../core/errors/command-error.js';
import { documentSizeBound } from '../bson/document-size.js';
import type { Document } from '../bson/document.js';
import { cloneDocument } from '../query/clone-document.js';
import { mingoPipeline, mingoQuery, withMingo } from '../query/mingo-options.js';
import { eventsOf, type ChangeStreamScope } from './change-event.js';
import type { Oplog } from './oplog.js';
import { encodeResumeToken, type ResumeToken } from './resume-token.js';

/** The stages mongod allows after `$changeStream` (they act on one event at a time). */
export const CHANGE_STREAM_STAGES = new Set(['$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact']);
const READ_ONLY_STAGES = new Set(['$match', '$project']);
// A reply carries at most about this much event data, as mongod's 16 MiB batches.
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
const EVENT_OVERHEAD_BYTES = 256;
// Events are run through the stream's stages this many at a time.
const CHUNK = 256;

// The fields of a change that need no document: a leading `$match` on only these is applied before the document is
// looked up (mongod, too, rewrites such a filter into its oplog scan).
const CHANGE_FIELDS = new Set(['operationType', 'ns', 'ns.db', 'ns.coll', 'documentKey', 'documentKey._id', 'updateDescription']);
// Whether a filter key names a field of the change itself, known before any document is looked up.
const isChangeField = (key: string): boolean => CHANGE_FIELDS.has(key) || key.startsWith('updateDescription.');

const KIND_RANK = { event: 0, invalidate: 1, highWaterMark: 2 } as const;

/** What a change stream cursor was opened with. */
export interface ChangeStreamSpec {
  readonly scope: ChangeStreamScope;
  /** The cursor's namespace, e.g. `app.jobs` or `app.$cmd.aggregate`. */
  readonly namespace: string;
  /** The point after which events are delivered (exclusive). */
  readonly start: ResumeToken;
  /** `fullDocument: 'updateLookup'`: update events carry the document as it is now. */
  readonly updateLookup: boolean;
  /** The stages after `$changeStream`. */
  readonly stages: Document[];
}

/** One batch of a change stream. */
export interface ChangeStreamBatch {
  readonly events: Document[];
  readonly postBatchResumeToken: Document;
  /** The stream was invalidated: this batch ends with its `invalidate` (if the stages kept it) and the cursor is closed. */
  readonly closed: boolean;
}

/**
 * The first stage as a per-event test when it is a `$match` that `accepts`, and the stages after it; else no test and
 * the stages as they are.
 */
function leadingMatch(stages: Document[], accepts: (filter: Document) => boolean): { test: ((event: Document) => boolean) | undefined; rest: Document[] } {
  const filter = stages[0]?.$match as Document | undefined;
  if (filter === undefined || filter === null || typeof filter !== 'object' || !accepts(filter)) return { test: undefined, rest: stages };
  const query = withMingo('change stream pipeline failed', () => mingoQuery(filter));
  return { test: (event) => query.test(event), rest: stages.slice(1) };
}

/**
 * An open change stream: where it is in the oplog, and events already produced but not yet handed out. Events
 * come out of the oplog in order, through the stream's stages; the resume point only moves forward.
 */
export class ChangeStreamCursor {
  lastUsed = Date.now();
  #point: ResumeToken;
  #pending: Document[] = [];
  #invalidated = false;
  /** An error of the stream's stages: the events it cut short are gone, so every later batch fails with it. */
  #failure: Error | undefined;
  readonly #pipeline;
  readonly #clone: boolean;
  /** The leading `$match` on the change's own fields, run before any lookup (see CHANGE_FIELDS). */
  readonly #prefilter: ((event: Document) => boolean) | undefined;
  /** The first `$match` that needs the document, as a test run before the other stages. */
  readonly #match: ((event: Document) => boolean) | undefined;

  constructor(readonly id: number, readonly spec: ChangeStreamSpec) {
    this.#point = spec.start;
    const prefilter = leadingMatch(spec.stages, (filter) => Object.keys(filter).every(isChangeField));
    // The next $match (after the lookup) is a test of each event: the rest of the stages run only on those it keeps.
    const match = leadingMatch(prefilter.rest, () => true);
    this.#prefilter = prefilter.test;
    this.#match = match.test;
    const stages = match.rest;
    this.#pipeline = stages.length === 0 ? undefined : withMingo('change stream pipeline failed', () => mingoPipeline(stages));
    this.#clone = !stages.every((stage) => READ_ONLY_STAGES.has(Object.keys(stage)[0] as string));
  }

  /**
   * Reads the oplog past the stream's point into its pending events until at least `wanted` are pending (or the
   * stream is invalidated, or the oplog is read to its end). Returns whether any event is pending: a `getMore` with
   * `awaitData` waits while this is false.
   *
   * @throws CommandError ChangeStreamHistoryLost when the oplog dropped entries the stream had not read yet.
   */
  fill(oplog: Oplog, lookup: (db: string, coll: string, id: unknown) => Document | null, wanted = 1): boolean {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#invalidated || this.#pending.length >= wanted || oplog.lastPosition <= this.#point.position) return this.#pending.length > 0 || this.#invalidated;
    if (this.#point.position < oplog.completeFrom) throw historyLost();
    const chunk: Document[] = [];
    const flush = (): void => {
      if (chunk.length === 0) return;
      try {
        this.#pending.push(...this.#apply(chunk.splice(0)));
      } catch (error) {
        this.#failure = error as Error;
        throw error;
      }
    };
    for (const entry of oplog.entriesAfter(this.#point.position - 1n)) {
      const events = eventsOf(entry, this.spec.scope);
      if (events.length === 0 && entry.position > this.#point.position) this.#point = { position: entry.position, kind: 'highWaterMark' };
      for (const { kind, event } of events) {
        if (compare({ position: entry.position, kind }, this.#point) <= 0) continue;
        this.#point = { position: entry.position, kind };
        if (kind === 'event' && this.#prefilter !== undefined && !this.#prefilter(event)) continue;
        if (this.spec.updateLookup && event.operationType === 'update' && entry.coll !== undefined) {
          event.fullDocument = lookup(entry.db, entry.coll, entry.documentKey?._id);
        }
        chunk.push(event);
        if (kind === 'invalidate') this.#invalidated = true;
      }
      if (this.#invalidated || chunk.length >= CHUNK) {
        flush();
        if (this.#invalidated || this.#pending.length >= wanted) break;
      }
    }
    flush();
    return this.#pending.length > 0 || this.#invalidated;
  }

  /**
   * The next batch of at most `batchSize` events (0 or undefined: as many as fit a reply).
   *
   * @throws CommandError ChangeStreamHistoryLost when the oplog dropped entries the stream had not read yet.
   */
  next(oplog: Oplog, lookup: (db: string, coll: string, id: unknown) => Document | null, batchSize: number | undefined): ChangeStreamBatch {
    this.lastUsed = Date.now();
    const limit = batchSize === undefined || batchSize <= 0 ? Number.MAX_SAFE_INTEGER : batchSize;
    this.fill(oplog, lookup, limit);
    let count = 0;
    let bytes = 0;
    while (count < this.#pending.length && count < limit) {
      bytes += eventSize(this.#pending[count] as Document);
      if (count > 0 && bytes > MAX_BATCH_BYTES) break;
      count++;
    }
    const out = this.#pending.splice(0, count);
    const closed = this.#invalidated && this.#pending.length === 0;
    const last = out[out.length - 1];
    const postBatchResumeToken = this.#pending.length > 0 && last !== undefined ? (last._id as Document) : encodeResumeToken(this.#point);
    return { events: out, postBatchResumeToken, closed };
  }

  /** Runs events through the stream's stages; they must leave each event's `_id` (its resume token) as it was. */
  #apply(all: Document[]): Document[] {
    const match = this.#match;
    const events = match === undefined ? all : withMingo('change stream pipeline failed', () => all.filter((event) => match(event)));
    if (this.#pipeline === undefined || events.length === 0) return events;
    const pipeline = this.#pipeline;
    const tokens = new Set(events.map((event) => (event._id as Document)._data as string));
    const results = withMingo('change stream pipeline failed', (): Document[] => pipeline.run(this.#clone ? events.map((event) => cloneDocument(event)) : events));
    for (const result of results) {
      const id = result._id as Document | undefined;
      const data = id !== null && typeof id === 'object' ? id._data : undefined;
      if (typeof data !== 'string' || !tokens.has(data) || Object.keys(id as Document).length !== 1) {
        throw new CommandError('ChangeStreamFatalError', 'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.');
      }
    }
    return results;
  }
}

/** Orders two resume points: by oplog position, then event < invalidate < high-water mark. */
export function compare(a: ResumeToken, b: ResumeToken): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return KIND_RANK[a.kind] - KIND_RANK[b.kind];
}

/** mongod's error for a resume point older than the oplog (code 286). */
export function historyLost(): CommandError {
  return new CommandError('ChangeStreamHistoryLost', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.');
}

function eventSize(event: Document): number {
  const full = event.fullDocument;
  return EVENT_OVERHEAD_BYTES + (full !== null && typeof full === 'object' ? documentSizeBound(full as Document) : 0);
}
