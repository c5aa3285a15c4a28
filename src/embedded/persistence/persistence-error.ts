import { DurableError, type DurableErrorOptions } from '../../core/durable-error.js';

/**
 * Thrown when the embedded engine cannot read or write its `dbPath`: the folder is locked by another process,
 * a snapshot is corrupt, or the journal could not be written or fsynced.
 */
export class PersistenceError extends DurableError {
  constructor(message: string, options: DurableErrorOptions = {}) {
    super('EMBEDDED_PERSISTENCE_ERROR', message, options);
  }
}
