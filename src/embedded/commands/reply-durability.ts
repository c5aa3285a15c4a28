import type { Document } from '../bson/document.js';
import { WRITE_COMMANDS } from './replica-set-guard.js';

/** Read concern levels that only return what a crash cannot take back (on one node: what is in the journal). */
const DURABLE_READ_LEVELS = new Set(['majority', 'linearizable', 'snapshot']);

/**
 * Whether a command's reply waits until every change made so far is in the journal — mongod's write and read
 * concerns, on a single node whose journal is its majority:
 * - a write (a write command, even one that changed nothing, as mongod's replies do) waits unless its write concern
 *   asks for less: `w: 0` or `w: 1` without `j: true` or `fsync: true`. No write concern, or `w: 'majority'`, waits
 *   (a replica set's default write concern is majority, which journals);
 * - a read waits only at read concern `majority`, `linearizable` or `snapshot`. At `local` or `available` (mongod's
 *   default when none is given) it answers from memory at once: it may see a write that is not acknowledged yet, and
 *   that a crash before the next sync takes back, as on mongod;
 * - a change stream answers only with durable events (mongod's are majority-committed), so its aggregate and getMore
 *   replies wait.
 *
 * @param wrote - whether the command changed anything (a read-looking command that did — `$out`, `$merge` — writes).
 */
export function replyWaitsForJournal(command: Document, reply: Document, wrote: boolean): boolean {
  const name = Object.keys(command)[0] ?? '';
  if (wrote || WRITE_COMMANDS.has(name)) return !asksLessThanJournaled(command.writeConcern);
  if (isChangeStreamReply(reply)) return true;
  const readConcern = command.readConcern;
  return isDocument(readConcern) && typeof readConcern.level === 'string' && DURABLE_READ_LEVELS.has(readConcern.level);
}

function asksLessThanJournaled(writeConcern: unknown): boolean {
  if (!isDocument(writeConcern)) return false;
  const { w, j, fsync } = writeConcern;
  return (w === 0 || w === 1) && j !== true && fsync !== true;
}

// A change stream's cursor replies carry a post-batch resume token; no other cursor's do.
function isChangeStreamReply(reply: Document): boolean {
  const cursor = reply.cursor;
  return isDocument(cursor) && cursor.postBatchResumeToken !== undefined;
}

function isDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
