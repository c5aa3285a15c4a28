import { AUTH_DATABASE } from '../auth/scram-credential.js';
import { MAX_BSON_OBJECT_SIZE } from '../bson/document-size.js';
import type { Document } from '../bson/document.js';
import { MAX_MESSAGE_SIZE } from '../wire/op-code.js';
import type { CommandHandler, ReplicationContext } from './command-context.js';
import { lastOpTime } from './replication-commands.js';

/** The MongoDB release whose wire behaviour the engine follows (wire version 21 = MongoDB 7.0). */
export const EMULATED_VERSION = '7.0.0';
const MAX_WIRE_VERSION = 21;

/**
 * `hello` / `isMaster`: a standalone server, or with a replica set name the primary of a one-member replica set
 * (a secondary during a simulated step-down) — then drivers send `lsid` + `txnNumber` for retryable writes,
 * `$clusterTime`, read concerns, and may open change streams. No `topologyVersion` (so drivers do not stream hello
 * with exhaust, which the engine does not implement: they poll it, and learn of a step-down from its errors), no
 * `compression`.
 */
export const hello: CommandHandler = (command, context) => {
  const legacy = !('hello' in command);
  const replication = context.replication;
  const primary = replication === undefined || replication.state.isPrimary;
  const reply: Document = {
    helloOk: true,
    ...(legacy ? { ismaster: primary } : { isWritablePrimary: primary }),
    ...(replication === undefined ? {} : replicaSetFields(replication, primary)),
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
  };
  // A driver with credentials asks which mechanisms its user has, and sends its first SCRAM message along.
  const mechanisms = context.auth.mechanismsFor(command.saslSupportedMechs);
  if (mechanisms !== undefined) reply.saslSupportedMechs = mechanisms;
  const speculative = context.auth.speculativeAuthenticate(command.speculativeAuthenticate);
  if (speculative !== undefined) reply.speculativeAuthenticate = speculative;
  reply.ok = 1;
  return reply;
};

/** The replica-set part of `hello`: the set, its one member, and this member's state and last write. */
function replicaSetFields(replication: ReplicationContext, primary: boolean): Document {
  const { state } = replication;
  const opTime = lastOpTime(replication);
  const lastWriteDate = new Date(Number(replication.oplog.lastPosition >> 32n) * 1000);
  return {
    hosts: [state.me],
    setName: state.setName,
    setVersion: 1,
    secondary: !primary,
    ...(primary ? { primary: state.me } : {}),
    me: state.me,
    ...(primary ? { electionId: state.electionId } : {}),
    lastWrite: { opTime, lastWriteDate, majorityOpTime: opTime, majorityWriteDate: lastWriteDate },
  };
}

/** `ping`. */
export const ping: CommandHandler = () => ({ ok: 1 });

/** `buildInfo`. */
export const buildInfo: CommandHandler = () => ({
  version: EMULATED_VERSION,
  gitVersion: 'durably-embedded',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  storageEngines: ['durably-embedded'],
  javascriptEngine: 'none',
  modules: [],
  ok: 1,
});

/** `endSessions`: sessions are not tracked, so there is nothing to end. */
export const endSessions: CommandHandler = () => ({ ok: 1 });

/** `connectionStatus`: the engine's one user holds every privilege, as mongod's `root`. */
export const connectionStatus: CommandHandler = (_command, context) => {
  const user = context.auth.user;
  return {
    authInfo: user === undefined
      ? { authenticatedUsers: [], authenticatedUserRoles: [] }
      : { authenticatedUsers: [{ user, db: AUTH_DATABASE }], authenticatedUserRoles: [{ role: 'root', db: AUTH_DATABASE }] },
    ok: 1,
  };
};

/** `whatsmyuri`. */
export const whatsmyuri: CommandHandler = (_command, context) => ({ you: `connection ${context.connectionId}`, ok: 1 });

/** `getParameter`: only `featureCompatibilityVersion` is meaningful. */
export const getParameter: CommandHandler = (command) => {
  const reply: Document = { ok: 1 };
  if (command.featureCompatibilityVersion !== undefined || command.getParameter === '*') {
    reply.featureCompatibilityVersion = { version: '7.0' };
  }
  return reply;
};
