import type { OrchestrationStatus, HistoryViewEvent } from '../client/orchestration-status.js';
import type { RuntimeStatus } from '../ports/instance-store.js';

/** Why an instance failed, or why it is stuck, as the HTTP API shows it (without stack traces). */
export interface FailureDetailsPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly innerFailure?: FailureDetailsPayload;
}

/**
 * An instance status as the admin router sends it: Durable Functions' `StatusResponsePayload` (times as
 * `2024-05-01T10:00:00Z`, absent values as `null`), plus Durably's `failureDetails` when the instance failed or is
 * stuck.
 */
export interface InstanceStatusPayload {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  /** `null` when there is none or when `showInput=false`. */
  readonly input: unknown;
  readonly customStatus: unknown;
  /** The output when Completed; the error message when Failed; the reason when Terminated. */
  readonly output: unknown;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
  /** Only with `showHistory=true`. */
  readonly historyEvents?: readonly HistoryViewEvent[];
  /** `true` when `historyEvents` stops early: it reached the router's `readLimits.maxHistoryBytes`. */
  readonly historyEventsTruncated?: true;
  /** Durably's addition (`GET /instances/:instanceId` only): the current execution's number of history events. */
  readonly historyLength?: number;
  /** Durably's addition, as `historyLength`: the history's size in bytes (each event's JSON text in UTF-8). */
  readonly historySizeBytes?: number;
  readonly failureDetails?: FailureDetailsPayload;
  /** Durably's addition: while the instance is stuck (see `OrchestrationStatus.stuckSince`), since when. */
  readonly stuckSince?: string;
  /** Durably's addition (Durable Functions has none here): the orchestration version the instance was started with. */
  readonly version?: string;
  /**
   * List entries only: `true` when the input was larger than the router's `readLimits.maxFieldBytes` and was left out
   * (`input` is `null`); `GET /instances/:instanceId` returns it.
   */
  readonly inputOmitted?: true;
  /** As `inputOmitted`, for the output. */
  readonly outputOmitted?: true;
  /** As `inputOmitted`, for the custom status. */
  readonly customStatusOmitted?: true;
}

/** Maps a client status to the HTTP payload. */
export function toInstanceStatusPayload(status: OrchestrationStatus, options: { showInput?: boolean } = {}): InstanceStatusPayload {
  return {
    name: status.name,
    instanceId: status.instanceId,
    runtimeStatus: status.runtimeStatus,
    input: options.showInput === false ? null : (status.input ?? null),
    customStatus: status.customStatus ?? null,
    output: status.output ?? null,
    createdTime: formatTime(status.createdTime),
    lastUpdatedTime: formatTime(status.lastUpdatedTime),
    ...(status.historyEvents === undefined ? {} : { historyEvents: status.historyEvents }),
    ...(status.historyEventsTruncated === true && { historyEventsTruncated: true }),
    ...(status.historyLength === undefined ? {} : { historyLength: status.historyLength }),
    ...(status.historySizeBytes === undefined ? {} : { historySizeBytes: status.historySizeBytes }),
    ...(status.failureDetails === undefined ? {} : { failureDetails: withoutStacks(status.failureDetails) }),
    ...(status.stuckSince === undefined ? {} : { stuckSince: formatTime(status.stuckSince) }),
    ...(status.version === undefined ? {} : { version: status.version }),
    ...(status.inputOmitted === true && options.showInput !== false && { inputOmitted: true }),
    ...(status.outputOmitted === true && { outputOmitted: true }),
    ...(status.customStatusOmitted === true && { customStatusOmitted: true }),
  };
}

/** Durable Functions' time format: ISO 8601 in UTC to the second (`ToString("s") + "Z"`). */
function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function withoutStacks(failure: NonNullable<OrchestrationStatus['failureDetails']>): FailureDetailsPayload {
  return {
    errorType: failure.errorType,
    errorMessage: failure.errorMessage,
    ...(failure.innerFailure === undefined ? {} : { innerFailure: withoutStacks(failure.innerFailure) }),
  };
}
