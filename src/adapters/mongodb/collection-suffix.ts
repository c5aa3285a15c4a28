/**
 * The suffixes of the collections a task hub writes: collections are named `<taskHub>.<suffix>`, so several apps
 * (task hubs) can share one database. Persisted: changing one is a storage migration.
 */
export const CollectionSuffix = {
  /** One document per orchestration instance: its current execution's status, lease and work flags. */
  Instances: 'instances',
  /** The history of each execution, one document per committed episode ("chunk"). */
  History: 'history',
  /** Messages to instances not yet applied: results, timer firings, raised events, control events. */
  Inbox: 'inbox',
  /** Agenda's job collection (activities and durable timers), written by the Agenda adapter. */
  Jobs: 'jobs',
  /**
   * Receipts of keyed messages entities applied (entity and dedupe key), kept for a retention period so that a
   * message sent again after its sender crashed is recognised even after the first copy left the inbox.
   */
  Receipts: 'receipts',
} as const;
