import type { WorkNotifications } from '../ports/work-notifications.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Clock } from '../ports/clock.js';
import type { EntityStore } from '../ports/entity-store.js';
import type { StructuredLog } from '../core/runtime-logger.js';

/** What a {@link DurableClient} is built with (by `Durably`; not constructed by apps). */
export interface DurableClientOptions {
  /** The app's task hub: named (`taskHub=`) in the management URLs the client builds. Default `Durably`. */
  readonly taskHub?: string;
  /** Largest encoded payload, in bytes. */
  readonly maxPayloadBytes: number;
  /** The app's `version`: the default orchestration version of the instances `startNew` starts. */
  readonly version?: string;
  /** New work was stored by this process: wake its worker. */
  readonly wake: () => void;
  readonly entities: EntityStore;
  /** The time stamped on starts, events and requests. */
  readonly clock: Clock;
  /**
   * Called between the polls of `waitForCompletion`; resolves true when it moved time on (the next poll then comes at
   * once). The test environment's auto time-skipping.
   */
  readonly whileWaiting?: () => Promise<boolean>;
  /**
   * The app's feed of work notices: `waitForCompletion` is told when the instance finishes instead of polling
   * (none, or while the feed is down: it polls with a backoff from 10 to 250 ms).
   */
  readonly notifications?: WorkNotifications;
  /** The app's logger: instance starts and retries (none: not logged). */
  readonly log?: StructuredLog;
  /** The app's spans and metrics (none: nothing traced or counted). */
  readonly telemetry?: Telemetry;
}
