import { DurableError } from '../durable-error.js';

/**
 * The codes of {@link EmbeddedEngineError}:
 *
 * - `EMBEDDED_ENGINE_ERROR`: the engine could not start (port in use, dbPath locked or unreadable, invalid options).
 * - `EMBEDDED_ENGINE_AUTH_REQUIRED`: it was asked to listen beyond loopback without credentials (`auth`), which would
 *   let anyone on the network read and rewrite its data.
 */
export type EmbeddedEngineErrorCode = 'EMBEDDED_ENGINE_ERROR' | 'EMBEDDED_ENGINE_AUTH_REQUIRED';

/** Options of {@link EmbeddedEngineError}. */
export interface EmbeddedEngineErrorOptions {
  readonly cause?: unknown;
  /** Default `EMBEDDED_ENGINE_ERROR`. */
  readonly code?: EmbeddedEngineErrorCode;
}

/** The embedded engine could not start; `code` says why (see {@link EmbeddedEngineErrorCode}). */
export class EmbeddedEngineError extends DurableError {
  declare readonly code: EmbeddedEngineErrorCode;

  constructor(message: string, options: EmbeddedEngineErrorOptions = {}) {
    super(options.code ?? 'EMBEDDED_ENGINE_ERROR', message, options.cause === undefined ? {} : { cause: options.cause });
  }
}
