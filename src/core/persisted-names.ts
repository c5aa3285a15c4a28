/**
 * Identifiers written into MongoDB: collection suffixes and Agenda job names. Changing one is a storage migration.
 * Collections are named `<taskHub>.<suffix>`, so several apps (task hubs) can share one database.
 */
export const CollectionSuffix = {
  /** One document per orchestration instance: its current execution's status, lease and work flags. */
  Instances: 'instances',
  /** The history of each execution, one document per committed episode ("chunk"). */
  History: 'history',
  /** Messages to instances not yet applied: results, timer firings, raised events, control events. */
  Inbox: 'inbox',
  /** Agenda's job collection (activities and durable timers). */
  Jobs: 'jobs',
  /**
   * Receipts of keyed messages entities applied (entity and dedupe key), kept for a retention period so that a
   * message sent again after its sender crashed is recognised even after the first copy left the inbox.
   */
  Receipts: 'receipts',
} as const;

/** Agenda job names. */
export const JobName = {
  Activity: 'durably.activity',
  Timer: 'durably.timer',
} as const;

/**
 * Names finished jobs are renamed to. A finished job stays as the record that its action ran (a re-dispatch of the
 * same key must not run it again), but under its own name Agenda's lock query — which scans every job of a name —
 * no longer walks over it: with finished jobs kept, that scan would grow with every activity ever run.
 */
export const FinishedJobName = {
  [JobName.Activity]: 'durably.activity.done',
  [JobName.Timer]: 'durably.timer.done',
} as const;
