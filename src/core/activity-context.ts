/**
 * What an activity's `run(input, ctx)` receives besides its input: who it runs for, which attempt this is, a signal
 * that tells it to stop, and heartbeats. Activities with a one-argument `run` keep working (they ignore it).
 *
 * @example
 * ```ts
 * @Activity({ name: 'ImportRows', heartbeatTimeoutMs: 10_000 })
 * export class ImportRows {
 *   async run(file: string, ctx: ActivityContext<number>): Promise<number> {
 *     let row = ctx.lastHeartbeatDetails ?? 0;          // resume where the previous attempt was
 *     for (; row < 1_000; row++) {
 *       ctx.signal.throwIfAborted();                     // cancelled, timed out, or its instance terminated
 *       await importRow(file, row, { signal: ctx.signal });
 *       ctx.heartbeat(row + 1);                          // throttled: at most one write per interval
 *     }
 *     return row;
 *   }
 * }
 * ```
 */
export interface ActivityContext<THeartbeat = unknown> {
  /** The orchestration instance that called the activity. */
  readonly instanceId: string;
  /** The activity's registered name. */
  readonly activityName: string;
  /**
   * This attempt's number, 1-based: it counts the retries of the call's retry policy and the redeliveries of a job
   * whose worker died (or lost it), so the first run is 1.
   */
  readonly attempt: number;
  /**
   * Aborted when the activity should stop: its call was cancelled (`task.cancel()`, the losing side of a race), its
   * instance was terminated, or one of its timeouts passed — wherever it runs. `signal.reason` is a
   * `TaskCanceledError` or an `ActivityTimeoutError`. Pass it on to `fetch`, database drivers and timers. Once it is
   * aborted, whatever the activity still returns is not recorded; its slot is freed at once.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress: re-arms the heartbeat timeout (`heartbeatTimeoutMs`) and keeps `details` (JSON) for the next
   * attempt's `lastHeartbeatDetails`. Cheap to call in a tight loop: writes are throttled to at most one per interval
   * (80% of the heartbeat timeout, else 30 s), the last details of an interval written at its end.
   *
   * @throws InvalidPayloadError / PayloadTooLargeError when `details` cannot be stored.
   */
  heartbeat(details?: THeartbeat): void;
  /**
   * The details of the last heartbeat of a previous attempt (a redelivery after a crash, or a retry after a failure or
   * a timeout), so that a long job resumes where it was; undefined on a first attempt or when none heartbeat.
   */
  readonly lastHeartbeatDetails: THeartbeat | undefined;
}
