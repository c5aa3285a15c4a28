import type { Response } from 'express';
import { HttpApiError } from '../core/errors/http-api-error.js';

/** Seconds a client turned away by a full {@link ReadGate} is asked to wait (`Retry-After`). */
export const READ_GATE_RETRY_AFTER_SECONDS = 1;

/** A request waiting for its turn. */
interface Waiter {
  readonly admit: () => void;
  readonly abandon: (error: HttpApiError) => void;
}

/**
 * Bounds how many expensive reads (lists, history views and exports) one admin router serves at once: up to
 * `maxConcurrent` run, up to `maxQueued` more wait in arrival order, and any further one is refused at once with
 * `503 TOO_MANY_READS` and `Retry-After: 1`. A waiting request whose client goes away gives up its place. So memory
 * and database load stay bounded however many reads arrive, and cheap requests (a status, a start) are never held up.
 */
export class ReadGate {
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;

  constructor(maxConcurrent: number, maxQueued: number) {
    this.#maxConcurrent = maxConcurrent;
    this.#maxQueued = maxQueued;
  }

  /** How many reads run now, and how many wait. */
  get load(): { readonly running: number; readonly waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /**
   * Runs `read` once a slot is free.
   * @throws HttpApiError `503 TOO_MANY_READS` (with `Retry-After` set on `res`) when every slot and queue place is
   *   taken, or when the client went away while waiting.
   */
  async run<T>(res: Response, read: () => Promise<T>): Promise<T> {
    await this.#enter(res);
    try {
      return await read();
    } finally {
      this.#leave();
    }
  }

  async #enter(res: Response): Promise<void> {
    if (this.#running < this.#maxConcurrent) {
      this.#running++;
      return;
    }
    if (this.#waiting.length >= this.#maxQueued) {
      res.set('Retry-After', String(READ_GATE_RETRY_AFTER_SECONDS));
      throw new HttpApiError(
        503,
        'TOO_MANY_READS',
        `The router is serving as many list and history reads as it allows (readLimits.maxConcurrentReads, with ` +
          `${this.#maxQueued} more waiting): retry in ${READ_GATE_RETRY_AFTER_SECONDS} s.`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const onClose = (): void => {
        const index = this.#waiting.indexOf(waiter);
        if (index !== -1) this.#waiting.splice(index, 1);
        waiter.abandon(new HttpApiError(503, 'TOO_MANY_READS', 'The client went away while its read waited for a slot.'));
      };
      const waiter: Waiter = {
        // The slot passes straight from the leaving read to this one (#running is not decremented in between).
        admit: () => {
          res.off('close', onClose);
          resolve();
        },
        abandon: reject,
      };
      res.on('close', onClose);
      this.#waiting.push(waiter);
    });
  }

  #leave(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running--;
    else next.admit();
  }
}
