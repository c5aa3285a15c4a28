import { DurableError } from '../durable-error.js';

/** A wait ran out of time (e.g. waiting for an orchestration to complete, or a task with a timeout). Code `TIMEOUT`. */
export class TimeoutError extends DurableError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}
