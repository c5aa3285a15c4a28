/** Renews a running job's lock every `everyMs` by calling `renew`, one renewal at a time. */
export class LockHeartbeat {
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<void> = Promise.resolve();

  constructor(renew: () => Promise<unknown>, everyMs: number, onError: (error: unknown) => void) {
    this.#timer = setInterval(() => {
      this.#pending = this.#pending.then(async () => {
        await renew();
      }).catch(onError);
    }, everyMs);
    // It matters only while the handler runs, which keeps the process busy anyway.
    this.#timer.unref();
  }

  /** Stops renewing; resolves once a renewal in flight has landed. */
  stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    return this.#pending;
  }
}
