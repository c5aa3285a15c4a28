import { MAX_HEALTH_RANGE_MS, type HealthSnapshot, type HealthStats } from '../ports/health-stats.js';

/** The shortest time between two samples of a {@link HealthSampler}: 5 s. */
export const HEALTH_SAMPLE_INTERVAL_MS = 5000;

/** How far back a {@link HealthSampler} keeps samples: the longest window `GET /health` answers (one hour). */
export const HEALTH_SAMPLE_RETENTION_MS = MAX_HEALTH_RANGE_MS;

/** The most samples a {@link HealthSampler} holds: one per interval over the retention period, and the one just taken. */
export const MAX_HEALTH_SAMPLES = HEALTH_SAMPLE_RETENTION_MS / HEALTH_SAMPLE_INTERVAL_MS + 1;

/**
 * The admin router's memory of health snapshots over time: backlog and stuck instances exist in storage only as a
 * current state, so `GET /health` draws them from samples this router took. A bounded ring: at most one sample per
 * {@link HEALTH_SAMPLE_INTERVAL_MS}, none older than {@link HEALTH_SAMPLE_RETENTION_MS}, so at most
 * {@link MAX_HEALTH_SAMPLES}.
 *
 * Samples are taken when the route is read (by {@link HealthSampler.current}), not by a timer. So a router nobody
 * watches costs the database nothing, there is nothing to stop when the app stops, and every router mounted in a
 * process, or every process behind a load balancer, samples only for its own readers. The price is that samples begin
 * when the router is first read after it was created (not earlier: nothing was kept before), and that a period when
 * nobody watched is a gap between samples, which the dashboard draws as a gap.
 *
 * Concurrent readers share one snapshot: a request arriving while a sample is being taken waits for that one, and
 * one arriving within the interval gets the latest sample.
 */
export class HealthSampler {
  /** When this sampler (and so its router) was created: no sample is older. */
  readonly since: Date;
  readonly #stats: HealthStats;
  readonly #samples: HealthSnapshot[] = [];
  #taking: Promise<HealthSnapshot> | undefined;

  constructor(stats: HealthStats, now: Date = new Date()) {
    this.#stats = stats;
    this.since = now;
  }

  /** The figures {@link HealthSampler.current} samples, for reads that need no sampling (finished instances). */
  get stats(): HealthStats {
    return this.#stats;
  }

  /**
   * The latest sample when it was taken less than {@link HEALTH_SAMPLE_INTERVAL_MS} before `now`; otherwise a new
   * snapshot, added to the ring (shared with every caller that asks while it is being taken). A failed snapshot is
   * not kept: the next call tries again.
   */
  current(now: Date): Promise<HealthSnapshot> {
    const latest = this.#samples.at(-1);
    if (latest !== undefined && now.getTime() >= latest.at.getTime() && now.getTime() - latest.at.getTime() < HEALTH_SAMPLE_INTERVAL_MS) {
      return Promise.resolve(latest);
    }
    this.#taking ??= this.#stats.snapshot(now).then((snapshot) => {
      this.#add(snapshot);
      return snapshot;
    }).finally(() => {
      this.#taking = undefined;
    });
    return this.#taking;
  }

  /** The samples taken at or after `from`, oldest first (a copy). */
  samplesSince(from: Date): HealthSnapshot[] {
    return this.#samples.filter((sample) => sample.at.getTime() >= from.getTime());
  }

  #add(snapshot: HealthSnapshot): void {
    const at = snapshot.at.getTime();
    // A clock that went back: samples "after" this one would break the time order of the ring.
    while ((this.#samples.at(-1)?.at.getTime() ?? -Infinity) > at) this.#samples.pop();
    this.#samples.push(snapshot);
    const oldest = at - HEALTH_SAMPLE_RETENTION_MS;
    let drop = 0;
    while (drop < this.#samples.length && ((this.#samples[drop]?.at.getTime() ?? at) < oldest || this.#samples.length - drop > MAX_HEALTH_SAMPLES)) drop++;
    if (drop > 0) this.#samples.splice(0, drop);
  }
}
