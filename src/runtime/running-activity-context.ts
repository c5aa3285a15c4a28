import type { ActivityContext } from '../core/activity-context.js';
import { decodePayload, encodePayload } from '../core/codec.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import type { EncodedPayload } from '../history/history-event.js';
import type { ActivityJob, ActivityRunOptions } from '../ports/work-scheduler.js';

/** The attempt number of a start: the call's attempt (its retry count) plus the redeliveries of this job. */
export function attemptOf(job: ActivityJob, deliveries: number): number {
  return (job.attempt ?? 1) + Math.max(deliveries, 1) - 1;
}

/** A signal that never aborts, for a scheduler that gives none. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * The {@link ActivityContext} of one start: identity and attempt from the job, the scheduler's signal, heartbeats
 * encoded here (a bad value throws at the call) and handed to the scheduler, which throttles the writes.
 */
export class RunningActivityContext implements ActivityContext {
  readonly instanceId: string;
  readonly activityName: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly #options: ActivityRunOptions;
  readonly #maxPayloadBytes: number | undefined;
  readonly #previous: EncodedPayload;
  #latest: EncodedPayload;
  #heartbeated = false;

  constructor(job: ActivityJob, attempt: number, options: ActivityRunOptions, maxPayloadBytes: number | undefined) {
    this.instanceId = job.instanceId;
    this.activityName = job.name;
    this.attempt = attempt;
    this.signal = options.signal ?? NEVER_ABORTED;
    this.#options = options;
    this.#maxPayloadBytes = maxPayloadBytes;
    // This job's own earlier start (a redelivery) is newer than what the previous attempt of the call left.
    this.#previous = options.lastHeartbeatDetails ?? job.heartbeatDetails;
  }

  get lastHeartbeatDetails(): unknown {
    return this.#previous === undefined ? undefined : decodePayload(this.#previous);
  }

  /** The details of this start's last heartbeat (else what the previous attempt left): kept with a failure. */
  get latestDetails(): EncodedPayload {
    return this.#heartbeated ? this.#latest : this.#previous;
  }

  heartbeat(details?: unknown): void {
    const what = `heartbeat details of activity '${this.activityName}'`;
    const encoded = assertPayloadSize(encodePayload(details, what), what, this.#maxPayloadBytes);
    this.#latest = encoded;
    this.#heartbeated = true;
    this.#options.heartbeat?.(encoded);
  }
}

/** How a run ended: returned, threw, or was given up when its signal aborted (whatever it does afterwards). */
export type RunOutcome =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'aborted'; readonly reason: unknown };

/**
 * Runs `run` until it settles or `signal` aborts, whichever comes first. An aborted run is not waited for (its slot is
 * freed); what it does later is ignored, a late rejection included.
 */
export function runUntilAborted(run: () => unknown, signal: AbortSignal): Promise<RunOutcome> {
  if (signal.aborted) return Promise.resolve({ kind: 'aborted', reason: signal.reason as unknown });
  return new Promise<RunOutcome>((resolve) => {
    const onAbort = (): void => resolve({ kind: 'aborted', reason: signal.reason as unknown });
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (outcome: RunOutcome): void => {
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    let running: Promise<unknown>;
    try {
      running = Promise.resolve(run());
    } catch (error) {
      settle({ kind: 'threw', error });
      return;
    }
    running.then((value) => settle({ kind: 'returned', value }), (error: unknown) => settle({ kind: 'threw', error }));
  });
}
