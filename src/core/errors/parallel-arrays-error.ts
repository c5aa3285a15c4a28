import { DurableError } from '../durable-error.js';

/**
 * MongoDB's CannotIndexParallelArrays (code 171) in the embedded engine: two fields of a compound index key hold
 * different arrays, so the document has no well-defined set of index keys. Code `EMBEDDED_COMMAND_ERROR`: a write
 * answers it as the command error of the same name.
 */
export class ParallelArraysError extends DurableError {
  /** MongoDB's numeric error code. */
  readonly mongoCode = 171;
  /** MongoDB's error code name. */
  readonly codeName = 'CannotIndexParallelArrays';

  /**
   * @param later - field name of the array found second (MongoDB names it first).
   * @param earlier - field name of the array found first.
   */
  constructor(later: string, earlier: string) {
    super('EMBEDDED_COMMAND_ERROR', `cannot index parallel arrays [${later}] [${earlier}]`);
  }
}
