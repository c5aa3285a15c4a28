import { deserialize } from 'bson';
import { MalformedMessageError } from '../../core/errors/malformed-message-error.js';
import { recordDocumentSizeBound } from '../bson/document-size.js';
import type { Document } from '../bson/document.js';
import { MsgFlag, OpCode } from './op-code.js';

/** Deserialisation shared by every incoming document: numbers become JS numbers, unsafe int64 stay `Long`. */
export const DESERIALIZE_OPTIONS = { promoteValues: true, promoteLongs: true, promoteBuffers: false } as const;

/** A command decoded from one wire message. */
export interface WireRequest {
  readonly requestId: number;
  readonly opCode: number;
  /** The command document; OP_MSG document sequences are attached to it as arrays under their identifiers. */
  readonly command: Document;
  /** Database from `$db` (OP_MSG) or from the `<db>.$cmd` namespace (OP_QUERY). */
  readonly db: string;
  /** The client expects no reply (OP_MSG `moreToCome`). */
  readonly moreToCome: boolean;
}

/** Decodes one complete wire message (header included). */
export function parseRequest(message: Buffer): WireRequest {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  try {
    if (opCode === OpCode.Msg) return parseMsg(message, requestId);
    if (opCode === OpCode.Query) return parseQuery(message, requestId);
  } catch (error) {
    if (error instanceof MalformedMessageError) throw error;
    throw new MalformedMessageError(requestId, opCode, `invalid message: ${(error as Error).message}`);
  }
  throw new MalformedMessageError(requestId, opCode, `unsupported opCode ${opCode}`);
}

function parseMsg(message: Buffer, requestId: number): WireRequest {
  const flags = message.readUInt32LE(16);
  // Bits 0-15 are "required": an unknown one set means we cannot interpret the message safely.
  const unknownRequired = flags & 0xffff & ~(MsgFlag.ChecksumPresent | MsgFlag.MoreToCome);
  if (unknownRequired !== 0) {
    throw new MalformedMessageError(requestId, OpCode.Msg, `unsupported OP_MSG flag bits ${unknownRequired}`);
  }
  const end = flags & MsgFlag.ChecksumPresent ? message.length - 4 : message.length;
  let offset = 20;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      if (body !== undefined) throw new MalformedMessageError(requestId, OpCode.Msg, 'OP_MSG has two body sections');
      body = deserialize(message.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      let cursor = offset + 4;
      const nul = message.indexOf(0, cursor);
      if (nul < 0 || nul >= sectionEnd) throw new MalformedMessageError(requestId, OpCode.Msg, 'bad sequence id');
      const identifier = message.toString('utf8', cursor, nul);
      const recordSizes = identifier === 'documents';
      cursor = nul + 1;
      const docs: Document[] = [];
      while (cursor < sectionEnd) {
        const docSize = message.readInt32LE(cursor);
        const doc = deserialize(message.subarray(cursor, cursor + docSize), DESERIALIZE_OPTIONS);
        // Spares measuring inserted documents again for the 16 MiB check (see recordDocumentSizeBound).
        if (recordSizes) recordDocumentSizeBound(doc, docSize);
        docs.push(doc);
        cursor += docSize;
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw new MalformedMessageError(requestId, OpCode.Msg, `unknown OP_MSG section kind ${kind}`);
    }
  }
  if (body === undefined) throw new MalformedMessageError(requestId, OpCode.Msg, 'OP_MSG without a body section');
  for (const [identifier, docs] of sequences) {
    if (identifier in body) {
      throw new MalformedMessageError(requestId, OpCode.Msg, `duplicate field '${identifier}' in body and sequence`);
    }
    body[identifier] = docs;
  }
  const db = body.$db;
  if (typeof db !== 'string' || db.length === 0) {
    throw new MalformedMessageError(requestId, OpCode.Msg, 'OP_MSG requires a $db argument');
  }
  return { requestId, opCode: OpCode.Msg, command: body, db, moreToCome: (flags & MsgFlag.MoreToCome) !== 0 };
}

function parseQuery(message: Buffer, requestId: number): WireRequest {
  let offset = 20; // header + flags
  const nul = message.indexOf(0, offset);
  if (nul < 0) throw new MalformedMessageError(requestId, OpCode.Query, 'bad fullCollectionName');
  const namespace = message.toString('utf8', offset, nul);
  offset = nul + 1 + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(offset);
  let query = deserialize(message.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
  // Drivers wrap commands sent with read preferences as { $query: cmd, $readPreference }.
  if (query.$query !== null && typeof query.$query === 'object') query = query.$query as Document;
  const dot = namespace.indexOf('.');
  const db = dot > 0 ? namespace.slice(0, dot) : namespace;
  const collection = dot > 0 ? namespace.slice(dot + 1) : '';
  if (collection !== '$cmd') {
    // mongod 5.1+ accepts OP_QUERY only for commands; legacy queries get the same refusal.
    throw new MalformedMessageError(requestId, OpCode.Query, 'OP_QUERY is no longer supported for queries; use OP_MSG');
  }
  return { requestId, opCode: OpCode.Query, command: query, db, moreToCome: false };
}
