import { DurableError } from '../durable-error.js';

/**
 * A suspend or resume that the instance's state does not allow — nothing was written: `suspend` of an instance that is
 * already suspended (code `INSTANCE_ALREADY_SUSPENDED`), `resume` of one that is not suspended (code
 * `INSTANCE_NOT_SUSPENDED`). The state counts the suspends and resumes already sent but not yet applied, so
 * `suspend` then `resume` right after it is fine. (A finished instance is `INSTANCE_NOT_RUNNING` instead.) The HTTP
 * routes answer it with `409 Conflict`.
 *
 * @example
 * ```ts
 * try { await client.resume(id); } catch (e) { if (!(e instanceof InstanceStateConflictError)) throw e; }
 * ```
 */
export class InstanceStateConflictError extends DurableError {
  readonly instanceId: string;
  /** What was refused. */
  readonly operation: 'suspend' | 'resume';
  /** The instance's status, counting the suspends and resumes sent but not yet applied (`Suspended` or `Running`, ...). */
  readonly runtimeStatus: string;

  constructor(instanceId: string, operation: 'suspend' | 'resume', runtimeStatus: string) {
    super(
      operation === 'suspend' ? 'INSTANCE_ALREADY_SUSPENDED' : 'INSTANCE_NOT_SUSPENDED',
      operation === 'suspend'
        ? `Cannot suspend instance '${instanceId}': it is already suspended (or a suspend is on its way to it). Resume it first.`
        : `Cannot resume instance '${instanceId}': it is not suspended (it is ${runtimeStatus}). Only a suspended instance can be resumed.`,
    );
    this.instanceId = instanceId;
    this.operation = operation;
    this.runtimeStatus = runtimeStatus;
  }
}
