import { serialize } from 'bson';
import type { Document } from '../bson/document.js';
import { OpCode } from './op-code.js';

let nextRequestId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const head = Buffer.allocUnsafe(16);
  head.writeInt32LE(length, 0);
  head.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(opCode, 12);
  return head;
}

/** Encodes an OP_MSG reply with a single body section. */
export function encodeMsgReply(responseTo: number, reply: Document): Buffer {
  const body = serialize(reply);
  const prefix = Buffer.alloc(5); // flagBits (0) + section kind 0
  return Buffer.concat([header(16 + 5 + body.length, responseTo, OpCode.Msg), prefix, body]);
}

/** Encodes a legacy OP_REPLY with one document, the answer to an OP_QUERY handshake. */
export function encodeLegacyReply(responseTo: number, reply: Document, queryFailure = false): Buffer {
  const body = serialize(reply);
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(queryFailure ? 2 : 0, 0); // responseFlags: QueryFailure
  // cursorID (int64) stays 0, startingFrom 0
  fields.writeInt32LE(1, 16); // numberReturned
  return Buffer.concat([header(16 + 20 + body.length, responseTo, OpCode.Reply), fields, body]);
}
