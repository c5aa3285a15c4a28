import { decodePayload } from '../core/codec.js';
import type { FailureDetails } from '../core/failure-details.js';
import type { InstanceState, InstanceStore, ListedInstance, RuntimeStatus } from '../ports/instance-store.js';

/** An instance's status in Durable Functions' shape. */
export interface OrchestrationStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  /** The input (omitted when `showInput: false`). */
  readonly input?: unknown;
  /**
   * The output when Completed; when Failed, Durable Functions' text `Orchestrator function '<name>' failed: <message>`;
   * the reason when Terminated.
   */
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  /** Why it failed, or why it is stuck (for example a non-determinism error after a deploy; it is retried). */
  readonly failureDetails?: FailureDetails;
  /**
   * While the instance is stuck (its code cannot run its history; retried with backoff, at once when a worker with
   * other code starts, or with `client.retryNow`): since when. Absent otherwise.
   */
  readonly stuckSince?: Date;
  /** The orchestration version it was started with (`startNew(O, { version })`); absent when it has none. */
  readonly version?: string;
  /** Durable Functions' history view (with `showHistory`). */
  readonly historyEvents?: readonly HistoryViewEvent[];
  /**
   * The number of history events of the current execution, exactly as committed: the count `client.getHistory`
   * returns. Set by `getStatus` and `waitForCompletion`; list entries leave it out. It restarts at each continue-as-new.
   */
  readonly historyLength?: number;
  /**
   * The size of the current execution's history, in bytes: the sum over its events of the UTF-8 bytes of each one's
   * JSON text (the measure of `ctx.historySizeBytes`). As `historyLength`, set by `getStatus` and `waitForCompletion`.
   */
  readonly historySizeBytes?: number;
  /**
   * True when `historyEvents` stops before the end of the history: the view reached `getStatus`'s `maxHistoryBytes`.
   * The whole history: `client.getHistory` / `readHistory`.
   */
  readonly historyEventsTruncated?: true;
  /**
   * In a `listInstances` page: true when the input was larger than the list's `maxFieldBytes` and was left out
   * (`input` is undefined). `getStatus` returns it.
   */
  readonly inputOmitted?: true;
  /** As `inputOmitted`, for the output. */
  readonly outputOmitted?: true;
  /** As `inputOmitted`, for the custom status. */
  readonly customStatusOmitted?: true;
}

// A stuck marker on a failed instance is why it failed (a poison episode, a version mismatch), not a wait for a retry.
const STUCK_STATUSES: ReadonlySet<RuntimeStatus> = new Set(['Pending', 'Running', 'Suspended']);

/** One row of Durable Functions' history view. */
export type HistoryViewEvent = Readonly<Record<string, unknown>> & { readonly EventType: string; readonly Timestamp: string };

/** Maps stored state to the public status (a listed instance's omitted payloads are flagged, not decoded). */
export function toOrchestrationStatus(state: ListedInstance, options: { showInput?: boolean } = {}): OrchestrationStatus {
  const failure = state.stuck ?? state.failureDetails;
  const omitted = new Set(state.omittedPayloads);
  const failed = state.runtimeStatus === 'Failed' && state.failureDetails !== undefined;
  return {
    name: state.name,
    instanceId: state.instanceId,
    runtimeStatus: state.runtimeStatus,
    ...(options.showInput === false ? {} : { input: decodePayload(state.input) }),
    output: failed ? failedOutput(state.name, state.failureDetails.errorMessage) : decodePayload(state.output),
    customStatus: decodePayload(state.customStatus),
    createdTime: state.createdTime,
    lastUpdatedTime: state.lastUpdatedTime,
    ...(failure === undefined ? {} : { failureDetails: failure }),
    ...(state.stuck !== undefined && state.stuckSince !== undefined && STUCK_STATUSES.has(state.runtimeStatus) && { stuckSince: state.stuckSince }),
    ...(state.orchestrationVersion !== undefined && { version: state.orchestrationVersion }),
    ...(omitted.has('input') && options.showInput !== false && { inputOmitted: true }),
    ...(omitted.has('output') && !failed && { outputOmitted: true }),
    ...(omitted.has('customStatus') && { customStatusOmitted: true }),
  };
}

/** A failed instance's output, in Durable Functions' words (its orchestrator shim writes exactly this). */
export function failedOutput(name: string, errorMessage: string): string {
  return `Orchestrator function '${name}' failed: ${errorMessage}`;
}

/** The exact history length and size of the instance's current execution, for its status. */
export async function historySizeOf(store: InstanceStore, state: InstanceState): Promise<{ historyLength: number; historySizeBytes: number }> {
  const size = await store.historySize(state.instanceId, state.executionId);
  return { historyLength: size.events, historySizeBytes: size.bytes };
}
