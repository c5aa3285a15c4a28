/** Counters of one open journal since it was opened (what `serverStatus` reports as `wiredTiger.log`). */
export interface JournalStatistics {
  /** Records appended. */
  readonly records: number;
  /** Group-commit writes to the journal file (one per batch of records). */
  readonly writes: number;
  /** Bytes written to the journal file by group commits. */
  readonly bytesWritten: number;
  /** fdatasync / fsync calls on the journal file: one per group commit, plus one per compaction. */
  readonly syncs: number;
  /** Time spent in those syncs, in microseconds. */
  readonly syncMicros: number;
}
