import type { Document } from '../document.js';
import { DurableError } from '../../core/durable-error.js';
import { ErrorCode, type ErrorCodeName } from './error-codes.js';

/**
 * A command failure that the engine answers as MongoDB does: `{ ok: 0, errmsg, code, codeName, ...details }`.
 * It never escapes the engine; the driver on the other end turns it into a `MongoServerError`.
 */
export class CommandError extends DurableError {
  /** MongoDB's numeric error code (e.g. 11000). */
  readonly mongoCode: number;
  /** MongoDB's error code name (e.g. `DuplicateKey`). */
  readonly codeName: ErrorCodeName;
  /** Extra reply fields, e.g. `keyPattern` and `keyValue` for a duplicate key. */
  readonly details: Document;

  constructor(codeName: ErrorCodeName, message: string, details: Document = {}) {
    super('EMBEDDED_COMMAND_ERROR', message);
    this.codeName = codeName;
    this.mongoCode = ErrorCode[codeName];
    this.details = details;
  }

  /** The error as the fields of a MongoDB reply or write error. */
  toReplyFields(): Document {
    return { errmsg: this.message, code: this.mongoCode, codeName: this.codeName, ...this.details };
  }
}
