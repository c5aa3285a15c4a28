/**
 * One timer for the earliest of the times it is asked for: asking for a later time while an earlier one is set does
 * nothing, an earlier one replaces it. The timer never holds the process open, and `clear()` leaves nothing behind.
 */
export class EarliestWakeUp {
  readonly #fire: () => void;
  #set: { readonly at: number; readonly timer: NodeJS.Timeout } | undefined;

  /** `fire` runs when the time comes (once per time set). */
  constructor(fire: () => void) {
    this.#fire = fire;
  }

  /** Fires at `at` (epoch ms; `now` is the caller's clock), unless it is set for earlier already. */
  set(at: number, now: number): void {
    if (this.#set !== undefined && this.#set.at <= at) return;
    clearTimeout(this.#set?.timer);
    const timer = setTimeout(() => {
      this.#set = undefined;
      this.#fire();
    }, Math.max(0, at - now));
    timer.unref();
    this.#set = { at, timer };
  }

  /** Cancels the wake-up, if one is set. */
  clear(): void {
    clearTimeout(this.#set?.timer);
    this.#set = undefined;
  }
}
