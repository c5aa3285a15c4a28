/**
 * The time Durably stamps on histories (`ctx.currentUtcDateTime`) and compares due times against: scheduled starts,
 * retry times, leases and durable timers. Production uses {@link systemClock}; `durably/testing`'s test environment
 * uses a virtual clock that tests move forward.
 *
 * Waits that bound real work (lock lifetimes of running activities, retries after storage errors, drain timeouts)
 * always use real time.
 */
export interface Clock {
  /** The current time. */
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };
