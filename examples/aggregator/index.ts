import type { ExampleModule } from '../shared/example-module.js';
import { Counter, FunctionCounter } from './counters.js';
import { MetricsReport, PublishMetrics } from './metrics-report.js';
import { MetricsStore } from './metrics-store.js';

/** The aggregator, for the example service. */
export const aggregatorExample: ExampleModule = {
  name: 'aggregator',
  orchestrators: [MetricsReport],
  activities: [PublishMetrics],
  entities: [Counter, FunctionCounter],
  registerServices: (container, log) => container.registerInstance(MetricsStore, new MetricsStore(log)),
};
