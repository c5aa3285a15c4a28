/**
 * Server error codes that mean "the database could not do it now", not "this request is wrong": the server is
 * shutting down or stepping down, a node is unreachable, an operation ran out of time or was interrupted.
 */
const TRANSIENT_SERVER_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  64, // WriteConcernFailed
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict
  133, // FailedToSatisfyReadPreference
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  202, // NetworkInterfaceExceededTimeLimit
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11601, // Interrupted
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** The driver's error classes for a connection, pool or topology that is not there (by name: any driver copy). */
const TRANSIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoOperationTimeoutError',
  'MongoWriteConcernError',
  'MongoServerClosedError',
]);

/** Labels the server and driver put on errors that a retry can cure. */
const TRANSIENT_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'ResetPool', 'SystemOverloadedError'];

/**
 * Whether `error` (or an error it was caused by) is a fault of the database or the way to it — a restart, a
 * failover, a dropped connection, a timeout — rather than of the request: what a retry later can cure. The runtime
 * never counts such a failure against the instance whose episode met it (see the poison cap).
 */
export function isStorageFault(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = underlying(current), depth++) {
    if (TRANSIENT_ERROR_NAMES.has(current.name)) return true;
    // A DurableError's `code` is Durably's own; one that reports a server's answer (JobWriteError) keeps the server's
    // code as `serverCode`.
    const { code, serverCode, hasErrorLabel } = current as Error & { readonly code?: unknown; readonly serverCode?: unknown; readonly hasErrorLabel?: unknown };
    if (typeof code === 'number' && TRANSIENT_SERVER_CODES.has(code)) return true;
    if (typeof serverCode === 'number' && TRANSIENT_SERVER_CODES.has(serverCode)) return true;
    if (typeof hasErrorLabel === 'function' && TRANSIENT_LABELS.some((label) => (hasErrorLabel as (l: string) => boolean).call(current, label))) return true;
  }
  return false;
}

// The error `error` wraps: its cause, or the driver error a bulk write error was made from (MongoBulkWriteError keeps
// a connection error it met as its `errorResponse`).
function underlying(error: Error): unknown {
  if (error.cause !== undefined) return error.cause;
  const { errorResponse } = error as Error & { readonly errorResponse?: unknown };
  return errorResponse instanceof Error ? errorResponse : undefined;
}
