import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { parseTraceParent, type TraceContext } from '../core/trace-context.js';
import { withNextSpanId } from './durably-id-generator.js';
import { contextOf, traceContextOf } from './trace-contexts.js';

/** The name of Durably's tracer (and meter). */
export const INSTRUMENTATION_NAME = 'durably';

/** Span attribute names: Durable Task's, so that traces read the same as those of the other Durable Task SDKs. */
export const SpanAttribute = {
  type: 'durabletask.type',
  taskName: 'durabletask.task.name',
  instanceId: 'durabletask.task.instance_id',
  executionId: 'durabletask.task.execution_id',
  taskId: 'durabletask.task.task_id',
  status: 'durabletask.task.status',
  version: 'durabletask.task.version',
  fireAt: 'durabletask.fire_at',
  entityOperation: 'durabletask.entity.operation',
  entityId: 'durabletask.entity.instance_id',
  attempt: 'durably.activity.attempt',
  recovered: 'durably.span.recovered',
  rewound: 'durably.span.rewound',
} as const;

/** A failure as spans record it. */
export interface SpanFailure {
  readonly errorType: string;
  readonly errorMessage: string;
}

/** A span in progress: work run inside it sees it as the active span (the user's own spans nest under it). */
export interface RunningSpan {
  /** What the span's children should record as their parent. */
  readonly traceContext: TraceContext | undefined;
  /** Runs `work` with this span active. */
  run<T>(work: () => T): T;
  /** Ends the span: OK, or ERROR with the failure recorded. */
  end(failure?: unknown): void;
}

/** Which execution a span belongs to. */
export interface ExecutionIdentity {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly version?: string;
}

const NOT_TRACED: RunningSpan = { traceContext: undefined, run: (work) => work(), end: () => undefined };

function failureOf(failure: unknown): SpanFailure {
  if (failure instanceof Error) return { errorType: failure.name, errorMessage: failure.message };
  const details = failure as Partial<SpanFailure> | null;
  if (typeof details === 'object' && details !== null && typeof details.errorMessage === 'string') {
    return { errorType: typeof details.errorType === 'string' ? details.errorType : 'Error', errorMessage: details.errorMessage };
  }
  return { errorType: 'Error', errorMessage: String(failure) };
}

function endSpan(span: Span, failure: unknown, endTime?: Date): void {
  if (failure !== undefined) {
    const { errorType, errorMessage } = failureOf(failure);
    span.recordException({ name: errorType, message: errorMessage });
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage });
  }
  span.end(endTime);
}

function running(span: Span, parent: TraceContext | undefined): RunningSpan {
  if (!span.isRecording() && parent === undefined) return NOT_TRACED;
  const active = trace.setSpan(contextOf(parent), span);
  return {
    traceContext: traceContextOf(span),
    run: (work) => context.with(active, work),
    end: (failure) => endSpan(span, failure),
  };
}

/**
 * Durably's spans, through `@opentelemetry/api` only: no-ops (a few allocations) until the app registers an SDK. All the
 * spans of an instance form one trace: the client's `create_orchestration:<Name>`, then per execution one
 * `orchestration:<Name>` span — started by the worker that runs its first episode, its context recorded in
 * ExecutionStarted, ended by the episode that ends the execution — and under it the `activity:<Name>` span of each
 * attempt, `timer:<Name>` spans, sub-orchestrations' own `orchestration:<Name>` spans and entity operation spans, all
 * parented through history so that replays in any process add no duplicate.
 */
export class DurablyTracer {
  readonly #tracer: Tracer = trace.getTracer(INSTRUMENTATION_NAME);
  // The executions this process started spans for and may end (executionId → span), oldest first.
  readonly #live = new Map<string, Span>();

  /** @param maxLiveSpans - Executions whose span this process keeps open at most (the oldest is let go: see endExecution). */
  constructor(private readonly maxLiveSpans = 10_000) {}

