import { DurableError } from '../durable-error.js';

/**
 * A scheduler job document's `data` is not what Durably wrote (edited by hand, or written by another app or
 * version). The job is failed for good without running. Code `MALFORMED_JOB_DATA`.
 */
export class MalformedJobDataError extends DurableError {
  /**
   * @param jobName - The job's name, e.g. `durably.activity`.
   * @param problem - What is wrong with its data, e.g. `'sequence' is not an integer`.
   */
  constructor(jobName: string, problem: string) {
    super('MALFORMED_JOB_DATA', `Job '${jobName}' has malformed data (${problem}); it was failed without running.`);
  }
}
