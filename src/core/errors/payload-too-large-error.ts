import { DurableError } from '../durable-error.js';

/** An encoded payload (input, output, event data, custom status) is larger than the configured limit. Code `PAYLOAD_TOO_LARGE`. */
export class PayloadTooLargeError extends DurableError {
  /** Which payload, e.g. `input of activity 'Resize'`. */
  readonly what: string;
  /** Its size in UTF-8 bytes after encoding. */
  readonly size: number;
  /** The limit in bytes. */
  readonly limit: number;

  constructor(what: string, size: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${size} bytes after encoding, over the limit of ${limit} bytes. ` +
        'Store large data elsewhere (a blob store, a MongoDB collection of your own) and pass a reference instead.',
    );
    this.what = what;
    this.size = size;
    this.limit = limit;
  }
}
