import { describe, expect, it } from '@jest/globals';
import { serialize, type Document } from 'bson';
import { FramingError } from '../../../../src/core/errors/framing-error.js';
import { MalformedMessageError } from '../../../../src/core/errors/malformed-message-error.js';
import { MessageFramer } from '../../../../src/embedded/wire/message-framer.js';
import { parseRequest } from '../../../../src/embedded/wire/parse-request.js';
import { encodeLegacyReply, encodeMsgReply } from '../../../../src/embedded/wire/encode-reply.js';

function header(length: number, requestId: number, opCode: number): Buffer {
  const head = Buffer.alloc(16);
  head.writeInt32LE(length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(opCode, 12);
  return head;
}

function opMsg(body: Document, sequences: Array<[string, Document[]]> = [], flags = 0): Buffer {
  const parts: Buffer[] = [];
  const flagBuf = Buffer.alloc(4);
  flagBuf.writeUInt32LE(flags, 0);
  parts.push(flagBuf, Buffer.from([0]), Buffer.from(serialize(body)));
  for (const [id, docs] of sequences) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4, 0);
    parts.push(Buffer.from([1]), size, payload);
  }
  const rest = Buffer.concat(parts);
  return Buffer.concat([header(16 + rest.length, 7, 2013), rest]);
}

function opQuery(namespace: string, query: Document): Buffer {
  const rest = Buffer.concat([Buffer.alloc(4), Buffer.from(`${namespace}\0`), Buffer.alloc(8), Buffer.from(serialize(query))]);
  return Buffer.concat([header(16 + rest.length, 9, 2004), rest]);
}

describe('parseRequest', () => {
  it('decodes an OP_MSG body and attaches document sequences', () => {
    const request = parseRequest(opMsg({ insert: 'c', $db: 'app' }, [['documents', [{ a: 1 }, { a: 2 }]]]));
    expect(request.db).toBe('app');
    expect(request.requestId).toBe(7);
    expect(request.command.documents).toEqual([{ a: 1 }, { a: 2 }]);
    expect(request.moreToCome).toBe(false);
  });

  it('honours moreToCome and strips the checksum', () => {
    const message = opMsg({ endSessions: [], $db: 'admin' }, [], 0b11);
    const withChecksum = Buffer.concat([message, Buffer.alloc(4)]);
    withChecksum.writeInt32LE(withChecksum.length, 0);
    const request = parseRequest(withChecksum);
    expect(request.moreToCome).toBe(true);
    expect(request.command.endSessions).toEqual([]);
  });

  it('decodes the legacy OP_QUERY handshake, unwrapping $query', () => {
    const request = parseRequest(opQuery('admin.$cmd', { $query: { ismaster: 1, helloOk: true } }));
    expect(request.db).toBe('admin');
    expect(request.command).toEqual({ ismaster: 1, helloOk: true });
  });

  it('refuses OP_QUERY on a collection, OP_MSG without $db, unknown required flags and bad sections', () => {
    expect(() => parseRequest(opQuery('app.things', { a: 1 }))).toThrow(MalformedMessageError);
    expect(() => parseRequest(opMsg({ ping: 1 }))).toThrow(/\$db/);
    expect(() => parseRequest(opMsg({ ping: 1, $db: 'a' }, [], 1 << 4))).toThrow(/flag/);
    const bad = opMsg({ ping: 1, $db: 'a' });
    bad.writeUInt8(7, 20);
    expect(() => parseRequest(bad)).toThrow(/section kind/);
  });

  it('turns corrupt BSON into a MalformedMessageError that keeps the request id', () => {
    const message = opMsg({ ping: 1, $db: 'a' });
    message.writeInt32LE(9999, 21); // BSON length far beyond the message
    try {
      parseRequest(message);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedMessageError);
      expect((error as MalformedMessageError).requestId).toBe(7);
    }
  });

  it('refuses unsupported opcodes', () => {
    expect(() => parseRequest(Buffer.concat([header(20, 3, 2012), Buffer.alloc(4)]))).toThrow(/opCode 2012/);
  });
});

describe('MessageFramer', () => {
  it('reassembles messages split across and merged within chunks', () => {
    const a = opMsg({ ping: 1, $db: 'a' });
    const b = opMsg({ hello: 1, $db: 'b' });
    const stream = Buffer.concat([a, b]);
    const framer = new MessageFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 5) out.push(...framer.push(stream.subarray(i, i + 5)));
    expect(out.map((m) => parseRequest(m).db)).toEqual(['a', 'b']);
  });

  it('rejects impossible lengths', () => {
    const framer = new MessageFramer();
    const bad = Buffer.alloc(16);
    bad.writeInt32LE(3, 0);
    expect(() => framer.push(bad)).toThrow(FramingError);
    const huge = Buffer.alloc(16);
    huge.writeInt32LE(60_000_000, 0);
    expect(() => new MessageFramer().push(huge)).toThrow(FramingError);
  });
});

describe('encode replies', () => {
  it('answers OP_MSG with responseTo set', () => {
    const reply = encodeMsgReply(42, { ok: 1 });
    expect(reply.readInt32LE(0)).toBe(reply.length);
    expect(reply.readInt32LE(8)).toBe(42);
    expect(reply.readInt32LE(12)).toBe(2013);
  });

  it('answers OP_QUERY with one OP_REPLY document', () => {
    const reply = encodeLegacyReply(5, { ok: 1 });
    expect(reply.readInt32LE(12)).toBe(1);
    expect(reply.readInt32LE(32)).toBe(1);
  });
});
