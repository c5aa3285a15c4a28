import { createHash } from 'node:crypto';

// The namespace Durable Functions uses for NewGuid(), so IDs follow the same scheme.
const DURABLE_NAMESPACE = Buffer.from('9e9529585e334daf827f2fa12937b875', 'hex');

/**
 * A name-based (version 5, SHA-1) UUID: the same name always gives the same UUID. Pure computation, so it is
 * safe in the replay engine.
 */
export function uuidV5(name: string, namespace: Buffer = DURABLE_NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
