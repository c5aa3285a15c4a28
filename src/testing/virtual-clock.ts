import { DurableError } from '../core/durable-error.js';
import type { Clock } from '../ports/clock.js';

/**
 * A clock that runs at real speed and can be moved forward: the time of a test environment. It starts at `start`
 * (default: the real time) and never goes back.
 */
export class VirtualClock implements Clock {
  // Virtual minus real time, in ms.
  #offsetMs: number;

  constructor(start: Date = new Date()) {
    if (!(start instanceof Date) || Number.isNaN(start.getTime())) throw new DurableError('INVALID_ARGUMENT', 'VirtualClock: start must be a valid Date');
    this.#offsetMs = start.getTime() - Date.now();
  }

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  /** Moves the clock forward to `time`; a time already passed leaves it where it is. */
  advanceTo(time: Date): void {
    const ahead = time.getTime() - this.now().getTime();
    if (ahead > 0) this.#offsetMs += ahead;
  }
}