  /** The client's span for starting an instance; its context is what the instance records. */
  startCreateOrchestration(name: string, instanceId: string, version: string | undefined, parent: TraceContext | undefined): RunningSpan {
    const span = this.#tracer.startSpan(`create_orchestration:${name}`, {
      kind: SpanKind.PRODUCER,
      attributes: { [SpanAttribute.type]: 'create_orchestration', [SpanAttribute.taskName]: name, [SpanAttribute.instanceId]: instanceId, ...versionAttribute(version) },
    }, parent === undefined ? context.active() : contextOf(parent));
    return running(span, parent ?? traceContextOf(span));
  }

  /**
   * Starts the span of an execution whose first episode runs here; its context goes into ExecutionStarted. Undefined
   * when nothing is traced (no SDK and no parent).
   */
  beginExecution(execution: ExecutionIdentity, parent: TraceContext | undefined): TraceContext | undefined {
    const span = this.#tracer.startSpan(`orchestration:${execution.name}`, { kind: SpanKind.SERVER, attributes: executionAttributes(execution) }, contextOf(parent));
    const traceContext = traceContextOf(span);
    if (traceContext === undefined || !span.isRecording()) return traceContext;
    this.#live.delete(execution.executionId);
    this.#live.set(execution.executionId, span);
    if (this.#live.size > this.maxLiveSpans) {
      const oldest = this.#live.keys().next().value;
      if (oldest !== undefined) this.#live.delete(oldest);
    }
    return traceContext;
  }

  /** The first episode did not commit: its span is dropped unended (never exported); the next first episode starts another. */
  abandonExecution(executionId: string): void {
    this.#live.delete(executionId);
  }

  /**
   * Ends an execution's span, once the episode that recorded its end committed. When this process holds the span it
   * started, that one ends; otherwise (another worker started it and died, or lost the instance) the span is emitted
   * here from what history recorded — its start time, and its span ID when the SDK uses a {@link DurablyIdGenerator}
   * — so that the spans recorded under it keep their parent. After a rewind (`rewoundAt`) the span already ended with
   * the first failure: the rest of the execution gets a span of its own under it.
   */
  endExecution(
    execution: ExecutionIdentity, started: { readonly timestamp: Date; readonly traceContext?: TraceContext; readonly parentTraceContext?: TraceContext }, status: string, failure?: SpanFailure,
    rewoundAt?: Date,
  ): void {
    const recorded = started.traceContext;
    if (recorded === undefined) return;
    const recordedSpanId = parseTraceParent(recorded.traceParent)?.spanId;
    let span = this.#live.get(execution.executionId);
    this.#live.delete(execution.executionId);
    if (rewoundAt !== undefined) {
      // The execution's span ended with its first failure: what ran after the rewind is a span of its own under it.
      span = this.#tracer.startSpan(`orchestration:${execution.name}`, {
        kind: SpanKind.SERVER, startTime: rewoundAt, attributes: { ...executionAttributes(execution), [SpanAttribute.rewound]: true },
      }, contextOf(recorded));
    } else if (span === undefined || span.spanContext().spanId !== recordedSpanId) {
      if (recordedSpanId === undefined) return;
      span = withNextSpanId(recordedSpanId, () => this.#tracer.startSpan(`orchestration:${execution.name}`, {
        kind: SpanKind.SERVER, startTime: started.timestamp, attributes: { ...executionAttributes(execution), [SpanAttribute.recovered]: true },
      }, contextOf(started.parentTraceContext)));
    }
    span.setAttribute(SpanAttribute.status, status);
    endSpan(span, failure);
  }

  /** The span of one activity attempt, active while the activity's code runs. */
  startActivity(activity: { readonly instanceId: string; readonly name: string; readonly sequence: number; readonly traceContext?: TraceContext }, attempt: number): RunningSpan {
    const span = this.#tracer.startSpan(`activity:${activity.name}`, {
      kind: SpanKind.SERVER,
      attributes: {
        [SpanAttribute.type]: 'activity', [SpanAttribute.taskName]: activity.name, [SpanAttribute.instanceId]: activity.instanceId,
        [SpanAttribute.taskId]: activity.sequence, [SpanAttribute.attempt]: attempt,
      },
    }, contextOf(activity.traceContext));
    return running(span, activity.traceContext);
  }

  /** A timer's span, from its creation to when it fired, emitted once by the episode that applied its firing. */
  timerFired(parent: TraceContext, timer: { readonly orchestrationName: string; readonly instanceId: string; readonly timerId: number; readonly createdAt: Date; readonly fireAt: Date; readonly firedAt: Date }): void {
    const span = this.#tracer.startSpan(`timer:${timer.orchestrationName}`, {
      kind: SpanKind.INTERNAL,
      startTime: timer.createdAt,
      attributes: {
        [SpanAttribute.type]: 'timer', [SpanAttribute.taskName]: timer.orchestrationName, [SpanAttribute.instanceId]: timer.instanceId,
        [SpanAttribute.taskId]: timer.timerId, [SpanAttribute.fireAt]: timer.fireAt.toISOString(),
      },
    }, contextOf(parent));
    span.end(timer.firedAt);
  }

  /** The span of one entity operation, active while the operation's code runs. */
  startEntityOperation(entityId: string, entityName: string, operation: string, parent: TraceContext | undefined): RunningSpan {
    const span = this.#tracer.startSpan(`entity:${entityName}:${operation}`, {
      kind: SpanKind.SERVER,
      attributes: { [SpanAttribute.type]: 'entity', [SpanAttribute.taskName]: entityName, [SpanAttribute.entityId]: entityId, [SpanAttribute.instanceId]: entityId, [SpanAttribute.entityOperation]: operation },
    }, contextOf(parent));
    return running(span, parent);
  }
}

function versionAttribute(version: string | undefined): Attributes {
  return version === undefined ? {} : { [SpanAttribute.version]: version };
}

function executionAttributes(execution: ExecutionIdentity): Attributes {
  return {
    [SpanAttribute.type]: 'orchestration', [SpanAttribute.taskName]: execution.name, [SpanAttribute.instanceId]: execution.instanceId,
    [SpanAttribute.executionId]: execution.executionId, ...versionAttribute(execution.version),
  };
}
