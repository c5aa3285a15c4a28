import { metrics, type Attributes, type Counter, type Histogram, type Meter, type MeterProvider, type ObservableGauge } from '@opentelemetry/api';
import { INSTRUMENTATION_NAME } from './durably-tracer.js';

/** What the backlog and stuck gauges read, once per collection (see {@link DurablyMetrics.observeHealth}). */
export interface HealthReading {
  /** Due work not claimed yet, by kind. */
  readonly backlog: { readonly instances: number; readonly activities: number; readonly timers: number };
  /** Instances that cannot run (non-determinism after a deploy, a poison episode). */
  readonly stuck: number;
}

const DURATION_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000];
const LENGTH_BUCKETS = [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

interface Instruments {
  readonly instancesStarted: Counter;
  readonly instancesFinished: Counter;
  readonly activityDuration: Histogram;
  readonly activityFailures: Counter;
  readonly episodeDuration: Histogram;
  readonly replayLength: Histogram;
  readonly timerLateness: Histogram;
  readonly entityOperations: Counter;
  readonly retries: Counter;
  readonly backlog: ObservableGauge;
  readonly stuck: ObservableGauge;
}

/**
 * Durably's metrics, under `durably.`, through `@opentelemetry/api` only (no-ops until the app registers a meter
 * provider; registering one later is picked up at the next measurement). Durations are histograms in milliseconds.
 * See docs/observability.md for the list and their attributes.
 */
export class DurablyMetrics {
  #provider: MeterProvider | undefined;
  #instruments: Instruments | undefined;
  #health: (() => Promise<HealthReading | undefined>) | undefined;

  /** Reads backlog and stuck instances for the `durably.backlog` and `durably.instances.stuck` gauges (undefined: no reading now). */
  observeHealth(read: () => Promise<HealthReading | undefined>): void {
    this.#health = read;
    this.#provider = undefined;
  }

  /** An execution's first episode committed. */
  instanceStarted(orchestrator: string): void {
    this.#get().instancesStarted.add(1, { 'durably.orchestrator': orchestrator });
  }

  /** An execution ended: `status` is Completed, Failed, Terminated or ContinuedAsNew. */
  instanceFinished(orchestrator: string, status: string): void {
    this.#get().instancesFinished.add(1, { 'durably.orchestrator': orchestrator, 'durably.status': status });
  }

  /** One activity attempt ran to an outcome. */
  activityFinished(activity: string, durationMs: number, failed: boolean): void {
    const instruments = this.#get();
    const attributes: Attributes = { 'durably.activity': activity, 'durably.outcome': failed ? 'failed' : 'completed' };
    instruments.activityDuration.record(durationMs, attributes);
    if (failed) instruments.activityFailures.add(1, { 'durably.activity': activity });
  }

  /** One orchestration episode committed: how long it took and how many events the code replayed (0: warm). */
  episode(orchestrator: string, durationMs: number, replayedEvents: number): void {
    const instruments = this.#get();
    instruments.episodeDuration.record(durationMs, { 'durably.orchestrator': orchestrator });
    instruments.replayLength.record(replayedEvents, { 'durably.orchestrator': orchestrator });
  }

  /** A timer fired `latenessMs` after its due time. */
  timerFired(latenessMs: number): void {
    this.#get().timerLateness.record(Math.max(0, latenessMs));
  }

  entityOperation(entity: string, operation: string, failed: boolean): void {
    this.#get().entityOperations.add(1, { 'durably.entity': entity, 'durably.operation': operation, 'durably.outcome': failed ? 'failed' : 'completed' });
  }

  /** Something is tried again: an activity attempt (`activity`), an episode after a fault (`episode`), a stuck instance (`stuck`). */
  retried(kind: 'activity' | 'episode' | 'stuck', name: string): void {
    this.#get().retries.add(1, { 'durably.retry.kind': kind, 'durably.name': name });
  }

  #get(): Instruments {
    const provider = metrics.getMeterProvider();
    if (this.#instruments === undefined || provider !== this.#provider) {
      this.#provider = provider;
      this.#instruments = this.#create(provider.getMeter(INSTRUMENTATION_NAME));
    }
    return this.#instruments;
  }

  #create(meter: Meter): Instruments {
    const duration = (name: string, description: string): Histogram =>
      meter.createHistogram(name, { description, unit: 'ms', advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS } });
    const instruments: Instruments = {
      instancesStarted: meter.createCounter('durably.instances.started', { description: 'Executions started (new instances, sub-orchestrations, continue-as-new), counted by their first episode.', unit: '{execution}' }),
      instancesFinished: meter.createCounter('durably.instances.finished', { description: 'Executions ended, by status (Completed, Failed, Terminated, ContinuedAsNew).', unit: '{execution}' }),
      activityDuration: duration('durably.activity.duration', 'Duration of an activity attempt, from its start to its outcome.'),
      activityFailures: meter.createCounter('durably.activity.failures', { description: 'Activity attempts that failed (thrown, timed out).', unit: '{attempt}' }),
      episodeDuration: duration('durably.episode.duration', 'Duration of an orchestration episode, from its intake to its commit.'),
      replayLength: meter.createHistogram('durably.episode.replay_length', { description: 'History events an episode replayed (0: the execution was warm).', unit: '{event}', advice: { explicitBucketBoundaries: LENGTH_BUCKETS } }),
      timerLateness: duration('durably.timer.lateness', 'How late a durable timer fired after its due time.'),
      entityOperations: meter.createCounter('durably.entity.operations', { description: 'Entity operations run, by entity, operation and outcome.', unit: '{operation}' }),
      retries: meter.createCounter('durably.retries', { description: 'Work tried again: activity attempts, episodes after a fault, stuck instances.', unit: '{retry}' }),
      backlog: meter.createObservableGauge('durably.backlog', { description: 'Due work not yet claimed by a worker, by kind (instances, activities, timers).', unit: '{item}' }),
      stuck: meter.createObservableGauge('durably.instances.stuck', { description: 'Instances that cannot run until retried or fixed.', unit: '{instance}' }),
    };
    const read = this.#health;
    if (read !== undefined) {
      meter.addBatchObservableCallback(async (result) => {
        const reading = await read().catch(() => undefined);
        if (reading === undefined) return;
        for (const kind of ['instances', 'activities', 'timers'] as const) result.observe(instruments.backlog, reading.backlog[kind], { 'durably.work.kind': kind });
        result.observe(instruments.stuck, reading.stuck);
      }, [instruments.backlog, instruments.stuck]);
    }
    return instruments;
  }
}
