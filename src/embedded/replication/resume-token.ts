import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import type { OplogPosition } from './oplog-position.js';

/**
 * What a resume token marks, in the order tokens of one position sort: the event of an oplog entry, the invalidate
 * that follows a drop or rename of the watched namespace, or a high-water mark (everything up to the position seen,
 * no event there necessarily).
 */
export type ResumeTokenKind = 'event' | 'invalidate' | 'highWaterMark';

/** A decoded resume token. */
export interface ResumeToken {
  readonly position: OplogPosition;
  readonly kind: ResumeTokenKind;
}

// `_data` is a hex string, compared as a string by drivers and users: a version byte, the 16-digit position and a kind.
const VERSION = '82';
const KIND_CODES: Readonly<Record<ResumeTokenKind, string>> = { event: '00', invalidate: '01', highWaterMark: '02' };

/** The `{ _data }` document of a token; tokens sort (as strings) in oplog order. */
export function encodeResumeToken(token: ResumeToken): Document {
  return { _data: `${VERSION}${token.position.toString(16).padStart(16, '0')}${KIND_CODES[token.kind]}` };
}

/**
 * Decodes a token a client sent back (`resumeAfter`, `startAfter`).
 *
 * @throws CommandError BadValue when it is not a token this engine issued (mongod: code 2 too).
 */
export function decodeResumeToken(value: unknown): ResumeToken {
  const data = value !== null && typeof value === 'object' ? (value as Document)._data : undefined;
  const match = typeof data === 'string' ? /^82([0-9a-f]{16})(0[0-2])$/.exec(data) : null;
  if (match === null) {
    throw new CommandError('BadValue', `invalid resume token: ${JSON.stringify(value)} (expected a token issued by this server, { _data: <hex string> })`);
  }
  const kind = (Object.keys(KIND_CODES) as ResumeTokenKind[]).find((name) => KIND_CODES[name] === match[2]) as ResumeTokenKind;
  return { position: BigInt(`0x${match[1] as string}`), kind };
}
