import { DurableError } from '../durable-error.js';

// A finished instance refuses a start only under `startNew`'s `ifFinished: 'fail'`.
const FINISHED = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/**
 * An orchestration was started with an instanceId that is already in use by an instance in a state that does not
 * allow replacing it: an active one (`ifRunning: 'fail'`, the default), or a finished one under
 * `ifFinished: 'fail'`. Code `INSTANCE_ALREADY_EXISTS`.
 */
export class InstanceAlreadyExistsError extends DurableError {
  readonly instanceId: string;
  /** The existing instance's runtime status, e.g. `Running` or `Pending`. */
  readonly runtimeStatus: string;

  constructor(instanceId: string, runtimeStatus: string) {
    super(
      'INSTANCE_ALREADY_EXISTS',
      `An orchestration instance with id '${instanceId}' already exists and is ${runtimeStatus}. ` +
        (FINISHED.has(runtimeStatus)
          ? "The start's ifFinished policy is 'fail': use a different instanceId, or start with ifFinished: 'start' to replace it (its history is deleted)."
          : "Use a different instanceId, wait for it to finish, or start with ifRunning: 'useExisting' or 'terminate'."),
    );
    this.instanceId = instanceId;
    this.runtimeStatus = runtimeStatus;
  }
}
