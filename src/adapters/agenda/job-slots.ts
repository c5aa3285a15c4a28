interface Waiter {
  /** Waits for every slot: to run alone (see {@link JobSlots.acquireAlone}). */
  readonly alone: boolean;
  readonly grant: () => void;
}

/**
 * Counts the jobs this process runs at once, whichever way they started (claimed by Agenda, or run in-process right
 * after being scheduled here), so that `concurrency` bounds them all.
 *
 * A job can also take every slot, to run alone ({@link JobSlots.acquireAlone}). Waiters are served first come, first
 * served, and nobody overtakes a waiter: while one waits to run alone, new jobs wait behind it (and
 * {@link JobSlots.tryAcquire} fails), so it starts as soon as the jobs already running have finished, however much new
 * work keeps arriving; the jobs behind it start once it is done.
 */
export class JobSlots {
  readonly #size: number;
  #free: number;
  readonly #waiting: Waiter[] = [];

  constructor(size: number) {
    this.#size = size;
    this.#free = size;
  }

  /** Slots free now (0 while a job runs alone). */
  get free(): number {
    return this.#free;
  }

  /** Jobs waiting for slots. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Takes a slot if one is free now and nobody is waiting. */
  tryAcquire(): boolean {
    if (this.#free === 0 || this.#waiting.length > 0) return false;
    this.#free--;
    return true;
  }

  /** Takes a slot, waiting (in turn) for one to be released if none is free. Give it back with `release()`. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((grant) => this.#waiting.push({ alone: false, grant }));
  }

  /**
   * Takes every slot, waiting (in turn) until no other job holds one: the job then runs alone, and no other starts
   * until it gives them back with `releaseAlone()`.
   */
  acquireAlone(): Promise<void> {
    if (this.#waiting.length === 0 && this.#free === this.#size) {
      this.#free = 0;
      return Promise.resolve();
    }
    return new Promise<void>((grant) => this.#waiting.push({ alone: true, grant }));
  }

  /** Gives back a slot taken by `tryAcquire()` or `acquire()`. */
  release(): void {
    this.#free++;
    this.#serve();
  }

  /** Gives back the slots taken by `acquireAlone()`. */
  releaseAlone(): void {
    this.#free += this.#size;
    this.#serve();
  }

  // Grants slots to waiters in order, stopping at the first that cannot be served yet.
  #serve(): void {
    for (let next = this.#waiting[0]; next !== undefined; next = this.#waiting[0]) {
      const needs = next.alone ? this.#size : 1;
      if (this.#free < needs) return;
      this.#waiting.shift();
      this.#free -= needs;
      next.grant();
    }
  }
}
