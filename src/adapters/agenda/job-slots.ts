/**
 * Counts the jobs this process runs at once, whichever way they started (claimed by Agenda, or run in-process right
 * after being scheduled here), so that `concurrency` bounds them all.
 */
export class JobSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Takes a slot if one is free now. */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  /** Takes a slot, waiting for one to be released if none is free. */
  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Returns a slot: hands it to the longest waiter, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free++;
  }
}
