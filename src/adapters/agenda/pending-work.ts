/**
 * Work an {@link AgendaWorkScheduler} holds that has not finished: what the test environment asks (through the app's
 * testing seam, not the work-scheduler port) to tell whether an app is idle.
 */
export interface PendingWork {
  /** Activity jobs not finished: waiting for a worker, or running. */
  readonly activities: number;
  /** When the earliest timer that has not fired is due, if there is one. */
  readonly nextTimerAt?: Date;
}
