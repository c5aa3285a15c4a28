import type { DurableErrorCode } from './errors/error-code.js';

/**
 * Options accepted by every {@link DurableError}.
 */
export interface DurableErrorOptions {
  /** The underlying error, kept as the standard ES2022 `cause`. */
  readonly cause?: unknown;
}

/**
 * The base of every error Durably throws. `code` is stable across releases: match on it, never on `message`.
 *
 * @example
 * ```ts
 * try { await client.startNew(MyOrchestrator, { instanceId: 'x' }); }
 * catch (e) { if (e instanceof DurableError && e.code === 'INSTANCE_ALREADY_EXISTS') { ... } }
 * ```
 */
export class DurableError extends Error {
  /** A stable, machine-readable identifier of the kind of failure (e.g. `EMBEDDED_ENGINE_ERROR`). */
  readonly code: DurableErrorCode;

  constructor(code: DurableErrorCode, message: string, options: DurableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}
