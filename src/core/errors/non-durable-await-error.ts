import { DurableError } from '../durable-error.js';

/**
 * An orchestrator awaited something that is not a durable task, so the replay cannot record or replay it.
 * Code `NON_DURABLE_AWAIT`.
 */
export class NonDurableAwaitError extends DurableError {
  /** The registered name of the orchestrator that awaited a non-durable value. */
  readonly orchestratorName: string;

  constructor(orchestratorName: string) {
    super(
      'NON_DURABLE_AWAIT',
      `Orchestrator '${orchestratorName}' awaited something that is not a durable task (setTimeout, fetch, a plain Promise, I/O). ` +
        'Orchestrator code is replayed from its history, so it may only await tasks created by its context: ' +
        'use ctx.createTimer(fireAt) instead of setTimeout, move fetch, database and other I/O into an activity (ctx.callActivity), ' +
        'and use ctx.whenAll / ctx.whenAny over durable tasks instead of Promise.all / Promise.race over non-durable work.',
    );
    this.orchestratorName = orchestratorName;
  }
}
