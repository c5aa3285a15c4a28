import { payloadSize } from './codec.js';
import { PayloadTooLargeError } from './errors/payload-too-large-error.js';
import type { EncodedPayload } from './codec.js';

/** Throws `PayloadTooLargeError` naming `what` when an encoded payload is over `limit` bytes (no limit: undefined). */
export function assertPayloadSize(encoded: EncodedPayload, what: string, limit: number | undefined): EncodedPayload {
  if (limit === undefined) return encoded;
  const size = payloadSize(encoded);
  if (size > limit) throw new PayloadTooLargeError(what, size, limit);
  return encoded;
}
