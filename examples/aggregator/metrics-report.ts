import { Activity, EntityId, Orchestrator, type OrchestrationContext } from '../../src/index.js';
import { MetricsStore, type PublishedMetric } from './metrics-store.js';

/** Publishes readings to the metrics store. */
@Activity()
export class PublishMetrics {
  constructor(private readonly store: MetricsStore) {}

  async run(metrics: PublishedMetric[]): Promise<number> {
    await this.store.publish(metrics);
    return metrics.length;
  }
}

/** `'Counter/door-opened'` → `EntityId('Counter', 'door-opened')`; a bare key names a `Counter`. */
export function counterId(path: string): EntityId {
  const slash = path.indexOf('/');
  return slash < 0 ? new EntityId('Counter', path) : new EntityId(path.slice(0, slash), path.slice(slash + 1));
}

/**
 * Reads counters from an orchestration — `callEntity` is a two-way call that waits for the operation's result —
 * and publishes their values with an activity. Its input names the counters as `'<entity name>/<key>'`.
 */
@Orchestrator()
export class MetricsReport {
  async run(ctx: OrchestrationContext<string[]>): Promise<PublishedMetric[]> {
    const values = await ctx.whenAll(ctx.input.map((path) => ctx.callEntity<number>(counterId(path), 'get')));
    const metrics = ctx.input.map((metric, i) => ({ metric, value: values[i] ?? 0 }));
    await ctx.callActivity(PublishMetrics, metrics);
    return metrics;
  }
}
