/** The names of the Agenda jobs Durably writes. Persisted: changing one is a storage migration. */
export const JobName = {
  Activity: 'durably.activity',
  Timer: 'durably.timer',
} as const;

/**
 * Names finished jobs are renamed to. A finished job stays as the record that its action ran (a re-dispatch of the
 * same key must not run it again), but under its own name Agenda's lock query — which scans every job of a name —
 * no longer walks over it: with finished jobs kept, that scan would grow with every activity ever run. Persisted.
 */
export const FinishedJobName = {
  [JobName.Activity]: 'durably.activity.done',
  [JobName.Timer]: 'durably.timer.done',
} as const;
