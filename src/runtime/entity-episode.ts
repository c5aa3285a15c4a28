import { DurableError } from '../core/durable-error.js';
import { randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import { EntityId } from '../core/entity-id.js';
import { executeEntityBatch } from '../entities/execute-entity-batch.js';
import { HistoryEventType, type EncodedPayload, type HistoryEvent } from '../history/history-event.js';
import type { EntityLockHolder, EntityOutboxItem, EntityStore } from '../ports/entity-store.js';
import type { InboxMessage, InstanceStore, WorkItem } from '../ports/instance-store.js';
import type { Clock } from '../ports/clock.js';
import type { DurableRegistry } from '../registry/durable-registry.js';
import { DedupeKey } from './action-dispatcher.js';
import { ClaimedLease, type InfrastructureBackoff } from './claimed-lease.js';
import { assertNever } from '../history/assert-never.js';
import { crashPoint } from './crash-point.js';
import type { ResolvedTuning } from './durably-options.js';
import type { Release } from './episode-runtime.js';
import type { StructuredLog } from '../core/runtime-logger.js';
import type { ObservedOperation } from '../entities/entity-batch-request.js';
import type { TraceContext } from '../core/trace-context.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/** What an entity episode needs from the app. */
export interface EntityEpisodeRuntime {
  readonly store: InstanceStore;
  readonly entities: EntityStore;
  readonly registry: DurableRegistry;
  readonly container: DependencyContainer;
  readonly tuning: ResolvedTuning;
  readonly log: StructuredLog;
  /** New work for instances of this process: wake a worker loop. */
  readonly wake: () => void;
  /** Timestamps, leases and retry times. */
  readonly clock: Clock;
  /** Whether an error is a fault of the database or the way to it, not of the entity (never poison). */
  readonly isInfrastructureFault: (error: unknown) => boolean;
  /** Consecutive infrastructure failures per entity, for the retry backoff. */
  readonly backoff: InfrastructureBackoff;
  /** Whether the worker is stopping. */
  readonly stopping: () => boolean;
  /** The app's `version`: the orchestration version of the orchestrations entities start. */
  readonly defaultVersion?: string;
  /** The app's spans and metrics: each operation runs in its span. */
  readonly telemetry: Telemetry;
}

// Messages one episode applies at most; the rest wait for the next claim (the instance stays flagged).
const MAX_MESSAGES_PER_EPISODE = 5_000;

type EntityMessage = InboxMessage & { readonly event: Extract<HistoryEvent, { type: 'EntityRequest' | 'EntityLockRequest' | 'EntityUnlock' }> };

function isEntityMessage(message: InboxMessage): message is EntityMessage {
  const type = message.event.type;
  return type === HistoryEventType.EntityRequest || type === HistoryEventType.EntityLockRequest || type === HistoryEventType.EntityUnlock;
}

/** The state of an entity while an episode works through its messages. */
interface Working {
  exists: boolean;
  state: EncodedPayload;
  lock: EntityLockHolder | undefined;
  readonly consumed: string[];
  readonly outbox: EntityOutboxItem[];
}

/**
 * One episode of an entity, under its lease: send what the last batch left unsent, then apply the queued messages
 * in order — operations one at a time (in batches: one state write for all of them), lock requests and releases —
 * and commit the new state, lock, applied message IDs and sends in one versioned write; then send. While the entity
 * is locked for a critical section, only the lock holder's operations run; the others wait, in order, for the
 * release. Never throws: failures are logged and the entity is left to be retried.
 */
export async function runEntityEpisode(rt: EntityEpisodeRuntime, item: WorkItem): Promise<void> {
  const { instance, leaseToken } = item;
  const record = instance.entity;
  const instanceId = instance.instanceId;
  const release: Release = { moreWork: false, succeeded: true };
  const lease = new ClaimedLease(rt, item);
  try {
    if (record === undefined) throw new DurableError('INTERNAL_ERROR', `'${instanceId}' was claimed as an entity but holds no entity record`);
    let version = instance.version;
    if (record.outbox.length > 0) {
      // The previous batch committed but did not finish sending (a crash): every send is idempotent, and a message
      // the target entity already applied is not sent again (its receipt).
      await sendOutbox(rt, instanceId, record.outbox, { recovering: true });
      await rt.entities.clearEntityOutbox(instanceId, version);
    }
    const queued = await rt.store.loadMessages(instanceId);
    const applied = new Set(record.appliedMessageIds);
    const leftOver = queued.filter((m) => applied.has(m.id) || !isEntityMessage(m));
    for (const message of leftOver) if (!applied.has(message.id)) rt.log('warn', `entity '${instanceId}' dropped a message it cannot handle (${message.event.type})`, { instanceId });
    if (leftOver.length > 0) await rt.store.deleteMessages(leftOver.map((m) => m.id));
    const pending = queued.filter((m): m is EntityMessage => !applied.has(m.id) && isEntityMessage(m));
    const now = rt.clock.now();
    const working: Working = { exists: record.exists, state: record.exists ? record.state : undefined, lock: record.lock, consumed: [], outbox: [] };

    // Poison: episodes of this entity keep crashing (or timing out) their worker. Past maxEpisodeAttempts, apply one
    // message at a time to find the culprit; if even that crashes, fail that operation without running it.
    const { maxEpisodeAttempts } = rt.tuning;
    let batch = pending.slice(0, MAX_MESSAGES_PER_EPISODE);
    if (instance.claimAttempts > maxEpisodeAttempts) batch = pending.slice(0, 1);
    const first = batch[0];
    const handled = batch.length;
    if (instance.claimAttempts > maxEpisodeAttempts + 1 && first?.event.type === HistoryEventType.EntityRequest) {
      failPoisonOperation(rt, instanceId, first, instance.claimAttempts, working);
      batch = [];
    }
    // The rest waits for the next claim (after a successful release, in full batches again).
    if (pending.length > handled) release.moreWork = true;

    const nextScheduled = await applyMessages(rt, instanceId, record.name, batch, working, now);
    if (nextScheduled !== undefined) release.retryAt = nextScheduled;
    if (working.consumed.length === 0) return;

    // Receipts first: once the batch has committed and the messages are gone, they are how a re-sent copy is known.
    const keyed = new Map(queued.map((m) => [m.id, m.dedupeKey]));
    const receipts = working.consumed.flatMap((id) => {
      const key = keyed.get(id);
      return key === undefined ? [] : [key];
    });
    if (receipts.length > 0) await rt.entities.recordReceipts(instanceId, receipts, now);
    const committed = await rt.entities.commitEntityBatch({
      instanceId, leaseToken, expectedVersion: version, now,
      entity: { exists: working.exists, state: working.exists ? working.state : undefined, lock: working.lock, appliedMessageIds: working.consumed, outbox: working.outbox },
    });
    if (!committed) {
      // The lease was lost: whoever holds it now applies the messages (they are still queued). Not the entity's fault.
      release.succeeded = false;
      release.uncounted = true;
      release.moreWork = true;
      return;
    }
    version++;
    if (working.outbox.length > 0) {
      crashPoint('after-entity-commit');
      await sendOutbox(rt, instanceId, working.outbox);
      await rt.entities.clearEntityOutbox(instanceId, version);
    }
  } catch (error) {
    // Only a failure of the entity itself counts toward poison (see runEpisode).
    Object.assign(release, lease.failedWith(error, `entity '${instanceId}'`));
  } finally {
    await lease.release({ ...release, now: rt.clock.now() });
  }
}

/**
 * Works through the messages in order, updating `working`. Operations are collected and run in batches (a lock
 * request or release in between ends a batch). Returns the earliest time a scheduled signal that is not due yet
 * becomes due.
 */
async function applyMessages(
  rt: EntityEpisodeRuntime, instanceId: string, entityName: string, messages: readonly EntityMessage[], working: Working, now: Date,
): Promise<Date | undefined> {
  let nextScheduled: Date | undefined;
  let operations: EntityMessage[] = [];
  const flush = async (): Promise<void> => {
    if (operations.length === 0) return;
    await runOperations(rt, instanceId, entityName, operations, working);
    operations = [];
  };

  let remaining = [...messages];
  for (;;) {
    const waiting: EntityMessage[] = [];
    let released = false;
    for (let i = 0; i < remaining.length; i++) {
      const message = remaining[i] as EntityMessage;
      const event = message.event;
      switch (event.type) {
        case HistoryEventType.EntityRequest:
          if (event.scheduledTime !== undefined && event.scheduledTime > now) {
            waiting.push(message);
            if (nextScheduled === undefined || event.scheduledTime < nextScheduled) nextScheduled = event.scheduledTime;
          } else if (working.lock !== undefined && event.senderId !== working.lock.instanceId) {
            // Held back until the critical section ends.
            waiting.push(message);
          } else {
            operations.push(message);
            working.consumed.push(message.id);
          }
          break;
        case HistoryEventType.EntityLockRequest:
          if (working.lock?.criticalSectionId === event.criticalSectionId) {
            // A repeated request of the section holding the lock.
            working.consumed.push(message.id);
          } else if (working.lock !== undefined) {
            waiting.push(message);
          } else {
            await flush();
            working.lock = { criticalSectionId: event.criticalSectionId, instanceId: event.parent.instanceId };
            working.consumed.push(message.id);
            working.outbox.push(lockOnward(event, rt.clock.now()));
          }
          break;
        case HistoryEventType.EntityUnlock:
          if (working.lock?.criticalSectionId !== event.criticalSectionId) {
            // The release of a section that does not hold the lock (already released, or never granted): nothing to do.
            working.consumed.push(message.id);
            break;
          }
          await flush();
          working.lock = undefined;
          working.consumed.push(message.id);
          // What waited for the release goes first, in its original order.
          remaining = [...waiting, ...remaining.slice(i + 1)];
          released = true;
          break;
        default:
          assertNever(event, 'entity message type');
      }
      if (released) break;
    }
    if (!released) break;
  }
  await flush();
  return nextScheduled;
}

// Consumes an operation that keeps crashing the entity's workers, answering its caller (if any) with the failure.
function failPoisonOperation(rt: EntityEpisodeRuntime, instanceId: string, message: EntityMessage, attempts: number, working: Working): void {
  const event = message.event as Extract<HistoryEvent, { type: 'EntityRequest' }>;
  const failureDetails = {
    errorType: 'PoisonOperation',
    errorMessage: `Operation '${event.operation}' on entity '${instanceId}' was failed without running: the entity's episodes crashed or timed out their worker ${attempts - 1} times, the last ones while applying this operation alone.`,
    isNonRetriable: true,
  };
  rt.log('error', failureDetails.errorMessage, { event: 'entity.failed', instanceId, operation: event.operation, attempt: attempts });
  working.consumed.push(message.id);
  const parent = event.parent;
  if (parent === undefined) return;
  working.outbox.push({
    kind: 'message', targetInstanceId: parent.instanceId, executionId: parent.executionId,
    event: { type: HistoryEventType.EntityOperationFailed, eventId: -1, timestamp: rt.clock.now(), taskScheduledId: parent.taskScheduledId, failureDetails },
    dedupeKey: DedupeKey.entityAnswer(parent.instanceId, parent.executionId, parent.taskScheduledId),
  });
}

// A granted lock travels on to the next entity of the set, or — from the last one — back to the orchestration.
function lockOnward(event: Extract<HistoryEvent, { type: 'EntityLockRequest' }>, timestamp: Date): EntityOutboxItem {
  const next = event.lockSet[event.position + 1];
  if (next !== undefined) {
    return {
      kind: 'message',
      targetInstanceId: next,
      event: { ...event, position: event.position + 1, timestamp },
      dedupeKey: DedupeKey.entityLock(event.criticalSectionId, event.position + 1),
    };
  }
  const { parent } = event;
  return {
    kind: 'message',
    targetInstanceId: parent.instanceId,
    executionId: parent.executionId,
    event: { type: HistoryEventType.EntityLockGranted, eventId: -1, timestamp, taskScheduledId: parent.taskScheduledId, criticalSectionId: event.criticalSectionId },
    dedupeKey: DedupeKey.entityAnswer(parent.instanceId, parent.executionId, parent.taskScheduledId),
  };
}

// An operation's span (active while its code runs, under its sender's) and its count in `durably.entity.operations`.
function observeOperation(telemetry: Telemetry, instanceId: string, entityName: string, operation: string, parent: TraceContext | undefined): ObservedOperation {
  const span = telemetry.tracer.startEntityOperation(instanceId, entityName, operation, parent);
  return {
    run: (work) => span.run(work),
    end: (failure) => {
      span.end(failure);
      telemetry.metrics.entityOperation(entityName, operation, failure !== undefined);
    },
  };
}

/** Runs a batch of operations on the entity's code and records their answers and sends in the outbox. */
async function runOperations(rt: EntityEpisodeRuntime, instanceId: string, entityName: string, messages: readonly EntityMessage[], working: Working): Promise<void> {
  const requests = messages.map((m) => {
    const event = m.event as Extract<HistoryEvent, { type: 'EntityRequest' }>;
    return { id: m.id, operation: event.operation, input: event.input, parent: event.parent, traceContext: event.traceContext };
  });
  const traceContexts = new Map(requests.map((request) => [request.id, request.traceContext]));
  let outcomes: { id: string; success: boolean; result?: EncodedPayload; failureDetails?: ReturnType<typeof failureDetailsFrom> }[];
  try {
    const entity = rt.registry.resolveEntity(entityName, rt.container);
    const result = await executeEntityBatch({
      entityId: EntityId.fromInstanceId(instanceId),
      state: working.exists ? working.state : undefined,
      operations: requests.map(({ id, operation, input }) => ({ id, operation, input })),
      entity,
      resolveOrchestratorName: (ref) => rt.registry.nameOf('orchestrator', ref),
      newInstanceId: () => randomUUID().replaceAll('-', ''),
      maxPayloadBytes: rt.tuning.maxPayloadBytes,
      observe: (request) => observeOperation(rt.telemetry, instanceId, entityName, request.operation, traceContexts.get(request.id)),
    });
    working.exists = result.state !== undefined;
    working.state = result.state;
    outcomes = result.outcomes;
    for (const [index, action] of result.actions.entries()) {
      const origin = `${instanceId}\u0000${action.operationId}\u0000${index}`;
      if (action.type === 'signal') {
        working.outbox.push({
          kind: 'message',
          targetInstanceId: action.targetInstanceId,
          event: {
            type: HistoryEventType.EntityRequest, eventId: -1, timestamp: rt.clock.now(), operation: action.operation, input: action.input, senderId: instanceId,
            ...(action.scheduledTime === undefined ? {} : { scheduledTime: action.scheduledTime }),
          },
          dedupeKey: DedupeKey.entitySend(origin),
        });
      } else {
        working.outbox.push({ kind: 'start', name: action.name, instanceId: action.instanceId, input: action.input, idempotencyKey: DedupeKey.entitySend(origin) });
      }
    }
  } catch (error) {
    // The entity cannot run at all (unknown name, its constructor throws): every operation of the batch fails.
    const failureDetails = failureDetailsFrom(error);
    rt.log('error', `entity '${instanceId}' could not run ${requests.length} operation(s): ${failureDetails.errorMessage}`, { event: 'entity.failed', instanceId, name: entityName, error });
    outcomes = requests.map(({ id }) => ({ id, success: false, failureDetails }));
  }
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  for (const request of requests) {
    const parent = request.parent;
    const outcome = byId.get(request.id);
    if (parent === undefined || outcome === undefined) continue;
    const timestamp = rt.clock.now();
    const event: HistoryEvent = outcome.success
      ? { type: HistoryEventType.EntityOperationCompleted, eventId: -1, timestamp, taskScheduledId: parent.taskScheduledId, result: outcome.result }
      : {
        type: HistoryEventType.EntityOperationFailed, eventId: -1, timestamp, taskScheduledId: parent.taskScheduledId,
        failureDetails: outcome.failureDetails ?? { errorType: 'Error', errorMessage: 'The operation failed.' },
      };
    working.outbox.push({
      kind: 'message', targetInstanceId: parent.instanceId, executionId: parent.executionId, event,
      dedupeKey: DedupeKey.entityAnswer(parent.instanceId, parent.executionId, parent.taskScheduledId),
    });
  }
}

/** Sends an outbox: messages (to entities, created on demand, or to orchestrations) and orchestration starts. */
async function sendOutbox(rt: EntityEpisodeRuntime, instanceId: string, outbox: readonly EntityOutboxItem[], options: { readonly recovering?: boolean } = {}): Promise<void> {
  const now = rt.clock.now();
  let woke = 0;
  for (const item of outbox) {
    if (item.kind === 'start') {
      try {
        await rt.store.createInstance({
          instanceId: item.instanceId, executionId: randomUUID(), name: item.name, input: item.input, idempotencyKey: item.idempotencyKey, now,
          ...(rt.defaultVersion === undefined ? {} : { orchestrationVersion: rt.defaultVersion }),
        });
        woke++;
      } catch (error) {
        // An orchestration with that ID is already running: the start is dropped, as Durable Functions does.
        rt.log('warn', `entity '${instanceId}' could not start orchestration '${item.name}' as '${item.instanceId}': ${(error as Error).message}`, { instanceId: item.instanceId, name: item.name, error });
      }
      continue;
    }
    const toEntity = EntityId.isEntityInstanceId(item.targetInstanceId);
    if (toEntity && options.recovering === true && await rt.entities.hasReceipt(item.targetInstanceId, item.dedupeKey)) continue;
    const sent = toEntity
      ? await rt.entities.sendMessage(item.targetInstanceId, item.event, { dedupeKey: item.dedupeKey, now })
      : await rt.store.sendMessage(item.targetInstanceId, item.event, { dedupeKey: item.dedupeKey, now, ...(item.executionId === undefined ? {} : { executionId: item.executionId }) });
    if (sent) woke++;
  }
  for (let i = 0; i < woke; i++) rt.wake();
}
