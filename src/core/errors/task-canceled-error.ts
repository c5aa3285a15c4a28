import { DurableError } from '../durable-error.js';

/**
 * A task was cancelled: an orchestrator awaiting an activity task it (or its schedule-to-close timeout) cancelled gets
 * this; an activity whose call was cancelled — or whose instance was terminated — finds it as the `reason` of its
 * aborted `ctx.signal`. Code `TASK_CANCELED`.
 */
export class TaskCanceledError extends DurableError {
  constructor(message: string) {
    super('TASK_CANCELED', message);
  }
}
