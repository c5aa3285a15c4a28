/**
 * Every operation of the admin router, in the order of the Durable Functions HTTP API. The `authorize` hook receives
 * one of these for each request, so that a read-only role and an admin role can be told apart:
 *
 * | operation | routes |
 * |---|---|
 * | `instances.read` | `GET /instances/:id`, `GET /instances`, `GET /health` (counts over the task hub, Durably's addition) |
 * | `instances.readHistory` | `GET /instances/:id/history` (the raw events, for replay tests: not redacted) |
 * | `instances.start` | `POST /orchestrators/:name/:instanceId?` |
 * | `instances.raiseEvent` | `POST /instances/:id/raiseEvent/:eventName` |
 * | `instances.terminate` | `POST /instances/:id/terminate` |
 * | `instances.suspend` | `POST /instances/:id/suspend` |
 * | `instances.resume` | `POST /instances/:id/resume` |
 * | `instances.restart` | `POST /instances/:id/restart` |
 * | `instances.rewind` | `POST /instances/:id/rewind` |
 * | `instances.retry` | `POST /instances/:id/retry` (a stuck instance retried now; Durably's addition) |
 * | `instances.purge` | `DELETE /instances/:id`, `DELETE /instances` |
 * | `entities.read` | `GET /entities/:entityName/:entityKey`, `GET /entities/:entityName?` |
 * | `entities.signal` | `POST /entities/:entityName/:entityKey?op=…` (any operation but `delete`) |
 * | `entities.delete` | `DELETE /entities/:entityName/:entityKey`, and `POST …?op=delete` (the same operation) |
 */
export const ADMIN_OPERATIONS = Object.freeze([
  'instances.read',
  'instances.readHistory',
  'instances.start',
  'instances.raiseEvent',
  'instances.terminate',
  'instances.suspend',
  'instances.resume',
  'instances.restart',
  'instances.rewind',
  'instances.retry',
  'instances.purge',
  'entities.read',
  'entities.signal',
  'entities.delete',
] as const);

/** One operation of the admin router (see {@link ADMIN_OPERATIONS}). */
export type AdminOperation = (typeof ADMIN_OPERATIONS)[number];

/**
 * The operations that change nothing: what a read-only role (a dashboard viewer, a monitoring job) may be allowed.
 * Note that `entities.read` returns entity states as they are (the `redact` hook applies to instance statuses only).
 * `instances.readHistory` changes nothing either but is not in this list: it returns the raw history events, inputs
 * and results included, which the `redact` hook does not see — grant it on purpose, to whoever exports histories.
 *
 * @example
 * ```ts
 * authorize: (req, operation) => READ_ONLY_ADMIN_OPERATIONS.includes(operation) || roleOf(req) === 'admin',
 * ```
 */
export const READ_ONLY_ADMIN_OPERATIONS: readonly AdminOperation[] = Object.freeze(['instances.read', 'entities.read'] as const);
