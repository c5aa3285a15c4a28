import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { aggregate } from './aggregate-command.js';
import { authenticate, logout, saslContinue, saslStart } from './auth-commands.js';
import { bulkWrite } from './bulk-write-command.js';
import { create, createIndexes, renameCollection, drop, dropDatabase, dropIndexes, listCollections, listDatabases, listIndexes } from './catalog-commands.js';
import type { CommandContext, CommandHandler } from './command-context.js';
import { explain, explainAggregateOption } from './explain-command.js';
import { findAndModify } from './find-and-modify-command.js';
import { buildInfo, connectionStatus, endSessions, getParameter, hello, ping, whatsmyuri } from './handshake-commands.js';
import { count, distinct, find, getMore, killCursors } from './read-commands.js';
import { admitOnReplicaSet, clusterTimeFields, forgetSessions } from './replica-set-guard.js';
import { replSetGetConfig, replSetGetStatus, replSetInitiate, replSetStepDown } from './replication-commands.js';
import { serverStatus } from './server-status.js';
import { insert, remove, update } from './write-commands.js';

/** `aggregate`, or with the legacy `explain: true` option, its explanation (mongod answers both). */
function aggregateOrExplain(command: Document, context: CommandContext): Document {
  return command.explain === true ? explainAggregateOption(command, context) : aggregate(command, context);
}

/** Every command the engine implements, by its name as sent on the wire (with mongod's lower-case aliases). */
const HANDLERS: ReadonlyMap<string, CommandHandler> = new Map<string, CommandHandler>([
  ['hello', hello], ['isMaster', hello], ['ismaster', hello],
  ['ping', ping], ['buildInfo', buildInfo], ['buildinfo', buildInfo], ['endSessions', endSessions],
  ['connectionStatus', connectionStatus], ['whatsmyuri', whatsmyuri], ['serverStatus', serverStatus],
  ['getParameter', getParameter],
  ['saslStart', saslStart], ['saslContinue', saslContinue], ['logout', logout], ['authenticate', authenticate],
  ['listDatabases', listDatabases], ['listCollections', listCollections], ['create', create], ['drop', drop],
  ['dropDatabase', dropDatabase],
  ['insert', insert], ['update', update], ['delete', remove], ['find', find], ['getMore', getMore],
  ['killCursors', killCursors], ['findAndModify', findAndModify], ['findandmodify', findAndModify], ['bulkWrite', bulkWrite],
  ['aggregate', aggregateOrExplain], ['count', count], ['distinct', distinct], ['explain', explain],
  ['replSetGetStatus', replSetGetStatus], ['replSetGetConfig', replSetGetConfig], ['replSetInitiate', replSetInitiate],
  ['replSetStepDown', replSetStepDown], ['renameCollection', renameCollection],
  ['createIndexes', createIndexes], ['listIndexes', listIndexes], ['dropIndexes', dropIndexes], ['deleteIndexes', dropIndexes],
]);

const TRANSACTION_COMMANDS = new Set(['commitTransaction', 'abortTransaction']);

/**
 * Counts a command in serverStatus' opcounters. `bulkWrite` counts only its operations (in `insert`, `update`,
 * `delete`): mongod's bulkWrite does not affect the command counter.
 */
function countCommand(name: string, context: CommandContext): void {
  if (name !== 'bulkWrite') context.server.opCounters.countCommand(name);
}

/** Names of the implemented commands, for the docs and tests. */
export function implementedCommands(): string[] {
  return [...HANDLERS.keys()];
}

/**
 * Runs one command and returns its reply document. Never throws: command errors become `{ ok: 0, ... }` replies and
 * unexpected failures become InternalError replies (logged through `onInternalError`), so one bad request cannot take
 * the engine or the connection down.
 */
export function dispatchCommand(
  command: Document,
  context: CommandContext,
  onInternalError: (error: unknown, command: string) => void,
): Document {
  const name = Object.keys(command)[0];
  try {
    if (name === undefined) throw new CommandError('FailedToParse', 'Empty command');
    const handler = HANDLERS.get(name);
    // Only known commands are checked, as in mongod: an unknown one is CommandNotFound even before authentication.
    if (handler !== undefined) context.auth.assertMayRun(name);
    const replication = context.replication;
    if (replication === undefined) {
      if (command.txnNumber !== undefined || command.startTransaction !== undefined || TRANSACTION_COMMANDS.has(name)) {
        // Exactly what a standalone mongod answers: Durably's storage design never needs multi-document transactions.
        throw new CommandError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
      }
      if (handler === undefined) throw new CommandError('CommandNotFound', `no such command: '${name}'`);
      countCommand(name, context);
      return handler(command, context);
    }
    if (handler === undefined) throw new CommandError('CommandNotFound', `no such command: '${name}'`);
    const retryable = admitOnReplicaSet(name, command, replication);
    countCommand(name, context);
    if (name === 'endSessions') forgetSessions(command, replication);
    const replayed = retryable === undefined ? undefined : replication.retryableWrites.replay(retryable.session, retryable.txnNumber);
    const reply = replayed ?? handler(command, context);
    if (retryable !== undefined && replayed === undefined && reply.ok === 1) {
      replication.retryableWrites.record(retryable.session, retryable.txnNumber, reply);
    }
    return { ...reply, ...clusterTimeFields(replication) };
  } catch (error) {
    const time = context.replication === undefined ? {} : clusterTimeFields(context.replication);
    if (error instanceof CommandError) return { ok: 0, ...error.toReplyFields(), ...time };
    onInternalError(error, name ?? '');
    return { ok: 0, errmsg: `internal error in '${name ?? ''}': ${(error as Error).message}`, code: 1, codeName: 'InternalError', ...time };
  }
}
