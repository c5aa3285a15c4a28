import { DurableError } from '../core/durable-error.js';

/** The embedded engine could not start (port in use, dbPath locked or unreadable). Code `EMBEDDED_ENGINE_ERROR`. */
export class EmbeddedEngineError extends DurableError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('EMBEDDED_ENGINE_ERROR', message, options);
  }
}
