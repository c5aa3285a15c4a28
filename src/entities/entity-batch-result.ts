import type { FailureDetails } from '../core/failure-details.js';
import type { EncodedPayload } from '../history/history-event.js';
import type { EntityAction } from './entity-action.js';

/** A successful operation: its result is delivered to a caller that awaits it. */
export interface EntityOperationSuccess {
  readonly id: string;
  readonly success: true;
  readonly result: EncodedPayload;
}

/** A failed operation: its state change and actions were rolled back. */
export interface EntityOperationFailure {
  readonly id: string;
  readonly success: false;
  readonly failureDetails: FailureDetails;
}

/** How one operation of a batch ended. */
export type EntityOperationOutcome = EntityOperationSuccess | EntityOperationFailure;

/** The output of `executeEntityBatch`. */
export interface EntityBatchResult {
  /** The state after the batch, to store; `undefined` when the entity has none (deleted, or never created). */
  readonly state: EncodedPayload | undefined;
  /** One per operation, in the request's order. */
  readonly outcomes: EntityOperationOutcome[];
  /** The successful operations' signals and orchestration starts, in the order issued. */
  readonly actions: EntityAction[];
}
