/**
 * How large the pages of a list may grow (`InstanceStore.listInstances`, `EntityStore.listEntities`). Both bounds
 * are optional: absent, nothing is left out and pages end at `pageSize`.
 */
export interface ListBounds {
  /**
   * Payloads (encoded, in UTF-8 bytes) larger than this are not read from storage at all: the entry names them
   * instead (`omittedPayloads`, `stateOmitted`). 0 leaves out every payload.
   */
  readonly maxFieldBytes?: number;
  /**
   * A page ends before the entry that would take its estimated size (the stored sizes of what it returns, plus a
   * fixed allowance per entry, {@link LIST_ENTRY_OVERHEAD_BYTES}) past this; the continuation token then resumes at
   * that entry. A page holds at least one entry, so paging always progresses.
   */
  readonly maxPageBytes?: number;
}

/**
 * What the size estimate of a list page allows for each entry besides its names, payloads and failure details: the
 * field names, statuses and times of the entry as a list answer spells them (Durable Functions' JSON is about 300
 * bytes of them). The estimate is never below what the HTTP API sends for the entry.
 */
export const LIST_ENTRY_OVERHEAD_BYTES = 512;
