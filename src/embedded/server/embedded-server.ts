import net from 'node:net';
import { FramingError } from '../../core/errors/framing-error.js';
import { MalformedMessageError } from '../../core/errors/malformed-message-error.js';
import type { ScramCredential } from '../auth/scram-credential.js';
import type { Document } from '../bson/document.js';
import { ConnectionAuth } from '../commands/connection-auth.js';
import { replyWaitsForJournal } from '../commands/reply-durability.js';
import type { ConnectionStatistics } from '../commands/server-status.js';
import type { ClientConnection, EmbeddedEngine } from '../engine/embedded-engine.js';
import { encodeLegacyReply, encodeMsgReply } from '../wire/encode-reply.js';
import { MessageFramer } from '../wire/message-framer.js';
import { OpCode } from '../wire/op-code.js';
import { parseRequest } from '../wire/parse-request.js';

/**
 * The TCP side of the engine: frames messages, runs each connection's commands in order, and writes each reply
 * once the engine says the command's effects are durable, when its write or read concern asks for that.
 */
export class EmbeddedServer {
  readonly #engine: EmbeddedEngine;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #log: (line: string) => void;
  readonly #credential: ScramCredential | undefined;
  #nextConnectionId = 1;
  readonly #connections = (): ConnectionStatistics => ({ current: this.#sockets.size, totalCreated: this.#nextConnectionId - 1 });

  /** @param credential - the user every connection must authenticate as; undefined: no authentication. */
  constructor(engine: EmbeddedEngine, log: (line: string) => void, credential?: ScramCredential) {
    this.#engine = engine;
    this.#log = log;
    this.#credential = credential;
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  /** Closes every client connection (a simulated network failure, or a step-down as before MongoDB 4.2); clients reconnect. */
  closeConnections(): void {
    // end() lets a reply already written go out first.
    for (const socket of this.#sockets) socket.end(() => socket.destroy());
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and closes the open ones. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #accept(socket: net.Socket): void {
    const connectionId = this.#nextConnectionId++;
    const client: ClientConnection = { id: connectionId, auth: new ConnectionAuth(this.#credential) };
    const framer = new MessageFramer();
    let queue: Promise<void> = Promise.resolve();
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = framer.push(chunk);
      } catch (error) {
        // mongod closes a connection whose framing it cannot trust; the other connections carry on.
        if (error instanceof FramingError) this.#log(`durably-mongo: closing connection ${connectionId}: ${error.message}`);
        socket.destroy();
        return;
      }
      for (const message of messages) {
        // Commands of one connection run in arrival order; a reply never overtakes an earlier one.
        queue = queue.then(() => this.#handle(socket, client, message));
      }
    });
  }

  async #handle(socket: net.Socket, client: ClientConnection, message: Buffer): Promise<void> {
    let reply: Buffer | undefined;
    try {
      const request = parseRequest(message);
      const changesBefore = this.#engine.changeCount;
      const executed = this.#engine.execute(request.command, request.db, client, this.#connections);
      // Only a change stream's getMore waits (awaitData); everything else answers in the same turn.
      const result = executed instanceof Promise ? await executed : executed;
      const wrote = this.#engine.changeCount !== changesBefore;
      if (replyWaitsForJournal(request.command, result, wrote)) {
        const durable = this.#engine.durable();
        if (durable !== undefined) await durable;
      } else if (wrote) {
        this.#engine.compactIfDue();
      }
      if (request.moreToCome) return;
      reply = request.opCode === OpCode.Query
        ? encodeLegacyReply(request.requestId, result)
        : encodeReply(request.requestId, result);
    } catch (error) {
      reply = errorReply(message, error);
    }
    if (!socket.destroyed) socket.write(reply);
  }
}

function encodeReply(requestId: number, result: Document): Buffer {
  try {
    return encodeMsgReply(requestId, result);
  } catch (error) {
    return encodeMsgReply(requestId, { ok: 0, errmsg: `reply could not be encoded: ${(error as Error).message}`, code: 10334, codeName: 'BSONObjectTooLarge' });
  }
}

function errorReply(message: Buffer, error: unknown): Buffer {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  const text = error instanceof Error ? error.message : String(error);
  const reply = error instanceof MalformedMessageError
    ? { ok: 0, errmsg: text, code: 22, codeName: 'InvalidBSON' }
    : { ok: 0, errmsg: `durable write failed: ${text}`, code: 1, codeName: 'InternalError' };
  if (opCode === OpCode.Query) return encodeLegacyReply(requestId, { ...reply, $err: text }, true);
  return encodeMsgReply(requestId, reply);
}
