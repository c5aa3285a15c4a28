import { DurableError } from '../durable-error.js';

/**
 * A byte stream sent to the embedded engine cannot be split into wire messages (a length prefix out of bounds). Code
 * `EMBEDDED_PROTOCOL_ERROR`. Resynchronising is impossible, so the connection must be closed, as mongod does.
 */
export class FramingError extends DurableError {
  constructor(message: string) {
    super('EMBEDDED_PROTOCOL_ERROR', message);
  }
}
