import { decodePayload, payloadSize } from '../core/codec.js';
import type { EncodedPayload } from '../history/history-event.js';
import { assertNever } from '../history/assert-never.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import type { HistoryViewEvent } from './orchestration-status.js';

/** What {@link HistoryViewBuilder} shows, and how much. */
export interface HistoryViewOptions {
  /** Include outputs (`Result`), raised events' and continue-as-new's `Input`. Default false. */
  readonly showHistoryOutput?: boolean;
  /** Include the orchestration's `Input` in ExecutionStarted. Default true. */
  readonly showInput?: boolean;
  /**
   * A payload (`Input`, `Result`, a terminate `Reason`) whose encoding is larger than this, in bytes, is left out of
   * its row, which says so with `InputOmitted`, `ResultOmitted` or `ReasonOmitted: true`. Default: none is left out.
   */
  readonly maxFieldBytes?: number;
  /**
   * The view stops before the row that would take its size (as JSON, in bytes) past this; `truncated` then tells.
   * Default: no limit.
   */
  readonly maxBytes?: number;
}

/**
 * Durable Functions' `showHistory` view of a history, built an episode at a time so that a long history never has to
 * be held whole: scheduling events are folded into their completions (with `ScheduledTime` and `FunctionName`),
 * episode markers are left out, outputs appear only with `showHistoryOutput`, the orchestration input unless
 * `showInput` is false. Payloads over `maxFieldBytes` are left out of their rows (and never decoded), and the view
 * stops at `maxBytes`.
 */
export class HistoryViewBuilder {
  readonly #options: HistoryViewOptions;
  // Scheduling events by event ID, for the rows of their completions: only names and times, never payloads.
  readonly #scheduled = new Map<number, { name: string; at: Date; target?: string }>();
  readonly #rows: HistoryViewEvent[] = [];
  #bytes = 2;
  #truncated = false;

  constructor(options: HistoryViewOptions = {}) {
    this.#options = options;
  }

  /** The rows so far. */
  get rows(): HistoryViewEvent[] {
    return this.#rows;
  }

  /** True once a row was refused because the view reached `maxBytes`: the history goes on beyond the rows. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** Adds the rows of the next events; false once the view is full (later events are ignored). */
  add(events: readonly HistoryEvent[]): boolean {
    for (const event of events) {
      if (this.#truncated) return false;
      const row = this.#row(event);
      if (row !== undefined) this.#push(row);
    }
    return !this.#truncated;
  }

  #push(row: HistoryViewEvent): void {
    if (this.#options.maxBytes !== undefined) {
      // The row as the HTTP API sends it, plus its comma.
      const size = Buffer.byteLength(JSON.stringify(row, jsonSafe), 'utf8') + 1;
      if (this.#bytes + size > this.#options.maxBytes) {
        this.#truncated = true;
        return;
      }
      this.#bytes += size;
    }
    this.#rows.push(row);
  }

