/**
 * The catalogue of error codes: every {@link DurableError}'s `code` — and every `error` field of an admin-router error
 * body — is one of these keys, with the meaning given here. Codes are stable across releases: match on them, never on
 * messages. `docs/errors.md` lists the same table (a test keeps the two in step).
 */
export const DURABLE_ERROR_CODES = {
  // Starting, finding and controlling instances.
  INSTANCE_ALREADY_EXISTS: 'An instance with this ID is still active (not finished), or has finished and the start says `ifFinished: fail`; and the start is not the same idempotent start.',
  INSTANCE_NOT_FOUND: 'No instance has this ID in this task hub.',
  INSTANCE_NOT_RUNNING: 'The operation needs a running (or suspended) instance; this one has ended.',
  INSTANCE_ALREADY_SUSPENDED: 'A suspend of an instance that is already suspended (or has a suspend on its way); nothing was written.',
  INSTANCE_NOT_SUSPENDED: 'A resume of an instance that is not suspended; nothing was written.',
  INSTANCE_NOT_TERMINAL: 'The operation needs an ended instance (purge); this one is still running.',
  INSTANCE_NOT_FAILED: 'The operation needs a failed instance (rewind); this one is not failed.',
  INSTANCE_NOT_STUCK: 'The operation needs a stuck instance (`retryNow`); this one is not stuck.',
  INVALID_INSTANCE_ID: 'An instance ID is empty, too long, or holds characters IDs may not contain.',
  INVALID_ENTITY_ID: 'An entity ID is not `@name@key`, or its name or key is invalid.',
  INVALID_TASK_HUB: 'A task hub name is not 1–50 letters, digits, `-` or `_`.',
  INVALID_SCHEDULED_TIME: 'A scheduled time (a delayed start or signal) is not a valid Date.',
  INVALID_OPERATION_NAME: 'An entity operation name is not a non-empty string.',
  NO_INSTANCES_PURGED: 'A filtered purge matched no instance.',
  TIMEOUT: 'A wait (e.g. `waitForCompletion`) ran out of time; the instance goes on.',

  // Orchestrator, activity and entity code.
  REGISTRATION: 'An orchestrator, activity or entity is missing, registered twice, or declared wrongly.',
  UNKNOWN_ORCHESTRATOR: 'No orchestrator is registered under the name an instance was started with.',
  UNKNOWN_ENTITY_TYPE: 'No entity is registered under the name in an entity ID.',
  ENTITY_NOT_FOUND: 'The entity has no state: it was never written, or it was deleted.',
  ENTITY_OPERATION_NOT_FOUND: 'The entity has no operation of this name.',
  ENTITY_OPERATION_ENDED: 'An entity context was used after its operation returned.',
  LOCKING_RULES_VIOLATION: 'A critical section broke the entity locking rules (e.g. calling an unlocked entity).',
  NON_DETERMINISM: 'The orchestrator code no longer matches its recorded history.',
  VERSION_MISMATCH: "An instance's orchestration version is not one this worker's `versioning.match` accepts.",
  NON_DURABLE_AWAIT: 'An orchestrator awaited something that is not a durable task.',
  INVALID_YIELD: 'A generator orchestrator yielded something that is not a durable task.',
  EXECUTION_NOT_CONTINUABLE: 'An execution was continued after it ended, or while it was applying an episode.',
  TASK_FAILED: 'An activity, sub-orchestration or entity operation the orchestrator awaited failed.',
  MAX_DELIVERIES_EXCEEDED: 'An activity was started more times than its delivery cap without finishing.',
  ACTIVITY_TIMEOUT: 'An activity attempt (start-to-close, heartbeat) or call (schedule-to-close) ran out of time.',
  TASK_CANCELED: 'A task was cancelled (by `cancel()`, a timeout or a termination); its result is not recorded.',
  INVALID_RETRY_OPTIONS: 'Retry options are missing a field or hold an impossible value.',

  // Payloads and histories.
  INVALID_PAYLOAD: 'An input, output, event or state cannot be stored as JSON (a function, a cycle, an Error, ...).',
  PAYLOAD_TOO_LARGE: 'An encoded payload is larger than `maxPayloadBytes`.',
  INVALID_HISTORY: 'A history given to `parseHistory` / `replayHistory` is not a valid list of history events.',
  CORRUPT_HISTORY: 'A stored history is incomplete (a part of a split episode is missing).',

  // Options and arguments.
  INVALID_OPTIONS: 'A `Durably.create` option (or a tuning value) is missing or out of range.',
  INVALID_ARGUMENT: 'An argument of a call is of the wrong type or out of range; the message names it.',
  ADMIN_ROUTER_CONFIGURATION: 'The admin router was configured without a security choice, or with contradicting options.',
  DASHBOARD_CONFIGURATION: 'The dashboard was configured with invalid options.',
  INVALID_CONTINUATION_TOKEN: 'A continuation token is not one this task hub issued.',

  // Storage and leases.
  CONCURRENCY_CONFLICT: 'A concurrent start or purge kept changing an instance; the start gave up after its retries.',
  LEASE_LOST: 'A worker found its lease on an instance taken over by another worker; its episode is discarded.',
  MALFORMED_JOB_DATA: 'A scheduler job holds data Durably did not write (edited by hand, or another app).',
  JOB_WRITE_FAILED: 'A scheduler job write failed for a reason that is not a duplicate.',

  // The embedded engine.
  EMBEDDED_ENGINE_ERROR: 'The embedded engine could not start (port in use, dbPath locked or unreadable, bad options).',
  EMBEDDED_ENGINE_AUTH_REQUIRED: 'The embedded engine was asked to listen beyond loopback without credentials.',
  EMBEDDED_COMMAND_ERROR: 'The embedded engine answered a command with a MongoDB error (its `codeName` says which).',
  EMBEDDED_PERSISTENCE_ERROR: "The embedded engine's data directory could not be read or written.",
  EMBEDDED_PROTOCOL_ERROR: 'A client sent the embedded engine a malformed wire-protocol message.',

  // The admin HTTP API (the `error` field of a 4xx/5xx JSON body).
  BAD_REQUEST: 'The request is malformed in a way no more specific code names.',
  INVALID_JSON: 'The request body is not valid JSON (or not valid UTF-8).',
  INVALID_BODY: 'The request body has a field of the wrong type or shape.',
  INVALID_NUMBER: 'The request body holds a number that is not finite (e.g. `1e400`).',
  INVALID_QUERY_PARAMETER: 'A query parameter is unknown, repeated or out of range.',
  INVALID_PATH_PARAMETER: 'A path parameter (an instance ID, an entity name or key) is invalid.',
  INVALID_HEADER: 'A header is malformed (e.g. a continuation token).',
  INVALID_HOST: 'The request has no valid Host header.',
  HOST_NOT_ALLOWED: 'The Host (or Origin) is not one this server answers to.',
  CROSS_SITE_REQUEST: 'A browser on another site sent a request that changes something.',
  UNSUPPORTED_MEDIA_TYPE: 'A body was sent with a content type other than JSON.',
  UNSUPPORTED_CONTENT_TYPE: 'The content type header is malformed.',
  UNAUTHENTICATED: 'The request carries no valid key or credentials.',
  FORBIDDEN: 'The caller may not perform this operation.',
  AUTHORIZE_HOOK_FAILED: "The admin router's authorize hook threw or answered something other than a boolean.",
  TOO_MANY_READS: 'Too many expensive reads are in flight; retry after the `Retry-After` delay.',
  HEALTH_STATS_UNAVAILABLE: 'The admin router was created without health figures (`createAdminRouter` without `defaults.healthStats`): `GET /health` has none.',
  INTERNAL_ERROR: 'Something failed that no input explains; the server logged the cause.',
} as const;

/** A code of the {@link DURABLE_ERROR_CODES} catalogue. */
export type DurableErrorCode = keyof typeof DURABLE_ERROR_CODES;
