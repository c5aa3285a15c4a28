import { DurableError } from '../durable-error.js';

/** No orchestration or entity instance exists with the given id (it may never have started, or been purged). Code `INSTANCE_NOT_FOUND`. */
export class InstanceNotFoundError extends DurableError {
  readonly instanceId: string;

  constructor(instanceId: string) {
    super(
      'INSTANCE_NOT_FOUND',
      `No instance with id '${instanceId}' was found. Check the id and the task hub, and whether the instance was purged.`,
    );
    this.instanceId = instanceId;
  }
}
