import { Binary } from 'bson';
import { CommandError } from '../../core/errors/command-error.js';
import { AUTH_DATABASE, type ScramCredential } from '../auth/scram-credential.js';
import { ScramServerConversation } from '../auth/scram-server-conversation.js';
import type { Document } from '../bson/document.js';

/** The one mechanism the engine offers: the drivers' default. */
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

/**
 * The commands a connection may run before it authenticates — mongod's commands whose `requiresAuth()` is false
 * (the handshake, authentication itself, and a few harmless probes). Every other command is refused with
 * Unauthorized (13) while the engine has credentials and the connection has not authenticated.
 */
const PRE_AUTH_COMMANDS: ReadonlySet<string> = new Set([
  'hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'authenticate', 'logout', 'ping', 'buildInfo', 'buildinfo',
  'connectionStatus',
]);

// mongod answers every authentication failure with this same text: it tells a client nothing about what was wrong.
const authenticationFailed = (): CommandError => new CommandError('AuthenticationFailed', 'Authentication failed.');

/**
 * One connection's authentication state: who it authenticated as, and its SASL conversation in progress. mongod
 * keeps the same per client; a new connection starts unauthenticated.
 */
export class ConnectionAuth {
  readonly #credential: ScramCredential | undefined;
  #user: string | undefined;
  #conversation: ScramServerConversation | undefined;

  /** @param credential - the engine's user; undefined when the engine runs without authentication. */
  constructor(credential: ScramCredential | undefined) {
    this.#credential = credential;
  }

  /** The user this connection authenticated as, if any. */
  get user(): string | undefined {
    return this.#user;
  }

  /** Throws Unauthorized (13) when the engine requires authentication and this connection may not yet run `command`. */
  assertMayRun(command: string): void {
    if (this.#credential === undefined || this.#user !== undefined || PRE_AUTH_COMMANDS.has(command)) return;
    throw new CommandError('Unauthorized', `Command ${command} requires authentication`);
  }

  /** `saslStart`: begins a conversation on `db` (the client's authSource); answers `{ conversationId, done, payload }`. */
  saslStart(command: Document, db: string): Document {
    const mechanism = command.mechanism;
    if (typeof mechanism !== 'string') throw new CommandError('FailedToParse', "BSON field 'saslStart.mechanism' is missing or not a string");
    if (mechanism === 'SCRAM-SHA-1') {
      throw new CommandError('MechanismUnavailable', 'SCRAM-SHA-1 is not supported by the embedded engine: use SCRAM-SHA-256 (the drivers\' default mechanism)');
    }
    if (mechanism !== SCRAM_SHA_256) {
      throw new CommandError('MechanismUnavailable', `Received authentication for mechanism ${mechanism} which is not enabled`);
    }
    const message = decodePayload(command.payload, 'saslStart');
    const options = command.options;
    const skipEmptyExchange = options !== null && typeof options === 'object' && (options as Document).skipEmptyExchange === true;
    const credential = this.#credential;
    const conversation = new ScramServerConversation(
      (username) => (db === AUTH_DATABASE && credential?.username === username ? credential : undefined),
      { skipEmptyExchange },
    );
    this.#conversation = conversation;
    return this.#step(conversation, message, typeof command.payload === 'string');
  }

  /** `saslContinue`: the next step of the conversation `saslStart` (or a speculative start) began. */
  saslContinue(command: Document): Document {
    const conversation = this.#conversation;
    if (conversation === undefined) throw new CommandError('ProtocolError', 'No SASL session state found');
    if (command.conversationId !== 1) throw new CommandError('ProtocolError', 'sasl: Mismatched conversation id');
    return this.#step(conversation, decodePayload(command.payload, 'saslContinue'), typeof command.payload === 'string');
  }

  /**
   * The `speculativeAuthenticate` answer to a `hello` that carries a saslStart (drivers save a round trip this way),
   * or undefined: as in mongod, a speculative start that fails is answered as if it had not been sent, and the
   * driver then runs a full `saslStart` whose error it reports.
   */
  speculativeAuthenticate(request: unknown): Document | undefined {
    if (request === null || typeof request !== 'object' || Array.isArray(request)) return undefined;
    const { db, ...saslStart } = request as Document;
    if (typeof db !== 'string' || saslStart.saslStart === undefined) return undefined;
    try {
      return this.saslStart(saslStart, db);
    } catch {
      return undefined;
    }
  }

  /** `hello`'s `saslSupportedMechs: '<db>.<user>'`: the mechanisms that user can use, undefined for an unknown user. */
  mechanismsFor(userName: unknown): string[] | undefined {
    if (typeof userName !== 'string' || this.#credential === undefined) return undefined;
    return userName === `${AUTH_DATABASE}.${this.#credential.username}` ? [SCRAM_SHA_256] : undefined;
  }

  /** `logout`: the connection is unauthenticated again. */
  logout(): void {
    this.#user = undefined;
    this.#conversation = undefined;
  }

  #step(conversation: ScramServerConversation, message: Buffer, asBase64: boolean): Document {
    const result = conversation.step(message);
    if (!result.ok) {
      this.#conversation = undefined;
      throw authenticationFailed();
    }
    if (result.done) {
      this.#user = conversation.authenticatedUser;
      this.#conversation = undefined;
    }
    return {
      conversationId: 1,
      done: result.done,
      payload: asBase64 ? result.payload.toString('base64') : new Binary(result.payload),
    };
  }
}

/** A SASL payload arrives as binary data, or (older shells) as a base64 string. */
function decodePayload(payload: unknown, command: string): Buffer {
  if (payload instanceof Binary) return Buffer.from(payload.buffer.subarray(0, payload.position));
  if (typeof payload === 'string') return Buffer.from(payload, 'base64');
  throw new CommandError('FailedToParse', `BSON field '${command}.payload' is missing or not binary data`);
}
