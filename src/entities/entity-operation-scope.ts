import { decodePayload, encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import type { RunnableClass } from '../engine/task-types.js';
import type { EncodedPayload } from '../history/history-event.js';
import { EntityActionType, type EntityAction } from './entity-action.js';
import type { EntityBatchRequest, EntityOperationRequest } from './entity-batch-request.js';
import type { EntityBinding } from './entity-binding.js';
import { EntityId } from '../core/entity-id.js';
import type { SignalEntityOptions } from './entity-operation-context.js';
import { ScopedEntityContext } from './scoped-entity-context.js';

/**
 * The state during one operation: still the stored payload (not read yet, so not decoded), absent (none, or
 * deleted), or a live value the operation may change in place.
 */
type StateSlot = { readonly kind: 'stored' } | { readonly kind: 'absent' } | { readonly kind: 'present'; readonly value: unknown };

/** What a successful operation leaves: the state to carry on with, its result, and what it sends. */
export interface OperationOutput {
  readonly state: EncodedPayload;
  readonly result: EncodedPayload;
  readonly actions: readonly EntityAction[];
}

/**
 * One operation of an entity batch: its view of the state and everything it sends, kept apart from the batch until
 * it succeeds — so that an operation that throws leaves no trace but its failure. Internal to `executeEntityBatch`.
 *
 * The state before the operation is kept as its ENCODED payload and decoded on first read: the operation may change
 * the decoded value in place, and rolling back is simply not using it.
 */
export class EntityOperationScope implements EntityBinding {
  /** What user code sees: `this.context` of a class-based entity, `ctx` of a function-style one. */
  readonly context: ScopedEntityContext;
  readonly #batch: EntityBatchRequest;
  readonly #operation: EntityOperationRequest;
  readonly #stored: EncodedPayload;
  #slot: StateSlot;
  #input: { readonly value: unknown } | undefined;
  #result: { readonly encoded: EncodedPayload } | undefined;
  readonly #actions: EntityAction[] = [];
  #ended = false;

  constructor(batch: EntityBatchRequest, operation: EntityOperationRequest, stored: EncodedPayload) {
    this.#batch = batch;
    this.#operation = operation;
    this.#stored = stored;
    this.#slot = stored === undefined ? { kind: 'absent' } : { kind: 'stored' };
    this.context = new ScopedEntityContext(this);
  }

  get entityId(): EntityId {
    return this.#batch.entityId;
  }

  get operationName(): string {
    return this.#operation.operation;
  }

  /** Whether the operation was sent an input (a method is then called with it). */
  get hasInput(): boolean {
    return this.#operation.input !== undefined;
  }

  /** The decoded input (decoded once). */
  input(): unknown {
    this.#assertActive('getInput');
    this.#input ??= { value: decodePayload(this.#operation.input) };
    return this.#input.value;
  }

  readState(initializer?: () => unknown): unknown {
    this.#assertActive('state');
    const slot = this.#slot;
    if (slot.kind === 'present') return slot.value;
    if (slot.kind === 'stored') {
      const value = decodePayload(this.#stored);
      this.#slot = { kind: 'present', value };
      return value;
    }
    if (initializer === undefined) return undefined;
    const value = initializer();
    // The initial state counts as written: the entity exists once the operation succeeds.
    if (value !== undefined) this.#slot = { kind: 'present', value };
    return value;
  }

  writeState(value: unknown): void {
    this.#assertActive('state');
    this.#slot = value === undefined ? { kind: 'absent' } : { kind: 'present', value };
  }

  deleteState(): void {
    this.#assertActive('deleteState');
    this.#slot = { kind: 'absent' };
  }

  /** Sets the result explicitly (function style `ctx.return`), encoding it now. */
  setResult(value: unknown): void {
    this.#assertActive('return');
    this.#result = { encoded: this.#limit(encodePayload(value, 'result'), `The result of ${this.#describe()}`) };
  }

  signalEntity(entityId: EntityId, operation: string, input?: unknown, options?: SignalEntityOptions): void {
    this.#assertActive('signalEntity');
    if (!(entityId instanceof EntityId)) {
      throw new DurableError('INVALID_ENTITY_ID', `signalEntity's entityId must be an EntityId (new EntityId(name, key)), got ${describeValue(entityId)}.`);
    }
    if (typeof operation !== 'string') {
      throw new DurableError('INVALID_OPERATION_NAME', `signalEntity's operation must be a string, got ${describeValue(operation)}.`);
    }
    const scheduledTime = options?.scheduledTime;
    if (scheduledTime !== undefined && !(scheduledTime instanceof Date && !Number.isNaN(scheduledTime.getTime()))) {
      throw new DurableError('INVALID_SCHEDULED_TIME', `signalEntity's scheduledTime must be a valid Date, got ${describeValue(scheduledTime)}.`);
    }
    const encoded = this.#limit(encodePayload(input, 'input'), `The input of signal '${operation}' to entity ${entityId.instanceId} from ${this.#describe()}`);
    this.#actions.push({
      type: EntityActionType.Signal,
      targetInstanceId: entityId.instanceId,
      operation,
      input: encoded,
      // A copy: the caller's Date object may be changed after the call.
      ...(scheduledTime === undefined ? {} : { scheduledTime: new Date(scheduledTime.getTime()) }),
      operationId: this.#operation.id,
    });
  }

  startNewOrchestration(orchestrator: RunnableClass | string, input?: unknown, instanceId?: string): string {
    this.#assertActive('startNewOrchestration');
    const name = this.#batch.resolveOrchestratorName(orchestrator);
    const id = instanceId ?? this.#batch.newInstanceId();
    if (typeof id !== 'string' || id.length === 0 || id.startsWith('@')) {
      throw new DurableError(
        'INVALID_INSTANCE_ID',
        `startNewOrchestration's instanceId must be a non-empty string not starting with '@' (reserved for entities), got ${describeValue(id)}.`,
      );
    }
    const encoded = this.#limit(encodePayload(input, 'input'), `The input of orchestration '${name}' started by ${this.#describe()}`);
    this.#actions.push({ type: EntityActionType.StartOrchestration, name, instanceId: id, input: encoded, operationId: this.#operation.id });
    return id;
  }

  /**
   * The operation's output once it has returned `returned`: the result set with `ctx.return`, else `returned`, and
   * the state — each encoded and checked against the payload limit.
   * @throws InvalidPayloadError / PayloadTooLargeError, failing the operation.
   */
  finish(returned: unknown): OperationOutput {
    this.#assertActive('the operation');
    const result = this.#result !== undefined ? this.#result.encoded : this.#limit(encodePayload(returned, 'result'), `The result of ${this.#describe()}`);
    const slot = this.#slot;
    let state: EncodedPayload;
    if (slot.kind === 'stored') state = this.#stored;
    else if (slot.kind === 'absent') state = undefined;
    else state = this.#limit(encodePayload(slot.value, 'state'), `The state of entity ${this.entityId.instanceId} after operation '${this.#operation.operation}'`);
    return { state, result, actions: this.#actions };
  }

  /** Ends the operation: the context and `this.state` / `this.context` reject every later use. */
  end(): void {
    this.#ended = true;
  }

  #limit(encoded: EncodedPayload, what: string): EncodedPayload {
    return assertPayloadSize(encoded, what, this.#batch.maxPayloadBytes);
  }

  #describe(): string {
    return `operation '${this.#operation.operation}' of entity ${this.entityId.instanceId}`;
  }

  #assertActive(member: string): void {
    if (!this.#ended) return;
    throw new DurableError(
      'ENTITY_OPERATION_ENDED',
      `${member} was used after ${this.#describe()} had ended (from a callback or promise the operation did not await). ` +
        'Await all work inside the operation.',
    );
  }
}

function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'function':
      return `a function (${value.name === '' ? 'anonymous' : value.name})`;
    case 'object':
      if (value === null) return 'null';
      if (value instanceof Date) return 'an invalid Date';
      return `an object (${(value as { constructor?: { name?: string } }).constructor?.name ?? 'no prototype'})`;
    case 'symbol':
      return value.toString();
    default:
      return `${typeof value} ${String(value)}`;
  }
}
