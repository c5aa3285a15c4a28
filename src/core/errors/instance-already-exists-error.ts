import { DurableError } from '../durable-error.js';

/**
 * An orchestration was started with an instanceId that is already in use by an instance in a state that does not
 * allow replacing it. Code `INSTANCE_ALREADY_EXISTS`.
 */
export class InstanceAlreadyExistsError extends DurableError {
  readonly instanceId: string;
  /** The existing instance's runtime status, e.g. `Running` or `Pending`. */
  readonly runtimeStatus: string;

  constructor(instanceId: string, runtimeStatus: string) {
    super(
      'INSTANCE_ALREADY_EXISTS',
      `An orchestration instance with id '${instanceId}' already exists and is ${runtimeStatus}. ` +
        'Use a different instanceId, or wait for it to finish (or terminate it) before starting it again.',
    );
    this.instanceId = instanceId;
    this.runtimeStatus = runtimeStatus;
  }
}
