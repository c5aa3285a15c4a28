import type { DependencyContainer } from 'tsyringe';
import type { EntityClass, RunnableClass } from '../../src/index.js';
import type { StandInCounters } from './stand-in-counters.js';

/**
 * What one example contributes to the example service (`npm start`), which runs every example in one app: its
 * classes, and a function that registers its in-memory stand-ins for real services in the app's container.
 */
export interface ExampleModule {
  /** The folder under examples/. */
  readonly name: string;
  readonly orchestrators: readonly RunnableClass[];
  readonly activities: readonly RunnableClass[];
  readonly entities?: readonly EntityClass[];
  /**
   * Registers the example's services; `log` prints what they do (the service shows it on its console), `counters`
   * numbers what they hand out (the service's are durable; default: in memory).
   */
  registerServices(container: DependencyContainer, log: (line: string) => void, counters?: StandInCounters): void;
}
