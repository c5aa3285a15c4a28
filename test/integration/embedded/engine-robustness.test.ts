import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { deserialize, serialize, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../src/embedded/index.js';

type AnyDoc = { _id: string | number; [key: string]: unknown };

let mongo: EmbeddedMongo;
let client: MongoClient;

beforeAll(async () => {
  mongo = await startEmbeddedMongo({ log: () => undefined });
  client = await MongoClient.connect(mongo.uri);
});

afterAll(async () => {
  await client.close();
  await mongo.stop();
});

function opMsg(body: Buffer | Document, requestId = 1, sequence?: [string, Buffer[]]): Buffer {
  const bodyBytes = Buffer.isBuffer(body) ? body : Buffer.from(serialize(body));
  const parts = [Buffer.alloc(4), Buffer.from([0]), bodyBytes];
  if (sequence !== undefined) {
    const payload = Buffer.concat([Buffer.from(`${sequence[0]}\0`), ...sequence[1]]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4, 0);
    parts.push(Buffer.from([1]), size, payload);
  }
  const rest = Buffer.concat(parts);
  const head = Buffer.alloc(16);
  head.writeInt32LE(16 + rest.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(2013, 12);
  return Buffer.concat([head, rest]);
}

/** A raw connection that sends messages and reads OP_MSG replies. */
class RawConnection {
  readonly socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #waiters: Array<(reply: Document) => void> = [];
  readonly closed: Promise<void>;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 4 && this.#buffer.length >= this.#buffer.readInt32LE(0)) {
        const length = this.#buffer.readInt32LE(0);
        const message = this.#buffer.subarray(0, length);
        this.#buffer = this.#buffer.subarray(length);
        this.#waiters.shift()?.(deserialize(message.subarray(21)));
      }
    });
  }

  send(message: Buffer): Promise<Document> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.socket.write(message);
    });
  }
}

describe('bad input never takes the engine down', () => {
  it('answers corrupt BSON with InvalidBSON and keeps the connection', async () => {
    const raw = new RawConnection(mongo.port);
    const corrupt = Buffer.from(serialize({ ping: 1, $db: 'admin' }));
    corrupt.writeInt32LE(corrupt.length + 100, 0);
    const reply = await raw.send(opMsg(corrupt, 11));
    expect(reply).toMatchObject({ ok: 0, code: 22, codeName: 'InvalidBSON' });
    expect(await raw.send(opMsg({ ping: 1, $db: 'admin' }, 12))).toMatchObject({ ok: 1 });
    raw.socket.destroy();
  });

  it('closes only the offending connection on an impossible message length', async () => {
    const raw = new RawConnection(mongo.port);
    const garbage = Buffer.alloc(16, 0xff);
    raw.socket.write(garbage);
    await raw.closed;
    expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
  });

  it('survives a client that disconnects mid-message', async () => {
    const raw = new RawConnection(mongo.port);
    const message = opMsg({ insert: 'half', documents: [{ a: 1 }], $db: 'robust' });
    raw.socket.end(message.subarray(0, message.length - 5));
    await raw.closed;
    expect(await client.db('robust').collection('half').countDocuments()).toBe(0);
  });

  it('answers unknown commands like mongod', async () => {
    await expect(client.db('admin').command({ frobnicate: 1 })).rejects.toMatchObject({ code: 59, message: "no such command: 'frobnicate'" });
  });

  it('rejects a document over 16 MiB sent past the driver, and stores nothing', async () => {
    const raw = new RawConnection(mongo.port);
    await raw.connected;
    // Just over the limit: 16 MiB of payload plus the document's own bytes.
    const big = Buffer.from(serialize({ _id: 'big', blob: 'x'.repeat(16 * 1024 * 1024 + 1024) }));
    const reply = await raw.send(opMsg({ insert: 'sizes', $db: 'robust' }, 21, ['documents', [big]]));
    // One assertion on the whole reply, so a failure shows what the engine answered.
    expect(reply).toMatchObject({ ok: 1, n: 0, writeErrors: [expect.objectContaining({ index: 0, code: 10334 })] });
    expect(await client.db('robust').collection('sizes').countDocuments()).toBe(0);
    raw.socket.destroy();
  });

  it('rejects invalid operators with BadValue and leaves data intact', async () => {
    const coll = client.db('robust').collection<AnyDoc>('ops');
    await coll.insertOne({ _id: 1, a: 1 });
    await expect(coll.find({ a: { $bogus: 1 } }).toArray()).rejects.toMatchObject({ code: 2 });
    await expect(coll.updateOne({ _id: 1 }, { $bogus: { a: 2 } })).rejects.toMatchObject({ code: 9 });
    await expect(coll.find({ $where: 'this.a == 1' }).toArray()).rejects.toMatchObject({ code: 2 });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1 });
  });

  it('stores user data containing operators as data, never as a query', async () => {
    const coll = client.db('robust').collection<AnyDoc>('data');
    const hostile = { _id: 'h', payload: { $where: 'sleep(1000)', $gt: '', 'a.b': 1 } };
    await coll.insertOne(hostile);
    expect(await coll.findOne({ _id: 'h' })).toEqual(hostile);
  });

  it('keeps serving other connections while one sends junk continuously', async () => {
    const raw = new RawConnection(mongo.port);
    for (let i = 0; i < 50; i++) raw.socket.write(opMsg(Buffer.from([5, 0, 0, 0, 0]), 100 + i));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.db('robust').collection('busy').insertOne({ i })));
    expect(results).toHaveLength(20);
    raw.socket.destroy();
  });
});
