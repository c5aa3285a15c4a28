/** The exact size of an execution's committed history: what `InstanceStore.historySize` counts. */
export interface HistorySize {
  /** History events of the execution. */
  readonly events: number;
  /** The sum of the events' sizes: the UTF-8 bytes of each one's JSON text (`historyEventBytes`). */
  readonly bytes: number;
}
