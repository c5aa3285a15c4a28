/** The collection the example service keeps its stand-ins' counters in, beside Durably's `Examples.*` collections. */
export const STAND_IN_COLLECTION = 'exampleStandIns';

/**
 * The numbers the examples' stand-in services hand out — payment IDs (`pay-0001`, …), a job's status checks. They
 * are the only state of the stand-ins that matters after a restart: a real payment API does not number its payments
 * from 1 again when your service restarts, so neither should its stand-in, or a payment made after a restart reads
 * like a second payment of an earlier claim.
 *
 * The standalone examples (`npm run example:<name>`) use {@link InMemoryStandInCounters}: each run starts on a fresh
 * database, so its counters start at 1 too. The example service (`npm start`) keeps them in its database
 * (examples/service/mongo-stand-in-counters.ts), so they carry on across restarts as its instances do.
 */
export interface StandInCounters {
  /** Adds one to the counter `name` and returns its new value: 1 the first time. */
  next(name: string): Promise<number>;
}

/** Counters held by the process: they start at 1 again when it restarts. */
export class InMemoryStandInCounters implements StandInCounters {
  readonly #values = new Map<string, number>();

  next(name: string): Promise<number> {
    const value = (this.#values.get(name) ?? 0) + 1;
    this.#values.set(name, value);
    return Promise.resolve(value);
  }
}
