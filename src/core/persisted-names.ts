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
} as const;

/** Agenda job names. */
export const JobName = {
  Activity: 'durably.activity',
  Timer: 'durably.timer',
} as const;
