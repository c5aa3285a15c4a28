import type { Agenda } from 'agenda';

/**
 * The two fields of Agenda's private `JobProcessor` that a graceful stop needs. Agenda 6.2.6 (pinned exactly by
 * `@agendajs/mongo-backend` 4.0.3's peer range) offers no public way to see them once `stop()` ran:
 *
 * - `runningJobs`: jobs that passed `runOrRetry`'s gate, including those still writing their start state before the
 *   handler is called. Waiting only for handlers already called would miss them.
 * - `isJobQueueFilling`: a queue pass in flight keeps locking jobs after `stop()` (it never checks whether the
 *   processor still runs); those jobs would stay locked, unrun, for a whole lock lifetime.
 *
 * `agenda.drain()` is no substitute: it waits for running jobs but keeps starting the jobs already locked, and
 * leaves the ones it did not start locked.
 */
export interface AgendaProcessorView {
  readonly runningJobs: ReadonlyArray<{ readonly attrs: { readonly _id?: unknown } }>;
  readonly isJobQueueFilling: ReadonlyMap<string, boolean>;
}

/**
 * Agenda's running job processor, or `undefined` when Agenda is not started or its internals changed shape (the
 * scheduler then falls back to the handlers it called itself).
 */
export function agendaProcessorView(agenda: Agenda): AgendaProcessorView | undefined {
  const processor: unknown = (agenda as unknown as { readonly jobProcessor?: unknown }).jobProcessor;
  if (typeof processor !== 'object' || processor === null) return undefined;
  const { runningJobs, isJobQueueFilling } = processor as Record<string, unknown>;
  if (!Array.isArray(runningJobs) || !(isJobQueueFilling instanceof Map)) return undefined;
  return processor as AgendaProcessorView;
}
