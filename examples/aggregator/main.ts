import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { Durably, EntityId } from '../../src/index.js';
import { connectionOptions, type ExampleOptions } from '../shared/example-options.js';
import { runExample } from '../shared/run-example.js';
import { Counter, FunctionCounter } from './counters.js';
import { counterId, MetricsReport, PublishMetrics } from './metrics-report.js';
import { MetricsStore, type PublishedMetric } from './metrics-store.js';

/** A reading from a device, as an event stream would deliver it. */
export interface SensorEvent {
  readonly metric: string;
  readonly delta: number;
}

/** The events the example feeds in: two metrics from several devices. */
export const SENSOR_EVENTS: readonly SensorEvent[] = [
  { metric: 'door-opened', delta: 1 },
  { metric: 'motion', delta: 3 },
  { metric: 'door-opened', delta: 2 },
  { metric: 'motion', delta: 1 },
  { metric: 'door-opened', delta: 1 },
  { metric: 'motion', delta: 4 },
];

/** What the aggregator example returns. */
export interface AggregatorResult {
  /** The values `MetricsReport` read with `callEntity` and published. */
  readonly report: PublishedMetric[];
  /** The same counters read by the client (`readEntityState`), keyed `'<entity name>/<key>'`. */
  readonly states: Record<string, number | undefined>;
}

/**
 * The aggregator pattern with both entity styles: each sensor event is signaled to the class-based `Counter` of its
 * metric (`Counter/door-opened`, `Counter/motion`), the function-style `FunctionCounter/myCounter` is signaled
 * `add 1` three times, then `MetricsReport` reads all three from an orchestration and the client reads their states.
 */
export async function main(options: ExampleOptions = {}, events: readonly SensorEvent[] = SENSOR_EVENTS): Promise<AggregatorResult> {
  const container = rootContainer.createChildContainer();
  container.registerInstance(MetricsStore, new MetricsStore());
  const durably = await Durably.create({
    ...connectionOptions(options),
    taskHub: 'Aggregator',
    orchestrators: [MetricsReport],
    activities: [PublishMetrics],
    entities: [Counter, FunctionCounter],
    container,
  });
  try {
    await durably.start();
    const { client } = durably;

    // Signals are one-way: each returns once it is stored, and is applied exactly once, one at a time per entity.
    for (const { metric, delta } of events) {
      await client.entity(Counter, metric).add(delta); // typed: `add` takes a number
    }
    // The overview's client code, by name: signalEntity(new EntityId('Counter', 'myCounter'), 'add', 1).
    for (let i = 0; i < 3; i++) await client.signalEntity(new EntityId('FunctionCounter', 'myCounter'), 'add', 1);

    const counters = [...new Set(events.map((e) => `Counter/${e.metric}`)), 'FunctionCounter/myCounter'];
    const instanceId = await client.startNew(MetricsReport, { input: counters });
    const status = await client.waitForCompletion(instanceId, { timeoutMs: 30_000 });
    if (status.runtimeStatus !== 'Completed') throw new Error(`MetricsReport ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);

    const states: Record<string, number | undefined> = {};
    for (const path of counters) states[path] = (await client.readEntityState<number>(counterId(path))).entityState;
    return { report: status.output as PublishedMetric[], states };
  } finally {
    await durably.stop();
  }
}

runExample(import.meta.url, () => main(), ({ report, states }) => [
  'MetricsReport (callEntity from an orchestration):',
  ...report.map(({ metric, value }) => `  ${metric} = ${value}`),
  'readEntityState (from the client):',
  ...Object.entries(states).map(([path, value]) => `  ${path} = ${String(value)}`),
].join('\n'));
