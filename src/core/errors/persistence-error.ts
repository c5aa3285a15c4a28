import { DurableError, type DurableErrorOptions } from '../durable-error.js';

/**
 * Thrown when the embedded engine cannot read or write its `dbPath`: the folder is locked by another process,
 * a snapshot is corrupt, or the journal could not be written or fsynced. Code `EMBEDDED_PERSISTENCE_ERROR`.
 */
export class PersistenceError extends DurableError {
  constructor(message: string, options: DurableErrorOptions = {}) {
    super('EMBEDDED_PERSISTENCE_ERROR', message, options);
  }
}
