/**
 * Counts the work running in this process (episodes, activity and timer handlers) and every start and end of it.
 * The test environment reads it to tell when everything has settled: nothing runs, and nothing started or ended
 * while it looked at the database.
 */
export class WorkTracker {
  #running = 0;
  #changes = 0;

  /** Pieces of work running now. */
  get running(): number {
    return this.#running;
  }

  /** Starts and ends so far: unchanged across a look at the database means nothing moved meanwhile. */
  get changes(): number {
    return this.#changes;
  }

  /** Runs `work`, counted. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#running++;
    this.#changes++;
    try {
      return await work();
    } finally {
      this.#running--;
      this.#changes++;
    }
  }
}
