/**
 * A TCP proxy in front of a MongoDB-protocol server that decodes every OP_MSG the app sends and counts commands by
 * name and collection — write commands by statement (documents inserted, update/delete statements, findAndModify
 * calls) — and, from the server's replies, how many of those writes changed data. It sees every client Durably opens
 * (the store's and Agenda's) without any hook in the library: what it counts is what crossed the wire.
 *
 * @module
 */
import net from 'node:net';
import { BSON, type Document } from 'mongodb';

/** Commands that write (a findAndModify that matched nothing still counts as a write command). */
export const WRITE_COMMANDS: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'findAndModify']);

const OP_MSG = 2013;

/** Counts per `"<command> <collection>"`: statements sent, and (for writes) documents the server reports changed. */
export interface CommandCounts {
  readonly sent: ReadonlyMap<string, number>;
  readonly changed: ReadonlyMap<string, number>;
}

interface DecodedMessage {
  readonly requestId: number;
  readonly responseTo: number;
  readonly body: Document;
  readonly sequences: ReadonlyMap<string, number>;
}

function decode(frame: Buffer): DecodedMessage | undefined {
  if (frame.readInt32LE(12) !== OP_MSG) return undefined; // the handshake's OP_QUERY is not an operation
  const flags = frame.readUInt32LE(16);
  const end = frame.length - ((flags & 1) === 1 ? 4 : 0);
  let position = 20;
  let body: Document | undefined;
  const sequences = new Map<string, number>();
  while (position < end) {
    const kind = frame[position];
    position += 1;
    const size = frame.readInt32LE(position);
    if (kind === 0) {
      body = BSON.deserialize(frame.subarray(position, position + size));
    } else {
      const nameEnd = frame.indexOf(0, position + 4);
      const identifier = frame.toString('utf8', position + 4, nameEnd);
      let docs = 0;
      for (let p = nameEnd + 1; p < position + size; p += frame.readInt32LE(p)) docs++;
      sequences.set(identifier, docs);
    }
    position += size;
  }
  return body === undefined ? undefined : { requestId: frame.readInt32LE(4), responseTo: frame.readInt32LE(8), body, sequences };
}

/** Splits a byte stream into wire-protocol frames. */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (pending.length < length) break;
      onFrame(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

function changedDocuments(command: string, reply: Document): number {
  const n = (value: unknown): number => (typeof value === 'number' ? value : 0);
  switch (command) {
    case 'insert':
    case 'delete':
      return n(reply.n);
    case 'update':
      return n(reply.nModified) + (Array.isArray(reply.upserted) ? reply.upserted.length : 0);
    case 'findAndModify':
      // n is 1 when a document was updated, upserted or removed.
      return n((reply.lastErrorObject as Document | undefined)?.n) > 0 ? 1 : 0;
    default:
      return 0;
  }
}

export class CommandCounter {
  readonly #sent = new Map<string, number>();
  readonly #changed = new Map<string, number>();
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(targetPort: number) {
    this.#server = net.createServer((socket) => this.#connect(socket, targetPort));
  }

  /** Listens on a free port in front of the server on `targetPort`; returns the proxy's connection string. */
  static async start(targetPort: number): Promise<{ counter: CommandCounter; uri: string }> {
    const counter = new CommandCounter(targetPort);
    await new Promise<void>((resolve) => counter.#server.listen(0, '127.0.0.1', resolve));
    const { port } = counter.#server.address() as net.AddressInfo;
    // A direct connection: a replica-set member (the embedded engine's default) names its own address in `hello`, and
    // a driver that discovered the set would connect there, past the proxy, and nothing would be counted.
    return { counter, uri: `mongodb://127.0.0.1:${port}/?directConnection=true` };
  }

  snapshot(): CommandCounts {
    return { sent: new Map(this.#sent), changed: new Map(this.#changed) };
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #connect(socket: net.Socket, port: number): void {
    const upstream = net.connect(port, '127.0.0.1');
    this.#sockets.add(socket).add(upstream);
    // Write commands waiting for their reply, by request id.
    const pending = new Map<number, { key: string; command: string }>();
    socket.on('data', framer((frame) => {
      const message = decode(frame);
      if (message !== undefined) {
        const counted = this.#count(message);
        if (counted !== undefined && WRITE_COMMANDS.has(counted.command)) pending.set(message.requestId, counted);
      }
      upstream.write(frame);
    }));
    upstream.on('data', framer((frame) => {
      const reply = decode(frame);
      const request = reply === undefined ? undefined : pending.get(reply.responseTo);
      if (reply !== undefined && request !== undefined) {
        pending.delete(reply.responseTo);
        const changed = changedDocuments(request.command, reply.body);
        this.#changed.set(request.key, (this.#changed.get(request.key) ?? 0) + changed);
      }
      socket.write(frame);
    }));
    const close = (): void => {
      socket.destroy();
      upstream.destroy();
      this.#sockets.delete(socket);
      this.#sockets.delete(upstream);
    };
    socket.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  #count(message: DecodedMessage): { key: string; command: string } | undefined {
    const { body, sequences } = message;
    const command = Object.keys(body)[0] ?? '?';
    // Server monitoring runs on a timer: it is not caused by the work.
    if (command === 'hello' || command === 'ismaster' || command === 'isMaster') return undefined;
    const target = body[command] as unknown;
    const collection = typeof target === 'string' ? target.replace(/^[^.]+\./, '') : '-';
    const statements = (field: string): number => sequences.get(field) ?? (Array.isArray(body[field]) ? (body[field] as unknown[]).length : 1);
    const n = command === 'insert' ? statements('documents') : command === 'update' ? statements('updates') : command === 'delete' ? statements('deletes') : 1;
    const key = `${command} ${collection}`;
    this.#sent.set(key, (this.#sent.get(key) ?? 0) + n);
    return { key, command };
  }
}

/** `after − before`, per key, dropping zeros. */
export function diffCounts(after: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) out.set(key, d);
  }
  return out;
}

/** The sum over write commands of a count map. */
export function totalWrites(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const [key, value] of counts) if (WRITE_COMMANDS.has(key.split(' ')[0] ?? '')) total += value;
  return total;
}