  /** `{ [name]: value }`, or `{ [name + 'Omitted']: true }` for a payload over `maxFieldBytes`. */
  #payload(name: string, encoded: EncodedPayload): Record<string, unknown> {
    const max = this.#options.maxFieldBytes;
    if (max !== undefined && payloadSize(encoded) > max) return { [`${name}Omitted`]: true };
    return { [name]: decodePayload(encoded) };
  }

  #output(name: string, encoded: EncodedPayload): Record<string, unknown> {
    return this.#options.showHistoryOutput === true ? this.#payload(name, encoded) : {};
  }

  #row(event: HistoryEvent): HistoryViewEvent | undefined {
    const Timestamp = event.timestamp.toISOString();
    switch (event.type) {
      case HistoryEventType.ExecutionStarted:
        return { EventType: event.type, FunctionName: event.name, Timestamp, ...(this.#options.showInput === false ? {} : this.#payload('Input', event.input)) };
      case HistoryEventType.TaskScheduled:
      case HistoryEventType.SubOrchestrationInstanceCreated:
        this.#scheduled.set(event.eventId, { name: event.name, at: event.timestamp });
        return undefined;
      case HistoryEventType.TaskCompleted:
      case HistoryEventType.SubOrchestrationInstanceCompleted: {
        const origin = this.#scheduled.get(event.taskScheduledId);
        return { EventType: event.type, FunctionName: origin?.name, ScheduledTime: origin?.at.toISOString(), Timestamp, ...this.#output('Result', event.result) };
      }
      case HistoryEventType.TaskFailed:
      case HistoryEventType.SubOrchestrationInstanceFailed: {
        const origin = this.#scheduled.get(event.taskScheduledId);
        return {
          EventType: event.type, FunctionName: origin?.name, ScheduledTime: origin?.at.toISOString(), Timestamp,
          Reason: event.failureDetails.errorMessage, Details: event.failureDetails.errorType,
        };
      }
      case HistoryEventType.TimerCreated:
        this.#scheduled.set(event.eventId, { name: 'timer', at: event.timestamp });
        return undefined;
      case HistoryEventType.TimerFired:
        return { EventType: event.type, FireAt: event.fireAt.toISOString(), ScheduledTime: this.#scheduled.get(event.timerId)?.at.toISOString(), Timestamp };
      case HistoryEventType.TaskCancelRequested: {
        const origin = this.#scheduled.get(event.taskScheduledId);
        return { EventType: event.type, FunctionName: origin?.name, ScheduledTime: origin?.at.toISOString(), Timestamp, Reason: event.reason };
      }
      case HistoryEventType.TimerCanceled:
        return { EventType: event.type, ScheduledTime: this.#scheduled.get(event.timerId)?.at.toISOString(), Timestamp };
      case HistoryEventType.EntityOperationCalled:
        this.#scheduled.set(event.eventId, { name: event.operation, at: event.timestamp, target: event.targetInstanceId });
        return undefined;
      case HistoryEventType.EntityOperationCompleted:
      case HistoryEventType.EntityOperationFailed: {
        const origin = this.#scheduled.get(event.taskScheduledId);
        return {
          EventType: event.type, FunctionName: origin?.name, InstanceId: origin?.target, ScheduledTime: origin?.at.toISOString(), Timestamp,
          ...(event.type === HistoryEventType.EntityOperationCompleted
            ? this.#output('Result', event.result)
            : { Reason: event.failureDetails.errorMessage, Details: event.failureDetails.errorType }),
        };
      }
      case HistoryEventType.EntityOperationSignaled:
        return { EventType: event.type, Name: event.operation, InstanceId: event.targetInstanceId, Timestamp };
      case HistoryEventType.EventRaised:
        return { EventType: event.type, Name: event.name, Timestamp, ...this.#output('Input', event.input) };
      case HistoryEventType.EventSent:
        return { EventType: event.type, Name: event.name, InstanceId: event.instanceId, Timestamp };
      case HistoryEventType.ExecutionCompleted:
        return {
          EventType: event.type, OrchestrationStatus: event.orchestrationStatus, Timestamp, ...this.#output('Result', event.result),
          ...(event.failureDetails === undefined ? {} : { FailureDetails: event.failureDetails }),
        };
      case HistoryEventType.ContinueAsNew:
        return { EventType: event.type, Timestamp, ...this.#output('Input', event.input) };
      case HistoryEventType.ExecutionTerminated:
        return { EventType: event.type, Timestamp, ...this.#payload('Reason', event.reason) };
      case HistoryEventType.ExecutionSuspended:
      case HistoryEventType.ExecutionResumed:
      case HistoryEventType.ExecutionRewound:
        return { EventType: event.type, Timestamp, Reason: event.reason };
      case HistoryEventType.PatchMarker:
        // Not a Durable Functions event: shown so that an operator sees which instances run a patch's new path.
        return { EventType: event.type, Name: event.patchId, Timestamp, ...(event.deprecated === true ? { Deprecated: true } : {}) };
      case HistoryEventType.OrchestratorStarted:
      case HistoryEventType.OrchestratorCompleted:
      case HistoryEventType.GenericEvent:
      case HistoryEventType.EntityLockRequested:
      case HistoryEventType.EntityLockGranted:
      case HistoryEventType.EntityUnlockSent:
      case HistoryEventType.EntityRequest:
      case HistoryEventType.EntityLockRequest:
      case HistoryEventType.EntityUnlock:
        // No row: episode markers and notes are left out of Durable Functions' view, as are the entity lock protocol
        // and entity inbox messages (never in an orchestration's history).
        return undefined;
      default:
        return assertNever(event, 'history event type');
    }
  }
}

/**
 * Durable Functions' `showHistory` view of a whole history (see {@link HistoryViewBuilder}).
 *
 * @example
 * ```ts
 * const view = toHistoryView(await client.getHistory(id), { showHistoryOutput: true });
 * ```
 */
export function toHistoryView(events: readonly HistoryEvent[], options: HistoryViewOptions = {}): HistoryViewEvent[] {
  const builder = new HistoryViewBuilder(options);
  builder.add(events);
  return builder.rows;
}

// As the HTTP API serialises decoded payloads: a bigint as its digits, bytes as base64.
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}
