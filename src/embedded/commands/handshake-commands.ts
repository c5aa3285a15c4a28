import { AUTH_DATABASE } from '../auth/scram-credential.js';
import { MAX_BSON_OBJECT_SIZE } from '../bson/document-size.js';
import type { Document } from '../bson/document.js';
import { MAX_MESSAGE_SIZE } from '../wire/op-code.js';
import type { CommandHandler } from './command-context.js';

/** The MongoDB release whose wire behaviour the engine follows (wire version 21 = MongoDB 7.0). */
export const EMULATED_VERSION = '7.0.0';
const MAX_WIRE_VERSION = 21;

/**
 * `hello` / `isMaster`: a standalone server. No `setName` (so drivers send no transactions or cluster times), no
 * `topologyVersion` (so they do not stream hello with exhaust), no `compression`.
 */
export const hello: CommandHandler = (command, context) => {
  const legacy = !('hello' in command);
  const reply: Document = {
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
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
