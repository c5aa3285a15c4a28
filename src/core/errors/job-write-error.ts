import { DurableError, type DurableErrorOptions } from '../durable-error.js';

/**
 * One statement of a combined scheduler job write failed on its own (the other statements of the same command did
 * not). Code `JOB_WRITE_FAILED`; the server's own error code for the statement is {@link JobWriteError.serverCode}.
 *
 * It reports a write that did not happen, not a decision about the job: unlike other `DurableError`s met while a job
 * runs, it never fails a job for good.
 */
export class JobWriteError extends DurableError {
  /**
   * The server's error code for this statement (a number, e.g. `11000` for a duplicate key), as the server sent it.
   * Named apart from `code`, which is the catalogue's.
   */
  readonly serverCode: unknown;

  /**
   * @param message - The server's message for the statement.
   * @param serverCode - The server's error code for the statement.
   */
  constructor(message: string, serverCode: unknown, options: DurableErrorOptions = {}) {
    super('JOB_WRITE_FAILED', message, options);
    this.serverCode = serverCode;
  }
}
