import { DurableError } from '../durable-error.js';

/**
 * A wire message sent to the embedded engine whose header was readable but whose body was not (corrupt BSON, an
 * unknown section kind or opcode...). Code `EMBEDDED_PROTOCOL_ERROR`. The engine answers it with an error reply to
 * `requestId`; the connection stays up.
 */
export class MalformedMessageError extends DurableError {
  /**
   * @param requestId - the header's request id, which the error reply answers.
   * @param opCode - the header's opcode, which decides the shape of the error reply.
   * @param message - what is wrong with the message.
   */
  constructor(
    readonly requestId: number,
    readonly opCode: number,
    message: string,
  ) {
    super('EMBEDDED_PROTOCOL_ERROR', message);
  }
}
