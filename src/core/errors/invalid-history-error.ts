import { DurableError } from '../durable-error.js';

/**
 * A history read from outside (a JSON file, an HTTP export) is not a list of history events. Code `INVALID_HISTORY`.
 *
 * @example
 * ```text
 * Invalid history: event 3 (TimerCreated) has no valid 'fireAt' date (got "tomorrow").
 * ```
 */
export class InvalidHistoryError extends DurableError {
  /** Where the problem is: the event's index, or undefined for the history as a whole. */
  readonly index: number | undefined;

  constructor(problem: string, index?: number) {
    super('INVALID_HISTORY', `Invalid history: ${problem}.`);
    this.index = index;
  }
}
