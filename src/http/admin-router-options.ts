import type { Request } from 'express';
import type { RuntimeLogger } from '../core/runtime-logger.js';
import type { HealthStats } from '../ports/health-stats.js';
import type { AdminOperation } from './admin-operation.js';
import type { InstanceStatusPayload } from './instance-status-payload.js';
import type { AdminReadLimits } from './read-limits.js';

/**
 * What an {@link AdminAuthorize} hook decides for one request:
 *
 * - `true` or `'allow'`: the request proceeds.
 * - `'unauthenticated'`: no or invalid credentials → `401` (with a `WWW-Authenticate` challenge).
 * - `false` or `'forbidden'`: valid credentials that may not perform this operation → `403`.
 *
 * Anything else (`undefined` from a hook that forgot to return, for instance), and a hook that throws or rejects,
 * denies the request with a `500` and logs why: the router fails closed.
 */
export type AuthorizationDecision = boolean | 'allow' | 'forbidden' | 'unauthenticated';

/**
 * Decides whether a request may perform an operation. Read credentials from headers only (`Authorization`, an API-key
 * header...), never from the URL, which ends up in logs and browser histories. Runs after the route matched and
 * before any input is read (and after the `keys` check, when the router has keys); `req.params` holds the raw path
 * parameters. Authorizing with cookies is safe from other sites' pages: the router refuses the state-changing
 * requests a browser marks as cross-site (see {@link AdminRouterCommonOptions.allowedOrigins}).
 *
 * @example
 * ```ts
 * const authorize: AdminAuthorize = async (req, operation) => {
 *   const user = await verifyToken(req.get('authorization'));
 *   if (user === undefined) return 'unauthenticated';
 *   return READ_ONLY_ADMIN_OPERATIONS.includes(operation) || user.roles.includes('durably-admin');
 * };
 * ```
 */
export type AdminAuthorize = (req: Request, operation: AdminOperation) => AuthorizationDecision | Promise<AuthorizationDecision>;

/**
 * Rewrites every instance status before it is sent (single status, list entries, and the output returned by the
 * wait-for-completion variant of start and restart), e.g. to hide inputs, outputs, custom status or history from some
 * callers. Return the payload to send; a hook that throws turns the response into a `500`.
 *
 * @example
 * ```ts
 * const redact: AdminRedact = (status) => ({ ...status, input: null, output: status.runtimeStatus === 'Failed' ? status.output : '[redacted]' });
 * ```
 */
export type AdminRedact = (
  status: InstanceStatusPayload,
  context: { readonly req: Request; readonly operation: AdminOperation },
) => InstanceStatusPayload | Promise<InstanceStatusPayload>;

/**
 * Status codes where Durable Functions' implementation and its documentation disagree. The defaults follow the
 * implementation; the alternatives are stricter.
 */
export interface AdminStatusCodes {
  /**
   * Starting (or restarting under the same ID) an instance whose ID is Pending, Running or Suspended. `202` (default,
   * DF's implementation with its default `OverridableExistingInstanceStates.AnyState`): the request is accepted as a
   * no-op and answered with the existing instance's check-status payload — the running instance is left untouched
   * and the new input is not used. `409`: refused with a `409 Conflict` JSON error (DF with `NonRunningStates`).
   */
  readonly duplicateInstance?: 202 | 409;
  /** Restarting an instance that does not exist. `400` (default, DF's implementation) or `404`. */
  readonly restartUnknownInstance?: 400 | 404;
  /**
   * An entity route naming an entity type that is not registered (see {@link AdminRouterDefaults.entityNames}).
   * `400` (default, DF's implementation): signaling or deleting such an entity is a `400 UNKNOWN_ENTITY_TYPE`, while
   * reading one is a plain `404` (it has no state) and listing by its name is a `200` (with what is stored). `404`:
   * every entity route naming it — read, list, signal, delete — is a `404 UNKNOWN_ENTITY_TYPE`.
   */
  readonly unknownEntityType?: 400 | 404;
}

/**
 * What the app behind the router knows, for options the caller left out: the third parameter of
 * {@link createAdminRouter}, filled in by `durably.adminRouter(options)`.
 */
export interface AdminRouterDefaults {
  /** Where unexpected errors are logged when `options.logger` is not given. `Durably.adminRouter` passes the app's logger. */
  readonly logger?: RuntimeLogger;
  /**
   * The registered entity names (compared ignoring case), for the unknown-entity-type checks of the entity routes.
   * `Durably.adminRouter` passes the names registered when the router is created. Without it (a client-only process
   * that does not know the entity classes), every entity name is taken as registered.
   */
  readonly entityNames?: readonly string[];
  /**
   * The task hub's health figures, for `GET /health` (the dashboard's health view). `Durably.adminRouter` passes the
   * app's. Without them, that route answers `501 HEALTH_STATS_UNAVAILABLE`.
   */
  readonly healthStats?: HealthStats;
}

