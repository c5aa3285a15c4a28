import { DurableError } from '../../core/durable-error.js';
import { JobWriteError } from '../../core/errors/job-write-error.js';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/**
 * Whether a job whose handler threw is failed for good. Handlers record an activity's own failure in its
 * orchestration; they throw only when they could not record an outcome — most often because the database was
 * unreachable (a restart, a failover, a closed connection). Finishing such a job would lose its outcome and leave its
 * instance waiting forever, so it is given back to run again instead (at least once; the outcome is recorded once).
 * Only a {@link DurableError} is a decision to fail it: malformed job data, more starts than `maxDeliveries`. A
 * {@link JobWriteError} is not one — it reports a job write that did not happen, which running again can cure.
 */
export function failsForGood(error: unknown): boolean {
  return error instanceof DurableError && !(error instanceof JobWriteError);
}

/** How long a job given back waits before it runs again: 1 s after its first failure, doubling, at most a minute. */
export function retryDelayMs(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS);
}

/** A failure as one log line: its stack when it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
