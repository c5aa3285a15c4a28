import { FramingError } from '../../core/errors/framing-error.js';
import { MAX_MESSAGE_SIZE } from './op-code.js';

/**
 * Splits a TCP byte stream into whole wire messages using the little-endian length prefix of each message header.
 */
export class MessageFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;

  /** Adds bytes from the socket and returns every message now complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const messages: Buffer[] = [];
    while (this.#buffered >= 4) {
      const head = this.#peek(4);
      const length = head.readInt32LE(0);
      // A length outside these bounds means the peer is not speaking the protocol; resynchronising is impossible.
      if (length < 16 || length > MAX_MESSAGE_SIZE) {
        throw new FramingError(`invalid message length ${length}`);
      }
      if (this.#buffered < length) break;
      messages.push(this.#take(length));
    }
    return messages;
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) return first;
    const all = Buffer.concat(this.#chunks);
    this.#chunks = [all];
    return all;
  }

  #take(n: number): Buffer {
    const all = this.#peek(n);
    const message = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered -= n;
    return message;
  }
}
