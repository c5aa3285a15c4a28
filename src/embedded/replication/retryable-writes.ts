import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';

// Sessions whose last retryable write is remembered; the oldest are forgotten beyond this (mongod keeps them in
// config.transactions until the session expires).
const MAX_SESSIONS = 100_000;

interface LastWrite {
  readonly txnNumber: number;
  readonly reply: Document;
}

/**
 * Retryable writes: for each logical session, the `txnNumber` of its latest write and that write's reply. A write
 * sent again with the same `lsid` and `txnNumber` (a driver retrying after a network error or a step-down) gets the
 * remembered reply and is not applied a second time.
 */
export class RetryableWrites {
  #sessions = new Map<string, LastWrite>();

  /** Number of sessions remembered. */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * The reply to replay for this write when it was already applied; undefined when it must run.
   *
   * @throws CommandError TransactionTooOld when the session has since sent a newer write.
   */
  replay(lsid: string, txnNumber: number): Document | undefined {
    const last = this.#sessions.get(lsid);
    if (last === undefined || last.txnNumber < txnNumber) return undefined;
    if (last.txnNumber > txnNumber) {
      throw new CommandError('TransactionTooOld', `Retryable write with txnNumber ${txnNumber} is prohibited on session ${lsid} because a newer retryable write with txnNumber ${last.txnNumber} has already started on this session.`);
    }
    return last.reply;
  }

  /** Remembers the reply of a write that was applied. */
  record(lsid: string, txnNumber: number, reply: Document): void {
    this.#sessions.delete(lsid);
    this.#sessions.set(lsid, { txnNumber, reply });
    if (this.#sessions.size > MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
  }

  /** Forgets sessions that ended (`endSessions`). */
  forget(lsid: string): void {
    this.#sessions.delete(lsid);
  }
}
