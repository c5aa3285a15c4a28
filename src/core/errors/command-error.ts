import { DurableError } from '../durable-error.js';
import { MongoErrorCode, type MongoErrorCodeName } from './mongo-error-codes.js';

/**
 * A command failure that the embedded engine answers as MongoDB does: `{ ok: 0, errmsg, code, codeName, ...details }`.
 * Code `EMBEDDED_COMMAND_ERROR`. It never escapes the engine; the driver on the other end turns it into a
 * `MongoServerError`.
 */
export class CommandError extends DurableError {
  /** MongoDB's numeric error code (e.g. 11000). */
  readonly mongoCode: number;
  /** MongoDB's error code name (e.g. `DuplicateKey`). */
  readonly codeName: MongoErrorCodeName;
  /** Extra reply fields, e.g. `keyPattern` and `keyValue` for a duplicate key. */
  readonly details: Record<string, unknown>;

  /**
   * @param codeName - the MongoDB error the reply names; its numeric code follows from it.
   * @param message - the reply's `errmsg`.
   * @param details - extra reply fields, e.g. `keyPattern` and `keyValue` for a duplicate key.
   */
  constructor(codeName: MongoErrorCodeName, message: string, details: Record<string, unknown> = {}) {
    super('EMBEDDED_COMMAND_ERROR', message);
    this.codeName = codeName;
    this.mongoCode = MongoErrorCode[codeName];
    this.details = details;
  }

  /** The error as the fields of a MongoDB reply or write error. */
  toReplyFields(): Record<string, unknown> {
    return { errmsg: this.message, code: this.mongoCode, codeName: this.codeName, ...this.details };
  }
}
