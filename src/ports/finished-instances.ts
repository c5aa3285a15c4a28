import type { RuntimeStatus } from './instance-store.js';

/** A position in completion order (completion time, then instance ID): the last instance of a batch. */
export interface FinishedPosition {
  readonly completedTime: Date;
  readonly instanceId: string;
}

/**
 * Which finished instances `InstanceStore.findFinishedInstances` reads: those whose execution ended (Completed, Failed,
 * Terminated, Canceled) within the completion-time range, entities never among them. An instance that continued as
 * new has not finished: only the end of its last execution counts.
 */
export interface FinishedInstanceQuery {
  /** Only these statuses (those that are not finished statuses match nothing). Default: every finished status. */
  readonly runtimeStatus?: readonly RuntimeStatus[];
  /** Completed at or after this time. */
  readonly completedTimeFrom?: Date;
  /** Completed at or before this time. */
  readonly completedTimeTo?: Date;
  /** Created at or after this time. */
  readonly createdTimeFrom?: Date;
  /** Created at or before this time. */
  readonly createdTimeTo?: Date;
  /** Resume after this position (the last instance of the previous batch). */
  readonly after?: FinishedPosition;
  /** At most this many instances (1 to 1000). */
  readonly limit: number;
}

/** One instance of a `InstanceStore.findFinishedInstances` batch: what retention and purges need to decide, no payloads. */
export interface FinishedInstance {
  readonly instanceId: string;
  readonly executionId: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly completedTime: Date;
  /** The instance and execution that started it, for a sub-orchestration. */
  readonly parent?: { readonly instanceId: string; readonly executionId: string };
}
