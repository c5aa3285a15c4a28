import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import type { ChangeStreamRegistry } from '../replication/change-stream-registry.js';
import type { Oplog } from '../replication/oplog.js';
import type { ReplicaSetState } from '../replication/replica-set-state.js';
import type { RetryableWrites } from '../replication/retryable-writes.js';
import type { Catalog } from '../storage/catalog.js';
import type { ConnectionAuth } from './connection-auth.js';
import type { CursorRegistry } from './cursor-registry.js';
import type { ServerState } from './server-status.js';

/** The replica-set side of an engine started with a replica set name. */
export interface ReplicationContext {
  readonly state: ReplicaSetState;
  readonly oplog: Oplog;
  readonly changeStreams: ChangeStreamRegistry;
  readonly retryableWrites: RetryableWrites;
  /** Steps the node down for `ms` milliseconds (the server closes the client connections once the reply is sent). */
  readonly stepDown: (ms: number) => void;
}

/** What a command handler may use: the engine's state and the caller's connection. */
export interface CommandContext {
  readonly catalog: Catalog;
  readonly cursors: CursorRegistry;
  /** The database the command was sent to (`$db`). */
  readonly db: string;
  readonly connectionId: number;
  /** The connection's authentication state: who it is, its SASL conversation. */
  readonly auth: ConnectionAuth;
  /** Counters and state for serverStatus; write commands add their statements to its `opCounters`. */
  readonly server: ServerState;
  /** Present when the engine runs as a (single-node) replica set. */
  readonly replication?: ReplicationContext;
}

/**
 * A command handler. Handlers are synchronous on purpose: a command runs to completion without yielding to the
 * event loop, which is what makes every single-document write (and findAndModify) atomic across connections.
 */
export type CommandHandler = (command: Document, context: CommandContext) => Document;

/** Reads an optional non-negative integer command argument. */
export function optionalCount(command: Document, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeof value}', expected a number`);
  }
  return Math.trunc(value);
}

/** Reads an optional document argument. */
export function optionalDocument(command: Document, field: string): Document | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${Array.isArray(value) ? 'array' : typeof value}', expected type 'object'`);
  }
  return value as Document;
}
