import { networkDelay } from '../shared/network-delay.js';

/** One published reading of a counter. */
export interface PublishedMetric {
  readonly metric: string;
  readonly value: number;
}

/**
 * The metrics dashboard the aggregated values are published to. In-memory stand-in; register your real metrics
 * backend under this class.
 */
export class MetricsStore {
  readonly published: PublishedMetric[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Publishes the current values. */
  async publish(metrics: readonly PublishedMetric[]): Promise<void> {
    await networkDelay();
    this.published.push(...metrics);
    this.log(`[metrics] ${metrics.map((m) => `${m.metric}=${m.value}`).join(', ')}`);
  }
}
