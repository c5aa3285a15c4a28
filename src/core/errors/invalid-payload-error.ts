import { DurableError } from '../durable-error.js';

/** The `path` of an {@link InvalidPayloadError} raised while decoding a stored payload. */
export const STORED_PAYLOAD = '<stored payload>';

/**
 * A value cannot cross the durable boundary (see `docs/codec.md`), or a stored payload cannot be decoded.
 * Code `INVALID_PAYLOAD`.
 *
 * @example
 * ```text
 * Cannot store input.items[2].callback: functions cannot cross the durable boundary (pass data, not behaviour).
 * ```
 */
export class InvalidPayloadError extends DurableError {
  /** Where in the value the problem is, e.g. `input.items[2].callback`. */
  readonly path: string;
  /** Why the value at `path` is rejected. */
  readonly reason: string;

  constructor(path: string, reason: string) {
    // Decoding failures name the pseudo-path '<stored payload>': the value is being read back, not stored.
    const verb = path.startsWith(STORED_PAYLOAD) ? 'Cannot decode' : 'Cannot store';
    super('INVALID_PAYLOAD', `${verb} ${path}: ${reason}${reason.endsWith('.') ? '' : '.'}`);
    this.path = path;
    this.reason = reason;
  }
}
