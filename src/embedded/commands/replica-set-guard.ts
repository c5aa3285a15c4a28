import { Long } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { timestampOf } from '../replication/oplog-position.js';
import type { ReplicationContext } from './command-context.js';

/** Commands that change data or the catalog: refused while the node is not primary. */
export const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'insert', 'update', 'delete', 'findAndModify', 'findandmodify', 'create', 'drop', 'dropDatabase', 'createIndexes',
  'dropIndexes', 'deleteIndexes', 'renameCollection', 'bulkWrite',
]);
/** The commands a driver sends as retryable writes (with `lsid` and `txnNumber`). */
const RETRYABLE_WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify', 'bulkWrite']);
/** Reads that a secondary refuses unless the read preference allows a secondary. */
const READ_COMMANDS = new Set(['find', 'aggregate', 'count', 'distinct', 'listCollections', 'listIndexes']);
const TRANSACTION_COMMANDS = new Set(['commitTransaction', 'abortTransaction']);
// A signature is required in `$clusterTime`; with no keys to sign with, mongod sends a zero hash and key id 0.
const ZERO_SIGNATURE = { hash: Buffer.alloc(20), keyId: Long.ZERO };

/** The session a command runs in, as a key (`lsid.id`, plus `lsid.uid` when authenticated); undefined without one. */
function sessionKey(command: Document): string | undefined {
  const lsid = command.lsid as Document | undefined;
  const id = lsid?.id as { toString(encoding: 'hex'): string } | undefined;
  if (id === undefined || id === null || typeof id.toString !== 'function') return undefined;
  const uid = lsid?.uid as { toString(encoding: 'hex'): string } | undefined;
  return uid === undefined ? id.toString('hex') : `${id.toString('hex')}/${uid.toString('hex')}`;
}

function txnNumberOf(command: Document): number | undefined {
  const value = command.txnNumber;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (Long.isLong(value)) return value.toNumber();
  throw new CommandError('TypeMismatch', "BSON field 'txnNumber' is the wrong type, expected type 'long'");
}

/** A retryable write's session key and transaction number, when the command is one. */
export interface RetryableWrite {
  readonly session: string;
  readonly txnNumber: number;
}

/**
 * Checks a command against the replica set's state before it runs: multi-document transactions are refused; a
 * `txnNumber` is only accepted on a retryable write; while stepped down, writes fail with NotWritablePrimary and
 * primary-only reads with NotPrimaryNoSecondaryOk, as a secondary answers.
 *
 * @returns the retryable write it is, if any (its reply is replayed or recorded by the caller).
 */
export function admitOnReplicaSet(name: string, command: Document, replication: ReplicationContext): RetryableWrite | undefined {
  if (command.startTransaction !== undefined || command.autocommit !== undefined || TRANSACTION_COMMANDS.has(name)) {
    throw new CommandError('IllegalOperation', 'Multi-document transactions are not supported by the embedded engine: Durably never needs them (each write is a single-document atomic write)');
  }
  const txnNumber = txnNumberOf(command);
  if (txnNumber !== undefined && !RETRYABLE_WRITES.has(name)) {
    throw new CommandError('IllegalOperation', 'txnNumber may only be provided for multi-document transactions and retryable write commands. autocommit:false was not provided, and ' + name + ' is not a retryable write command.');
  }
  const session = sessionKey(command);
  if (txnNumber !== undefined && session === undefined) {
    throw new CommandError('IllegalOperation', 'Transaction number requires a session ID to also be specified');
  }
  if (!replication.state.isPrimary) {
    if (WRITE_COMMANDS.has(name)) {
      throw new CommandError('NotWritablePrimary', 'not primary', txnNumber === undefined ? {} : { errorLabels: ['RetryableWriteError'] });
    }
    const mode = (command.$readPreference as Document | undefined)?.mode;
    if (READ_COMMANDS.has(name) && (mode === undefined || mode === 'primary')) {
      const changeStream = name === 'aggregate' && Array.isArray(command.pipeline) && (command.pipeline[0] as Document | undefined)?.$changeStream !== undefined;
      throw new CommandError('NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false', changeStream ? { errorLabels: ['ResumableChangeStreamError'] } : {});
    }
  }
  return txnNumber === undefined || session === undefined ? undefined : { session, txnNumber };
}

/** The `operationTime` and `$clusterTime` every reply of a replica-set member carries. */
export function clusterTimeFields(replication: ReplicationContext): Document {
  const time = timestampOf(replication.oplog.lastPosition);
  return { $clusterTime: { clusterTime: time, signature: ZERO_SIGNATURE }, operationTime: time };
}

/** Forgets the retryable-write state of the sessions an `endSessions` names. */
export function forgetSessions(command: Document, replication: ReplicationContext): void {
  const ids = command.endSessions;
  if (!Array.isArray(ids)) return;
  for (const lsid of ids as unknown[]) {
    const key = sessionKey({ lsid });
    if (key !== undefined) replication.retryableWrites.forget(key);
  }
}
