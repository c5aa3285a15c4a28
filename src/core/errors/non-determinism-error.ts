import { DurableError } from '../durable-error.js';

/**
 * Replay found that the orchestrator no longer does what its history says it did: at action `sequence` the history
 * recorded one action (`expected`) but the current code schedules another one, or nothing (`actual`). Usually caused
 * by changing orchestrator code while instances are in flight, or by branching on something that is not replayed
 * (the clock, `Math.random()`, environment variables, I/O). Code `NON_DETERMINISM`.
 */
export class NonDeterminismError extends DurableError {
  /** The action's sequence number in the history. */
  readonly sequence: number;
  /** What the history recorded at that point, e.g. `activity 'ChargeCard'`; undefined when it recorded nothing. */
  readonly expected: string | undefined;
  /** What the code now does at that point; undefined when it does nothing. */
  readonly actual: string | undefined;

  constructor(details: { sequence: number; expected: string | undefined; actual: string | undefined; hint: string }) {
    const { sequence, expected, actual, hint } = details;
    super(
      'NON_DETERMINISM',
      `Non-deterministic orchestrator: at action #${sequence} the history recorded ${expected ?? 'no action'} but the code now ${actual === undefined ? 'does nothing' : `schedules ${actual}`}. ${hint}`,
    );
    this.sequence = sequence;
    this.expected = expected;
    this.actual = actual;
  }
}