/** Options shared by both ways of securing the router. */
export interface AdminRouterCommonOptions {
  /** See {@link AdminRedact}. Default: statuses are sent as they are. */
  readonly redact?: AdminRedact;
  /** See {@link AdminStatusCodes}. */
  readonly statusCodes?: AdminStatusCodes;
  /** Largest request body accepted (start input, event data, entity operation input), in bytes; larger bodies get a `413`. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * Longest wait of the wait-for-completion variant (`?timeout=&pollingInterval=`), in seconds: a larger `timeout`
   * waits this long and then answers `202` as a timeout does. Default 60.
   */
  readonly maxWaitSeconds?: number;
  /** The `WWW-Authenticate` challenge sent with `401` responses. Default `Bearer realm="durably"`. */
  readonly authenticateChallenge?: string;
  /** Where unexpected errors are logged. `Durably.adminRouter` passes the app's logger. Default: console. */
  readonly logger?: RuntimeLogger;
  /**
   * The host names the router answers to, besides the loopback names (`localhost`, `127.0.0.1` and all of
   * `127.0.0.0/8`, `[::1]`, any port), which it always answers to. A request whose `Host` — or, behind a proxy the app
   * trusts (Express's `trust proxy`), whose `X-Forwarded-Host` — is another name gets `403 HOST_NOT_ALLOWED`: that is
   * what defeats DNS rebinding, where a web page makes its own name resolve to this server and then calls it from the
   * visitor's browser. An entry is a name (`durably.example.com`, any port), a name with a port
   * (`durably.example.com:8443`), a name with a leading dot for it and all its subdomains (`.example.com`), or an
   * address (`10.0.0.5`, `[fd00::5]`). `'any'` turns the check off (the app or its proxy checks the host itself).
   *
   * @example
   * ```ts
   * durably.adminRouter({ authorize, allowedHosts: ['durably.example.com'] }) // served as https://durably.example.com
   * ```
   */
  readonly allowedHosts?: readonly string[] | 'any';
  /**
   * Origins (`https://admin.example.com`) whose pages may send the router state-changing requests (everything but
   * GET/HEAD/OPTIONS). Other cross-site ones — marked by the browser with `Sec-Fetch-Site: cross-site` or `same-site`,
   * or, in browsers without it, an `Origin` whose host is not in {@link allowedHosts} — get `403 CROSS_SITE_REQUEST`,
   * so that no other web page can start, terminate or purge anything through a visitor's browser (its cookies or
   * its loopback access). Requests without those headers (curl, servers, Durable Functions clients) are not affected.
   * Default: none. `'any'` turns the check off. A page on a listed origin also needs CORS (the app's own
   * middleware), since its JSON requests are preflighted.
   */
  readonly allowedOrigins?: readonly string[] | 'any';
  /** Bounds on lists and history reads: page and field sizes, concurrency (see {@link AdminReadLimits}). */
  readonly readLimits?: AdminReadLimits;
}

/**
 * Options of `durably.adminRouter(options)` / {@link createAdminRouter}. The router must be secured explicitly, so that
 * an admin API is never open by accident: `keys`, `authorize`, both (a request must then pass both), or
 * `auth: 'none'` (nothing else).
 */
export type AdminRouterOptions = AdminRouterCommonOptions & (
  | {
    /** Decides every request (see {@link AdminAuthorize}). */
    readonly authorize: AdminAuthorize;
    /** With `authorize`: a request needs a valid key first, then the hook's approval. */
    readonly keys?: readonly string[];
    readonly auth?: never;
  }
  | {
    /**
     * Durable Functions' keys: a request must send one of them in the `x-functions-key` header (preferred: URLs end up
     * in logs) or as the `code` query parameter, or it gets `401 UNAUTHENTICATED`. Each key is at least 16 visible
     * ASCII characters; several keys let one be replaced without downtime. Compared in constant time. When a request
     * authenticated with `code`, the URLs of the check-status payload handed back to it carry the same `code`, as
     * Durable Functions' do.
     *
     * @example
     * ```ts
     * durably.adminRouter({ keys: [process.env.DURABLY_ADMIN_KEY!] })
     * // curl -H "x-functions-key: $DURABLY_ADMIN_KEY" http://localhost:3000/runtime/webhooks/durabletask/instances
     * ```
     */
    readonly keys: readonly string[];
    readonly authorize?: never;
    readonly auth?: never;
  }
  | {
    /** Serves every request without any check. For local development only: never expose such a router. */
    readonly auth: 'none';
    readonly authorize?: never;
    readonly keys?: never;
  }
);
